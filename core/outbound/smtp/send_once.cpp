#include "core/outbound/smtp/send_once.hpp"

#include "core/outbound/smtp/smtp_connection.hpp"

#include <boost/asio/this_coro.hpp>

#include <memory>

namespace mailgate::core::outbound::smtp {

boost::asio::awaitable<send_outcome> send_once(const smtp_client_settings& settings,
                                               const envelope& env, std::string_view data,
                                               std::vector<transcript_line>* transcript)
{
    smtp_connection connection(co_await boost::asio::this_coro::executor,
                               std::make_shared<const smtp_client_settings>(settings), transcript);
    auto failed = co_await connection.open(); // not in the condition: g++ 12 miscompiles that
    if (failed) {
        co_return std::move(*failed);
    }
    auto outcome = co_await connection.send(env, data);
    co_await connection.quit();
    co_return outcome;
}

} // namespace mailgate::core::outbound::smtp
