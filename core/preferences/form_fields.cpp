#include "core/preferences/form_fields.hpp"

#include <mailgate/sdk/str.hpp>

#include <boost/url/parse_query.hpp>

namespace mailgate::core::preferences {
namespace {

namespace bh = boost::beast::http;

std::optional<form_fields> parse_urlencoded(std::string_view body)
{
    auto query = boost::urls::parse_query(body);
    if (!query) {
        return std::nullopt;
    }
    boost::urls::encoding_opts opts;
    opts.space_as_plus = true;
    form_fields out;
    for (auto param : *query) {
        out.emplace_back(param.key.decode(opts), param.value.decode(opts));
    }
    return out;
}

// The value of `name="..."` (or name=token) in a header's parameters, or nothing.
std::optional<std::string> parameter(std::string_view header, std::string_view name)
{
    std::size_t at = 0;
    while ((at = header.find(';', at)) != std::string_view::npos) {
        auto rest = header.substr(at + 1);
        rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
        ++at;
        if (rest.size() <= name.size() || !sdk::iequals(rest.substr(0, name.size()), name) ||
            rest[name.size()] != '=') {
            continue;
        }
        rest.remove_prefix(name.size() + 1);
        if (rest.starts_with('"')) {
            const auto end = rest.find('"', 1);
            return end == std::string_view::npos
                       ? std::nullopt
                       : std::optional<std::string>(rest.substr(1, end - 1));
        }
        return std::string(rest.substr(0, rest.find(';')));
    }
    return std::nullopt;
}

std::optional<form_fields> parse_multipart(std::string_view body, std::string_view boundary)
{
    if (boundary.empty() || boundary.size() > 70) {
        return std::nullopt;
    }
    const std::string delimiter = "--" + std::string(boundary);
    if (!body.starts_with(delimiter)) {
        return std::nullopt;
    }
    body.remove_prefix(delimiter.size());
    const std::string next = "\r\n" + delimiter;
    form_fields out;
    while (body.starts_with("\r\n")) {
        body.remove_prefix(2);
        const auto headers_end = body.find("\r\n\r\n");
        const auto part_end = body.find(next);
        if (headers_end == std::string_view::npos || part_end == std::string_view::npos ||
            part_end < headers_end) {
            return std::nullopt;
        }
        const auto headers = body.substr(0, headers_end + 2);
        std::optional<std::string> name;
        for (std::size_t at = 0; at < headers.size();) {
            const auto eol = headers.find("\r\n", at);
            const auto line = headers.substr(at, eol - at);
            at = eol + 2;
            constexpr std::string_view field = "content-disposition:";
            if (line.size() > field.size() && sdk::iequals(line.substr(0, field.size()), field)) {
                if (parameter(line, "filename")) {
                    return std::nullopt;
                }
                name = parameter(line, "name");
            }
        }
        if (!name) {
            return std::nullopt;
        }
        out.emplace_back(*name, body.substr(headers_end + 4, part_end - headers_end - 4));
        body.remove_prefix(part_end + next.size());
    }
    // The close delimiter, then at most an epilogue of line breaks.
    if (!body.starts_with("--") ||
        body.substr(2).find_first_not_of("\r\n") != std::string_view::npos) {
        return std::nullopt;
    }
    return out;
}

} // namespace

std::optional<form_fields> parse_form(const http::request& req)
{
    const auto it = req.find(bh::field::content_type);
    if (it == req.end()) {
        return std::nullopt;
    }
    const std::string_view type(it->value().data(), it->value().size());
    std::string_view media = type.substr(0, type.find(';'));
    while (media.ends_with(' ') || media.ends_with('\t')) {
        media.remove_suffix(1);
    }
    const std::string_view body = req.body();
    if (sdk::iequals(media, "application/x-www-form-urlencoded")) {
        return parse_urlencoded(body);
    }
    if (sdk::iequals(media, "multipart/form-data")) {
        const auto boundary = parameter(type, "boundary");
        return boundary ? parse_multipart(body, *boundary) : std::nullopt;
    }
    return std::nullopt;
}

} // namespace mailgate::core::preferences
