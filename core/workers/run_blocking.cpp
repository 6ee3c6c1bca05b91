#include "core/workers/run_blocking.hpp"

#include "core/http/json_response.hpp"
#include "core/log/log.hpp"

namespace mailgate::core::workers {

void log_refusal(const std::string& what, refusal why, const blocking_pool_options& options)
{
    auto logger = log::get("workers");
    if (why == refusal::timed_out) {
        logger->warn("{}: no result within {} ms (server.handler_timeout): answered 503", what,
                     options.deadline.count());
        return;
    }
    logger->warn("{}: all {} workers busy and {} calls queued (server.workers, "
                 "server.worker_queue): answered 503",
                 what, options.workers, options.queue_limit);
}

void log_late_result(const std::string& what, std::chrono::steady_clock::duration took)
{
    log::get("workers")->warn(
        "{}: finished after {} ms, its request already answered: result dropped", what,
        std::chrono::duration_cast<std::chrono::milliseconds>(took).count());
}

http::response unavailable_response(const http::request& req)
{
    auto res = http::error_response(boost::beast::http::status::service_unavailable,
                                    "the gateway is busy; try again", req);
    res.set(boost::beast::http::field::retry_after, "1");
    return res;
}

} // namespace mailgate::core::workers
