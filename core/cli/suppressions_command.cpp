// `mailgate suppressions import|export`: the suppression list in bulk, through the same reader,
// writer and store as POST /v1/suppressions/import and GET /v1/suppressions/export
// (docs/suppression-list.md), in bounded memory whatever the list's size.

#include "core/cli/command_options.hpp"

#include "core/cli/gateway_setup.hpp"
#include "core/suppression_list/list_export.hpp"
#include "core/suppression_list/list_import.hpp"
#include "core/suppression_list/list_rebuild.hpp"

#include "core/base/clock.hpp"
#include "core/base/iso_time.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>

namespace mailgate::core::cli {
namespace {

namespace sl = suppression_list;

constexpr const char* usage =
    "usage: mailgate suppressions import FILE [--format csv|jsonl] [--from-line N] [--by NAME]\n"
    "       mailgate suppressions export [FILE|-] [--format csv|jsonl] [--stream S] "
    "[--reason R]\n"
    "       mailgate suppressions rebuild [--since DATE] [--dry-run] [--by NAME]\n\n"
    "FILE - is standard input or output. The format comes from the file's extension (.csv,\n"
    ".jsonl, .ndjson) unless --format says it; export to standard output defaults to csv.\n"
    "An import prints what it took and each refused row's line; it exits 1 when a row was\n"
    "refused or the store failed (then resume with the --from-line it prints).\n"
    "rebuild replays the stored events (since DATE, YYYY-MM-DD or RFC 3339) through the\n"
    "current suppression rules and adds, changes, lifts and expires the rule-made entries to\n"
    "match; manual and imported entries are kept. --dry-run prints the changes only.\n";

// Big buffers: a million rows in 4 KiB writes is a quarter of a million system calls.
constexpr std::size_t file_buffer_bytes = 1 << 20;

std::optional<sl::list_format> format_for(const command_options& options, const std::string& file)
{
    if (options.list_format) {
        return sl::parse_list_format(*options.list_format);
    }
    if (file == "-") {
        return sl::list_format::csv;
    }
    return sl::format_of_file(file);
}

sl::stream_set configured_streams(const gateway& gw)
{
    const auto& streams = gw.config.suppression.streams;
    return {streams.begin(), streams.end()};
}

std::string default_who()
{
    const char* user = std::getenv("USER");
    return user != nullptr && *user != '\0' ? user : "cli";
}

void print_report(const sl::import_report& report)
{
    std::cout << fmt::format("taken {}, refused {}", report.taken, report.refused);
    if (report.skipped != 0) {
        std::cout << fmt::format(", skipped {} (before --from-line)", report.skipped);
    }
    std::cout << "\n";
    for (const auto& r : report.refusals) {
        std::cout << fmt::format("line {}: {}\n", r.line, r.why);
    }
    if (report.refused > report.refusals.size()) {
        std::cout << fmt::format("... and {} more refused rows not listed\n",
                                 report.refused - report.refusals.size());
    }
    if (report.failure) {
        std::cout << fmt::format("stopped: {}\nlines up to {} are applied; resume with "
                                 "--from-line {}\n",
                                 *report.failure, report.last_line_committed,
                                 report.last_line_committed + 1);
    }
}

int run_import(const command_options& options, const std::string& file)
{
    const auto format = format_for(options, file);
    if (!format) {
        std::cerr << "mailgate: say --format csv or --format jsonl (the file's name does not)\n";
        return 2;
    }
    std::ifstream stream;
    std::vector<char> buffer(file_buffer_bytes);
    stream.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (file != "-") {
        stream.open(file, std::ios::binary);
        if (!stream) {
            std::cerr << "mailgate: cannot read " << file << "\n";
            return 1;
        }
    }
    auto gw = open_gateway(options);
    sl::import_options import;
    import.format = *format;
    import.streams = configured_streams(gw);
    import.who = options.by.value_or(default_who());
    import.from_line = options.from_line.value_or(1);
    const auto report = sl::import_list(*gw.store, file == "-" ? std::cin : stream, import);
    print_report(report);
    return report.complete() ? 0 : 1;
}

int run_export(const command_options& options, const std::string& file)
{
    const auto format = format_for(options, file);
    if (!format) {
        std::cerr << "mailgate: say --format csv or --format jsonl (the file's name does not)\n";
        return 2;
    }
    auto gw = open_gateway(options);
    std::ofstream stream;
    std::vector<char> buffer(file_buffer_bytes);
    stream.rdbuf()->pubsetbuf(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (file != "-") {
        stream.open(file, std::ios::binary | std::ios::trunc);
        if (!stream) {
            std::cerr << "mailgate: cannot write " << file << "\n";
            return 1;
        }
    }
    std::ostream& out = file == "-" ? std::cout : stream;
    const auto written = sl::export_list(*gw.store, out, *format, options.stream, options.reason);
    out.flush();
    if (!out) {
        std::cerr << "mailgate: writing " << file << " failed\n";
        return 1;
    }
    std::cerr << fmt::format("exported {} entries\n", written);
    return 0;
}

std::optional<int64_t> since_of(const std::string& text)
{
    return base::parse_iso_time(text.size() == 10 ? text + "T00:00:00Z" : text);
}

void print_changes(const char* action, const std::vector<storage::suppression>& entries)
{
    for (const auto& s : entries) {
        std::cout << fmt::format(
            "{:<7} {} {} {} {} until {}\n", action, s.email, s.stream, s.reason, s.source,
            s.expires_at == 0 ? std::string("lifted") : base::format_iso_time(s.expires_at));
    }
}

int run_rebuild(const command_options& options)
{
    sl::rebuild_options rebuild;
    rebuild.now = base::unix_ms_now();
    if (options.since) {
        const auto since = since_of(*options.since);
        if (!since) {
            std::cerr << "mailgate: --since must be YYYY-MM-DD or an RFC 3339 time\n";
            return 2;
        }
        rebuild.since = *since;
    }
    auto gw = open_gateway(options);
    rebuild.suppress_unattributed = gw.config.bounces.suppress_unattributed;
    const auto plan = sl::plan_rebuild(*gw.store, gw.suppression, rebuild);
    print_changes("add", plan.add);
    print_changes("change", plan.change);
    print_changes("lift", plan.lift);
    print_changes("expire", plan.expire);
    std::cout << fmt::format("{} events replayed: add {}, change {}, lift {}, expire {}{}\n",
                             plan.events, plan.add.size(), plan.change.size(), plan.lift.size(),
                             plan.expire.size(),
                             options.dry_run ? " (dry run: nothing changed)" : "");
    if (!options.dry_run) {
        sl::apply_rebuild(*gw.store, plan, options.by.value_or(default_who()));
    }
    return 0;
}

} // namespace

int run_suppressions(const command_options& options)
{
    const auto& args = options.arguments;
    if (args.size() == 2 && args[0] == "import") {
        return run_import(options, args[1]);
    }
    if (args.size() == 1 && args[0] == "rebuild") {
        return run_rebuild(options);
    }
    if ((args.size() == 1 || args.size() == 2) && args[0] == "export") {
        return run_export(options, args.size() == 2 ? args[1] : "-");
    }
    std::cerr << usage;
    return 2;
}

} // namespace mailgate::core::cli
