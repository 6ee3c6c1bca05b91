#include "core/storage/prepared_event.hpp"

#include "core/encoding/sha256.hpp"
#include "core/storage/system_events_column.hpp"

#include <algorithm>
#include <cstring>

namespace mailgate::core::storage {
namespace {

// NUL-separated: a provider's name cannot run into its key.
key_hash hash_of(const events::gateway_event& ev)
{
    std::string input = ev.provider;
    input += '\0';
    input += ev.event_key;
    const auto digest = encoding::sha256(input);
    key_hash out{};
    std::copy(digest.begin(), digest.begin() + out.size(), out.begin());
    return out;
}

} // namespace

prepared_event prepare_event(const events::routed_event& routed)
{
    return {hash_of(routed.ev), system_events_to_json(routed.system_events),
            email_hash(routed.ev.email)};
}

key_hash key_after_lifts(const key_hash& key, int64_t lifts)
{
    if (lifts == 0) {
        return key;
    }
    std::string input(bytes_of(key));
    for (int shift = 56; shift >= 0; shift -= 8) {
        input += static_cast<char>(static_cast<uint64_t>(lifts) >> shift & 0xff);
    }
    const auto digest = encoding::sha256(input);
    key_hash out{};
    std::copy(digest.begin(), digest.begin() + out.size(), out.begin());
    return out;
}

int64_t email_hash(std::string_view email)
{
    const auto digest = encoding::sha256(email);
    int64_t out = 0;
    std::memcpy(&out, digest.data(), sizeof out);
    return out;
}

} // namespace mailgate::core::storage
