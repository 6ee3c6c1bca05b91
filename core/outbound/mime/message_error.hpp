#pragma once

#include <stdexcept>

namespace mailgate::core::outbound::mime {

/// A message the gateway refuses to build; what() names the field or header and the reason.
class message_error : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

} // namespace mailgate::core::outbound::mime
