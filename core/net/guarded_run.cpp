#include "core/net/guarded_run.hpp"

#include "core/log/log.hpp"

#include <exception>

namespace mailgate::core::net {

void guarded_run(boost::asio::io_context& io, const std::string& log_area)
{
    for (;;) {
        try {
            io.run();
            return;
        } catch (const std::exception& e) {
            log::get(log_area)->error("an I/O handler failed, the thread goes on: {}", e.what());
        } catch (...) {
            log::get(log_area)->error(
                "an I/O handler failed with a non-standard exception, the thread goes on");
        }
    }
}

} // namespace mailgate::core::net
