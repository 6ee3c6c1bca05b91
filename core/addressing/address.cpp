#include "core/addressing/address.hpp"

#include "core/addressing/rfc5322.hpp"
#include "core/encoding/ascii.hpp"
#include "core/encoding/utf8.hpp"

#include <mailgate/sdk/str.hpp>

#include <arpa/inet.h>
#include <idn2.h>
#include <netinet/in.h>
#include <unicase.h>
#include <uninorm.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>

namespace mailgate::core::addressing {
namespace {

constexpr std::size_t max_local = 64;
constexpr std::size_t max_domain = 255;
constexpr std::size_t max_path = 254;
constexpr std::size_t max_label = 63;
// Far past every limit: refused before the UTF-8 and IDNA work it would cost.
constexpr std::size_t max_input = 1024;

[[noreturn]] void fail(const std::string& reason)
{
    throw address_error(reason);
}

std::string quoted(std::string_view text)
{
    return "'" + std::string(text) + "'";
}

std::string_view trim(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// Also what makes the texts quoted in later reasons safe to show.
void check_characters(std::string_view text)
{
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            fail("the address contains a control character");
        }
    }
    if (!encoding::is_valid_utf8(text)) {
        fail("the address is not valid UTF-8");
    }
}

// RFC 6531 atext: RFC 5322's, and any UTF-8 octet.
bool is_local_atext(char c)
{
    return static_cast<unsigned char>(c) >= 0x80 || rfc5322::is_atext(c);
}

bool is_dot_atom(std::string_view local)
{
    return !local.empty() && local.front() != '.' && local.back() != '.' &&
           local.find("..") == std::string_view::npos &&
           std::all_of(local.begin(), local.end(),
                       [](char c) { return c == '.' || is_local_atext(c); });
}

void check_dot_atom(std::string_view local)
{
    if (local.front() == '.' || local.back() == '.') {
        fail("the local part " + quoted(local) + " starts or ends with '.'");
    }
    if (local.find("..") != std::string_view::npos) {
        fail("the local part " + quoted(local) + " has '..'");
    }
    for (const char c : local) {
        if (c != '.' && !is_local_atext(c)) {
            fail("the local part " + quoted(local) + " has " + quoted({&c, 1}) +
                 ", allowed only in a quoted local part (\"...\")");
        }
    }
}

// RFC 5321 Quoted-string: qtextSMTP and quoted-pairSMTP (control characters are refused before),
// with UTF-8 (RFC 6531).
void check_quoted_string(std::string_view local)
{
    bool escaped = false;
    bool closed = false;
    for (std::size_t i = 1; i < local.size(); ++i) {
        if (closed) {
            fail("the local part " + quoted(local) + " has text after its closing '\"'");
        }
        if (escaped) {
            if (static_cast<unsigned char>(local[i]) >= 0x80) {
                fail("the local part " + quoted(local) + " escapes a non-ASCII character");
            }
            escaped = false;
        } else if (local[i] == '\\') {
            escaped = true;
        } else if (local[i] == '"') {
            closed = true;
        }
    }
    if (!closed) {
        fail("the local part " + quoted(local) + " has no closing '\"'");
    }
    if (local.size() == 2) {
        fail("the local part is empty");
    }
}

void check_local_part(std::string_view local)
{
    if (local.empty()) {
        fail("the local part is empty");
    }
    if (local.size() > max_local) {
        fail("the local part is " + std::to_string(local.size()) + " octets; at most " +
             std::to_string(max_local));
    }
    if (local.front() == '"') {
        check_quoted_string(local);
    } else {
        check_dot_atom(local);
    }
}

// The address as inet_ntop writes it: one text for each address ("2001:DB8:0::1" and
// "2001:db8::1" are one), so the literal can be part of the canonical form.
std::optional<std::string> ip_text(int family, const std::string& text)
{
    unsigned char bytes[sizeof(in6_addr)];
    char out[INET6_ADDRSTRLEN];
    if (inet_pton(family, text.c_str(), bytes) != 1 ||
        inet_ntop(family, bytes, out, sizeof out) == nullptr) {
        return std::nullopt;
    }
    return std::string(out);
}

std::string parse_address_literal(std::string_view literal)
{
    if (literal.back() != ']') {
        fail("the address literal " + quoted(literal) + " has no closing ']'");
    }
    const std::string inner(literal.substr(1, literal.size() - 2));
    constexpr std::string_view v6_tag = "IPv6:";
    if (sdk::iequals(inner.substr(0, v6_tag.size()), v6_tag)) {
        auto ip = ip_text(AF_INET6, inner.substr(v6_tag.size()));
        if (!ip) {
            fail("the address literal " + quoted(literal) + " does not hold an IPv6 address");
        }
        return "[IPv6:" + *ip + "]";
    }
    auto ip = ip_text(AF_INET, inner);
    if (!ip) {
        fail("the address literal " + quoted(literal) +
             " is neither [an IPv4 address] nor [IPv6:an IPv6 address]");
    }
    return "[" + *ip + "]";
}

bool has_a_label(std::string_view domain)
{
    const std::string lowered = encoding::ascii_lower(domain);
    return lowered.starts_with("xn--") || lowered.find(".xn--") != std::string::npos;
}

// libidn2 also checks that A-labels given as such decode.
std::string to_a_labels(std::string_view domain)
{
    const std::string input(domain);
    char* output = nullptr;
    const int rc = idn2_to_ascii_8z(input.c_str(), &output, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    const std::unique_ptr<char, decltype(&idn2_free)> owned(output, &idn2_free);
    if (rc != IDN2_OK) {
        fail("the domain " + quoted(domain) + " is not a valid internationalised domain name (" +
             idn2_strerror(rc) + ")");
    }
    return encoding::ascii_lower(owned.get());
}

void check_label(std::string_view label, std::string_view domain)
{
    if (label.empty()) {
        fail("the domain " + quoted(domain) + " has an empty label");
    }
    if (label.size() > max_label) {
        fail("the domain label " + quoted(label) + " is " + std::to_string(label.size()) +
             " octets; at most " + std::to_string(max_label));
    }
    if (label.front() == '-' || label.back() == '-') {
        fail("the domain label " + quoted(label) + " starts or ends with '-'");
    }
    for (const char c : label) {
        if (!rfc5322::is_alnum(c) && c != '-') {
            fail("the domain label " + quoted(label) + " has " + quoted({&c, 1}) +
                 "; a label has only letters, digits and '-'");
        }
    }
}

void check_ldh_domain(std::string_view domain)
{
    if (domain.size() > max_domain) {
        fail("the domain is " + std::to_string(domain.size()) + " octets; at most " +
             std::to_string(max_domain));
    }
    std::size_t labels = 1;
    std::string_view label = domain;
    for (auto dot = label.find('.'); dot != std::string_view::npos; dot = label.find('.')) {
        check_label(label.substr(0, dot), domain);
        label.remove_prefix(dot + 1);
        ++labels;
    }
    check_label(label, domain);
    if (labels < 2) {
        fail("the domain " + quoted(domain) + " has one label; an address needs at least two");
    }
    if (std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        fail("the domain " + quoted(domain) +
             " ends in an all-digit label; an IP address is written [192.0.2.1]");
    }
}

std::string parse_domain(std::string_view domain)
{
    if (domain.empty()) {
        fail("the domain is empty");
    }
    if (domain.front() == '[') {
        return parse_address_literal(domain);
    }
    std::string ascii = encoding::is_ascii(domain) && !has_a_label(domain)
                            ? encoding::ascii_lower(domain)
                            : to_a_labels(domain);
    check_ldh_domain(ascii);
    return ascii;
}

// The content of a quoted local part, its quoted-pairs undone (parse_address checked its form).
std::string quoted_content(std::string_view local)
{
    std::string out;
    for (std::size_t i = 1; i + 1 < local.size(); ++i) {
        if (local[i] == '\\') {
            ++i;
        }
        out += local[i];
    }
    return out;
}

std::string case_folded(std::string_view text)
{
    if (encoding::is_ascii(text)) {
        return encoding::ascii_lower(text);
    }
    std::size_t length = 0;
    uint8_t* folded = u8_casefold(reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                                  nullptr, UNINORM_NFC, nullptr, &length);
    // The text is valid UTF-8 (parse_address checked): only memory can run out.
    if (folded == nullptr) {
        throw std::bad_alloc();
    }
    const std::unique_ptr<uint8_t, decltype(&std::free)> owned(folded, &std::free);
    return {reinterpret_cast<const char*>(folded), length};
}

} // namespace

std::string address::str() const
{
    return local + "@" + domain;
}

bool address::needs_smtputf8() const
{
    return !encoding::is_ascii(local);
}

address parse_address(std::string_view text)
{
    text = trim(text);
    if (text.empty()) {
        fail("the address is empty");
    }
    if (text.size() > max_input) {
        fail("the address is " + std::to_string(text.size()) + " octets; at most " +
             std::to_string(max_path));
    }
    check_characters(text);
    const auto at = text.rfind('@');
    if (at == std::string_view::npos) {
        fail("the address " + quoted(text) + " has no '@'");
    }
    check_local_part(text.substr(0, at));
    address result{std::string(text.substr(0, at)), parse_domain(text.substr(at + 1))};
    if (result.str().size() > max_path) {
        fail("the address is " + std::to_string(result.str().size()) + " octets; at most " +
             std::to_string(max_path));
    }
    return result;
}

std::string canonical_email(const address& addr)
{
    const bool is_quoted = addr.local.front() == '"';
    const std::string local = case_folded(is_quoted ? quoted_content(addr.local) : addr.local);
    return (is_dot_atom(local) ? local : rfc5322::quoted_string(local)) + "@" + addr.domain;
}

std::optional<std::string> canonical_email(std::string_view text)
{
    try {
        return canonical_email(parse_address(text));
    } catch (const address_error&) {
        return std::nullopt;
    }
}

} // namespace mailgate::core::addressing
