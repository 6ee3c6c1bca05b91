// `mailgate bounces parse FILE...`: bounce mail read the way the gateway reads it, for operators
// who take bounces in their own pipes (a Postfix pipe transport, procmail, an S3 drop) and for
// anyone who wants to see why a bounce was classified as it was.

#include "core/cli/command_options.hpp"

#include "core/base/clock.hpp"
#include "core/bounces/bounce_classifier.hpp"
#include "core/cli/gateway_setup.hpp"
#include "core/intake/bounce_events.hpp"
#include "core/intake/bounce_intake.hpp"
#include "core/intake/report_json.hpp"
#include "core/workers/blocking_pool.hpp"

#include <boost/json/serialize.hpp>

#include <cstdlib>
#include <iostream>

namespace mailgate::core::cli {
namespace {

constexpr const char* usage =
    "usage: mailgate bounces parse [options] FILE...   (- for stdin)\n\n"
    "Prints one JSON object a file: the classification, the attribution and the events.\n"
    "Without --config (or MAILGATE_CONFIG) nothing is attributed: no key, no queue.\n"
    "--apply stores the events (it needs the configuration).\n";

// Without a configuration: what the classifier reads, and the events it would make, none of
// them attributed.
intake::intake_report unconfigured_report(const std::string& raw)
{
    intake::intake_report report;
    report.bounce = bounces::classify_message(raw);
    report.events = intake::bounce_events(report.bounce, report.attributed,
                                          {"cli", intake::bounce_key(raw), base::unix_ms_now()},
                                          false, events::suppression_policy());
    return report;
}

void print(const std::string& file, boost::json::object report)
{
    report.emplace("file", file);
    std::cout << boost::json::serialize(report) << "\n";
}

int parse_files(const command_options& options, const std::vector<std::string>& files)
{
    std::optional<gateway> gw;
    std::optional<workers::blocking_pool> pool;
    std::optional<intake::bounce_intake> bounces;
    if (options.config_given || options.apply) {
        gw.emplace(open_gateway(options));
        pool.emplace(workers::blocking_pool_options{1, 1, std::chrono::milliseconds(0)});
        bounces.emplace(*gw->store, *pool, intake_settings(*gw));
    }
    int status = 0;
    for (const auto& file : files) {
        try {
            const std::string raw = read_input(file);
            if (!bounces) {
                print(file, intake::report_json(unconfigured_report(raw), false));
            } else if (options.apply) {
                print(file, intake::report_json(bounces->process(raw, "", "cli"), true));
            } else {
                print(file, intake::report_json(bounces->inspect(raw, "", "cli"), false));
            }
        } catch (const std::exception& e) {
            std::cerr << "mailgate: " << file << ": " << e.what() << "\n";
            status = 1;
        }
    }
    if (gw) {
        gw->store->flush();
    }
    return status;
}

} // namespace

int run_bounces(const command_options& options)
{
    const auto& args = options.arguments;
    if (args.size() < 2 || args.front() != "parse") {
        std::cerr << usage;
        return 2;
    }
    return parse_files(options, {args.begin() + 1, args.end()});
}

} // namespace mailgate::core::cli
