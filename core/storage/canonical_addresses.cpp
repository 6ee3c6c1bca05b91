#include "core/storage/canonical_addresses.hpp"

#include "core/addressing/address.hpp"
#include "core/storage/prepared_event.hpp"

namespace mailgate::core::storage {

std::vector<address_change> canonical_changes(const std::vector<std::string>& stored)
{
    std::vector<address_change> changes;
    for (const auto& email : stored) {
        auto canonical = addressing::canonical_email(email);
        if (canonical && *canonical != email) {
            changes.push_back({email, *canonical, email_hash(email), email_hash(*canonical)});
        }
    }
    return changes;
}

} // namespace mailgate::core::storage
