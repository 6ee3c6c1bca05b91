#pragma once

/// A shared callback token: the simplest authentication an ESP that cannot sign can give, put in
/// the callback URL (`?token=...`) or a header. Optional: a driver that includes this header
/// needs Boost.URL, compiled into the driver by including <boost/url/src.hpp> in one of its
/// sources. THREAD: any; nothing here keeps state.

#include <mailgate/sdk/config.hpp>
#include <mailgate/sdk/error.hpp>

#include <boost/url/parse.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace mailgate::sdk {

/// 16 random characters are beyond guessing over HTTP; shorter ones may be a word or a PIN.
inline constexpr std::size_t min_callback_token_size = 16;

/// The token option's value, or nothing when it is not set. Throws config_error naming the
/// option when it is too short to be a secret.
inline std::optional<std::string> read_callback_token(const config_view& config,
                                                      const char* option = "callback_token")
{
    std::optional<std::string> token = config.optional_string(option);
    if (token && token->size() < min_callback_token_size) {
        throw config_error(option, "must be at least " + std::to_string(min_callback_token_size) +
                                       " characters long");
    }
    return token;
}

/// The percent-decoded value of the query parameter `name` of a request target; nothing when
/// there is none (or the target is not in origin form).
inline std::optional<std::string> query_parameter(std::string_view target, std::string_view name)
{
    auto url = boost::urls::parse_origin_form(target);
    if (!url) {
        return std::nullopt;
    }
    auto params = url->params();
    auto found = params.find(name);
    if (found == params.end()) {
        return std::nullopt;
    }
    return std::string((*found).value);
}

} // namespace mailgate::sdk
