#include "tests/support/smtp_command.hpp"

#include <mailgate/sdk/str.hpp>

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/algorithm/string/split.hpp>
#include <boost/algorithm/string/trim.hpp>

#include <charconv>
#include <vector>

namespace mailgate::testing {

smtp_command parse_command(std::string_view line)
{
    const auto space = line.find(' ');
    smtp_command command;
    command.verb = boost::algorithm::to_upper_copy(std::string(line.substr(0, space)));
    if (space != std::string_view::npos) {
        command.argument = line.substr(space + 1);
    }
    return command;
}

std::optional<smtp_path> parse_path(std::string_view argument, std::string_view keyword)
{
    if (!boost::algorithm::istarts_with(argument, keyword)) {
        return std::nullopt;
    }
    const auto rest = boost::algorithm::trim_left_copy(argument.substr(keyword.size()));
    const auto close = rest.find('>');
    if (!rest.starts_with('<') || close == std::string_view::npos) {
        return std::nullopt;
    }
    return smtp_path{std::string(rest.substr(1, close - 1)),
                     boost::algorithm::trim_copy(std::string(rest.substr(close + 1)))};
}

std::optional<std::size_t> declared_size(std::string_view parameters)
{
    std::vector<std::string_view> words;
    boost::algorithm::split(words, parameters, [](char c) { return c == ' '; });
    for (const auto word : words) {
        const auto equals = word.find('=');
        if (!sdk::iequals(word.substr(0, equals), "SIZE")) {
            continue;
        }
        const auto value =
            equals == std::string_view::npos ? std::string_view{} : word.substr(equals + 1);
        std::size_t size = 0;
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), size);
        if (value.empty() || error != std::errc{} || end != value.data() + value.size()) {
            return std::nullopt;
        }
        return size;
    }
    return 0;
}

} // namespace mailgate::testing
