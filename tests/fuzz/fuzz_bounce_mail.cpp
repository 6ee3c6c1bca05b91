// Raw bytes through the bounce classifier as one returned message. Beyond not crashing, the
// result must hold what the header promises: at most max_records records, and records only
// for the kinds that carry them.

#include "core/bounces/bounce_classifier.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace mailgate::core::bounces;
    const auto r = classify_message(std::string_view(reinterpret_cast<const char*>(data), size));
    if (r.records.size() > max_records ||
        (r.kind == message_kind::not_bounce && !r.records.empty())) {
        std::abort();
    }
    return 0;
}
