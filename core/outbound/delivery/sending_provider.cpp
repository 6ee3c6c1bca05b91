#include "core/outbound/delivery/sending_provider.hpp"

#include "core/addressing/address.hpp"
#include "core/config/config_error.hpp"

#include <unistd.h>

#include <array>
#include <climits>

namespace mailgate::core::outbound::delivery {
namespace {

std::string option(const plugin::driver_instance& p, const std::string& name,
                   std::string fallback = "")
{
    auto it = p.options().find(name);
    return it == p.options().end() ? fallback : it->second;
}

smtp::smtp_scheme scheme_of(const std::string& text)
{
    return text == "smtps"  ? smtp::smtp_scheme::smtps
           : text == "smtp" ? smtp::smtp_scheme::smtp
                            : smtp::smtp_scheme::starttls;
}

smtp::smtp_client_settings smtp_settings(const plugin::driver_instance& p,
                                         const config::outbound_config& outbound)
{
    smtp::smtp_client_settings s;
    s.host = option(p, "host");
    // The driver validated the port (1..65535) when it was created.
    s.port = static_cast<uint16_t>(std::stoi(option(p, "port", "587")));
    s.scheme = scheme_of(option(p, "scheme", "starttls"));
    s.username = option(p, "username");
    s.password = option(p, "password");
    s.verify_tls = option(p, "verify_tls", "true") == "true";
    s.ca_file = outbound.ca_file.string();
    s.helo_name = outbound.helo_name.empty() ? local_host_name() : outbound.helo_name;
    s.timeouts.connect = outbound.connect_timeout;
    s.timeouts.greeting = outbound.greeting_timeout;
    s.timeouts.command = outbound.command_timeout;
    s.timeouts.data_init = outbound.data_init_timeout;
    s.timeouts.data_block = outbound.data_block_timeout;
    s.timeouts.data_end = outbound.data_end_timeout;
    s.max_connections = outbound.max_connections;
    s.max_messages_per_connection = outbound.max_messages_per_connection;
    return s;
}

// The defaults every message may fall back on are checked once, at start-up, so a typo in
// the file stops the gateway instead of failing each message.
void check_addresses(const sending_provider& p, std::vector<std::string>& problems)
{
    for (const auto& [name, value] : {std::pair{"from_address", &p.from_address},
                                      std::pair{"reply_address", &p.reply_address}}) {
        if (value->empty()) {
            continue;
        }
        try {
            addressing::parse_address(*value);
        } catch (const addressing::address_error& e) {
            problems.push_back("provider '" + p.instance->provider() + "': option '" + name +
                               "': " + e.what());
        }
    }
}

} // namespace

std::vector<sending_provider> sending_providers(const plugin::provider_set& providers,
                                                const config::outbound_config& outbound)
{
    std::vector<sending_provider> out;
    std::vector<std::string> problems;
    for (const auto& p : providers.providers()) {
        if ((p->library().descriptor().capabilities & MG_CAP_SMTP) == 0) {
            continue;
        }
        out.push_back({p.get(), smtp_settings(*p, outbound), option(*p, "from_name"),
                       option(*p, "from_address"), option(*p, "reply_address"),
                       option(*p, "preference_center", "none"), option(*p, "bounce_domain")});
        check_addresses(out.back(), problems);
    }
    if (!problems.empty()) {
        throw config::config_error(std::move(problems));
    }
    return out;
}

std::string local_host_name()
{
    std::array<char, HOST_NAME_MAX + 1> name{};
    if (gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') {
        return "localhost";
    }
    return name.data();
}

} // namespace mailgate::core::outbound::delivery
