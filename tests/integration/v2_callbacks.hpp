#pragma once

// Callbacks in the v2 format with real attribution tokens, as an ESP relaying the gateway's
// own messages would post them: the provider and attribution key a gateway under test needs,
// and the bodies.

#include "core/attribution/meta_token.hpp"

#include <boost/json.hpp>

#include <array>
#include <string>
#include <vector>

namespace mailgate::test {

/// The attribution key (the bytes 0..31), as the gateway's configuration section.
inline const std::string v2_attribution_yaml =
    "attribution:\n  key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";

/// A provider `esp` (the smtp driver) whose callbacks authenticate with a token.
inline const std::string v2_provider_yaml = "  - nickname: esp\n"
                                            "    driver: smtp\n"
                                            "    host: 127.0.0.1\n"
                                            "    port: 2525\n"
                                            "    scheme: smtp\n"
                                            "    callback_token: esp-callback-token-0123456789\n";

inline const std::string v2_callback_url = "/v1/callbacks/esp?token=esp-callback-token-0123456789";

/// The token the gateway stamps on `message` of campaign `campaign` in `stream` to `email`.
inline std::string v2_token(const std::string& message, const std::string& email,
                            const std::string& campaign = "spring", const std::string& stream = "")
{
    std::array<unsigned char, 32> key{};
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<unsigned char>(i);
    }
    return core::attribution::meta_codec(key).encode({message, campaign, "p-" + message, stream},
                                                     email);
}

inline std::string v2_item(const std::string& type, const std::string& email,
                           const std::string& meta, const std::string& description)
{
    return boost::json::serialize(boost::json::object{
        {"type", type}, {"email", email}, {"meta", meta}, {"description", description}});
}

/// A callback body of `items` (each from v2_item).
inline std::string v2_body(const std::vector<std::string>& items)
{
    std::string joined;
    for (const auto& item : items) {
        joined += (joined.empty() ? "" : ",") + item;
    }
    return R"({"version":"v2","events":{"failed":[)" + joined + "]}}";
}

} // namespace mailgate::test
