#include "core/base/clock.hpp"

#include <chrono>

namespace mailgate::core::base {

int64_t unix_ms_now()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

} // namespace mailgate::core::base
