-- wrk script: POSTs legacy bounce batches of BATCH events (env, default 1) to the gateway.
-- Every event has a fresh, random-looking address, as real recipients are (addresses that
-- arrive in sorted order would flatter the address index), so the gateway stores each one.
-- Several wrk at once (one per node) each get their own NODE (env, default 0): otherwise they
-- would draw the same addresses.
local batch = tonumber(os.getenv("BATCH") or "1")
local node = tonumber(os.getenv("NODE") or "0")
local counter = 0
local thread_id = 0
local next_id = 0

function setup(thread)
    next_id = next_id + 1
    thread:set("thread_id", next_id)
end

function init(args)
    math.randomseed(thread_id * 7919 + node * 104729 + os.time())
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
end

function request()
    counter = counter + 1
    local entries = {}
    for i = 1, batch do
        entries[i] = string.format('{"e":"%08x%06x-t%d-n%d@bench.example","ts":1435322805}',
                                   math.random(0, 0x7fffffff), counter % 0x1000000, thread_id,
                                   node)
    end
    local body = '[{"event":"softbounce","data":[' .. table.concat(entries, ",") .. ']}]'
    return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d duration_s=%.3f errors=%d p50_ms=%.3f p99_ms=%.3f\n",
        summary.requests, summary.duration / 1e6,
        summary.errors.status + summary.errors.connect + summary.errors.read +
        summary.errors.write + summary.errors.timeout,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
