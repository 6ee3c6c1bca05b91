#pragma once

/// Builders for a driver's option table (`mg_option`), and the standard SMTP option set every
/// driver that sends mail shares, so operators meet the same names on every provider.

#include <mailgate/sdk/abi.h>

#include <array>
#include <cstddef>

namespace mailgate::sdk {

/// One option. `default_value` is text in the option's type, or nullptr for none.
/// All strings must be STATIC (string literals): the table lives as long as the library.
constexpr mg_option option(int32_t type, const char* name, const char* description,
                           const char* default_value = nullptr, uint32_t flags = 0)
{
    mg_option o{};
    o.struct_size = sizeof(mg_option);
    o.type = type;
    o.flags = flags;
    o.name = name;
    o.default_value = default_value;
    o.description = description;
    return o;
}

/// Concatenates option tables, e.g. `join_options(smtp_options, my_own_options)`.
template <std::size_t N, std::size_t M>
constexpr std::array<mg_option, N + M> join_options(const std::array<mg_option, N>& a,
                                                    const std::array<mg_option, M>& b)
{
    std::array<mg_option, N + M> out{};
    for (std::size_t i = 0; i < N; ++i) {
        out[i] = a[i];
    }
    for (std::size_t i = 0; i < M; ++i) {
        out[N + i] = b[i];
    }
    return out;
}

/// The SMTP settings an operator knows from an ESP's set-up page. Drivers with MG_CAP_SMTP
/// start their table with these (and may override defaults by defining their own table).
inline constexpr std::array<mg_option, 10> smtp_options{
    option(MG_OPTION_STRING, "host", "SMTP server host name or IP address", nullptr,
           MG_OPTION_REQUIRED),
    option(MG_OPTION_INT, "port", "SMTP server port", "587"),
    option(MG_OPTION_STRING, "scheme", "smtp (plain), starttls (required) or smtps (implicit TLS)",
           "starttls"),
    option(MG_OPTION_STRING, "username", "SMTP user name", ""),
    option(MG_OPTION_STRING, "password", "SMTP password or API key", "", MG_OPTION_SECRET),
    option(MG_OPTION_STRING, "from_name", "default From display name", ""),
    option(MG_OPTION_STRING, "from_address", "default From address", ""),
    option(MG_OPTION_STRING, "reply_address", "Reply-To address", ""),
    option(MG_OPTION_STRING, "preference_center", "none, system, or a custom https URL", "none"),
    option(MG_OPTION_STRING, "bounce_domain",
           "domain whose MX is the gateway's bounce listener: messages get a signed return path "
           "there",
           ""),
};

} // namespace mailgate::sdk
