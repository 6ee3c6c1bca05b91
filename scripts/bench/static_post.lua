-- wrk script: the same POST body shape as legacy_post.lua with BATCH events, for nginx's
-- static 200 (the ceiling of HTTP on this machine).
local batch = tonumber(os.getenv("BATCH") or "1")
local entries = {}
for i = 1, batch do
    entries[i] = string.format('{"e":"e%d@bench.example","ts":1435322805}', i)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '[{"event":"softbounce","data":[' .. table.concat(entries, ",") .. ']}]'

function done(summary, latency, requests)
    io.write(string.format("RESULT requests=%d duration_s=%.3f errors=%d p50_ms=%.3f p99_ms=%.3f\n",
        summary.requests, summary.duration / 1e6,
        summary.errors.status + summary.errors.connect + summary.errors.read +
        summary.errors.write + summary.errors.timeout,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
