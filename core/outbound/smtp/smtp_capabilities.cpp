#include "core/outbound/smtp/smtp_capabilities.hpp"

#include <mailgate/sdk/str.hpp>

#include <boost/algorithm/string/split.hpp>

#include <charconv>

namespace mailgate::core::outbound::smtp {
namespace {

std::vector<std::string> words(std::string_view text)
{
    std::vector<std::string> out;
    boost::algorithm::split(
        out, text, [](char c) { return c == ' '; }, boost::algorithm::token_compress_on);
    std::erase(out, std::string{});
    return out;
}

} // namespace

smtp_capabilities smtp_capabilities::from_ehlo(const smtp_reply& reply)
{
    smtp_capabilities caps;
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
        std::string_view line = reply.lines[i];
        // Servers from before RFC 4954 also write "AUTH=PLAIN LOGIN".
        const auto end = line.find_first_of(line.starts_with("AUTH=") ? " =" : " ");
        const auto keyword = line.substr(0, end);
        const auto params =
            end == std::string_view::npos ? std::string_view{} : line.substr(end + 1);
        if (!keyword.empty()) {
            caps.entries_.emplace_back(std::string(keyword), std::string(params));
        }
    }
    return caps;
}

bool smtp_capabilities::has(std::string_view keyword) const
{
    return parameters(keyword) != nullptr;
}

bool smtp_capabilities::offers_auth(std::string_view mechanism) const
{
    for (const auto& [keyword, params] : entries_) {
        if (sdk::iequals(keyword, "AUTH")) {
            for (const auto& offered : words(params)) {
                if (sdk::iequals(offered, mechanism)) {
                    return true;
                }
            }
        }
    }
    return false;
}

std::optional<std::size_t> smtp_capabilities::size_limit() const
{
    const auto* params = parameters("SIZE");
    std::size_t limit = 0;
    if (params == nullptr ||
        std::from_chars(params->data(), params->data() + params->size(), limit).ec != std::errc{} ||
        limit == 0) {
        return std::nullopt;
    }
    return limit;
}

const std::string* smtp_capabilities::parameters(std::string_view keyword) const
{
    for (const auto& [name, params] : entries_) {
        if (sdk::iequals(name, keyword)) {
            return &params;
        }
    }
    return nullptr;
}

} // namespace mailgate::core::outbound::smtp
