#include "core/cli/gateway_warnings.hpp"

#include "core/config/secret.hpp"

#include <fmt/format.h>

namespace mailgate::core::cli {
namespace {

constexpr std::string_view plain_advice =
    " is written in the file as it is: prefer env:NAME, file:PATH or an enc:v1: value "
    "(mailgate secret encrypt)";

void plain_secrets(const gateway& gw, std::vector<std::string>& out)
{
    const auto check = [&out](const config::located_value& value, const std::string& field) {
        if (!value.text.empty() && config::is_written_secret(value.text)) {
            out.push_back(value.where + ": " + field + std::string(plain_advice));
        }
    };
    for (const auto& t : gw.config.admin_tokens) {
        check(t.token, t.name == "admin" ? "admin.token" : "admin.tokens." + t.name);
    }
    check(gw.config.attribution_key, "attribution.key");
    for (std::size_t i = 0; i < gw.config.bounces.mailboxes.size(); ++i) {
        check(gw.config.bounces.mailboxes[i].password,
              "bounces.mailboxes[" + std::to_string(i) + "].password");
    }
    for (const auto& provider : gw.config.providers) {
        const auto* instance = gw.providers.find(provider.nickname);
        if (instance == nullptr) {
            continue;
        }
        for (const auto& spec : instance->library().options()) {
            const auto given = provider.options.find(spec.name);
            if (spec.secret && given != provider.options.end()) {
                check(given->second,
                      "provider '" + provider.nickname + "': option '" + spec.name + "'");
            }
        }
    }
}

} // namespace

std::vector<std::string>
gateway_warnings(const gateway& gw,
                 const std::vector<outbound::delivery::sending_provider>& senders,
                 const std::string& public_url)
{
    std::vector<std::string> out;
    if (!gw.meta_codec) {
        out.push_back("no attribution.key: every message is refused (each carries a signed "
                      "attribution token) and no callback can be attributed; set attribution.key "
                      "(mailgate secret generate-key makes one)");
    }
    if (gw.admin_tokens.empty()) {
        out.push_back("no admin.token: the admin API, the sending API with it, answers 401 to "
                      "everything");
    }
    // RFC 8058 links must be https: every send through such a provider would be refused.
    for (const auto& p : senders) {
        if (p.preference_center == "system" && !public_url.starts_with("https://")) {
            out.push_back(fmt::format("provider '{}': preference_center is system but the public "
                                      "URL ({}) is not https, so its messages are refused; set "
                                      "an https server.public_url",
                                      p.instance->provider(), public_url));
        }
    }
    if (gw.config.bounces.listen && (!gw.return_path_codec || bounce_domains(gw).empty())) {
        out.push_back(fmt::format("bounces.listen is set but {}: the listener refuses every "
                                  "recipient",
                                  gw.return_path_codec ? "no bounce domain is configured"
                                                       : "no attribution.key is configured"));
    }
    plain_secrets(gw, out);
    return out;
}

} // namespace mailgate::core::cli
