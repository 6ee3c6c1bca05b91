// `mailgate-conformance DRIVER.so [--fixtures DIR] [--json]`: checks a driver the way the
// gateway will use it (README.md in this folder).

#include "core/log/log.hpp"
#include "tools/conformance/check_report.hpp"
#include "tools/conformance/descriptor_checks.hpp"
#include "tools/conformance/fixture.hpp"
#include "tools/conformance/hostile_inputs.hpp"
#include "tools/conformance/isolated_call.hpp"
#include "tools/conformance/replay.hpp"

#include <boost/program_options.hpp>

#include <iostream>

namespace po = boost::program_options;
using namespace mailgate;
using namespace mailgate::conformance;

namespace {

struct kit_options {
    std::filesystem::path driver;
    std::optional<std::filesystem::path> fixtures;
    std::chrono::milliseconds timeout{10000};
    bool json = false;
};

void check_fixtures(const std::shared_ptr<const core::plugin::driver_library>& library,
                    const fixture_set& set, const kit_options& options, check_report& report)
{
    const auto codec = test_meta_codec();
    for (const auto& f : set.cases) {
        const std::string name = "fixture:" + f.name;
        if (!f.error.empty()) {
            report.add(name, verdict::fail, "unusable fixture: " + f.error);
            continue;
        }
        const check_outcome outcome = run_isolated(
            [&] {
                return replay(library, merged(set.provider, f.provider), f.request, f.expect,
                              *codec);
            },
            options.timeout);
        report.add(name, outcome.passed ? verdict::pass : verdict::fail, outcome.detail);
    }
}

void skip_behaviour(check_report& report, const std::string& why)
{
    report.skip("fixtures", why);
    report.skip("hostile", why);
}

// Everything past the descriptor needs a driver the gateway accepts.
void check_behaviour(core::plugin::opened_driver opened, const kit_options& options,
                     check_report& report)
{
    std::shared_ptr<const core::plugin::driver_library> library;
    try {
        library = core::plugin::driver_library::accept(std::move(opened));
    } catch (const core::plugin::load_error& e) {
        report.add("load", verdict::fail, e.what());
        return skip_behaviour(report, "the gateway refuses the driver");
    }
    fixture_set set;
    if (options.fixtures) {
        try {
            set = load_fixture_set(*options.fixtures);
        } catch (const std::exception& e) {
            report.add("fixtures", verdict::fail, e.what());
            return;
        }
        if (set.cases.empty()) {
            report.add("fixtures", verdict::fail,
                       "no fixture files in " + options.fixtures->string());
        }
        check_fixtures(library, set, options, report);
    } else {
        report.skip("fixtures", "no --fixtures folder given");
    }
    if (library->descriptor().parse_callback == nullptr) {
        report.skip("hostile", "the driver takes no callbacks");
        return;
    }
    check_hostile(library, set, options.timeout, report);
}

check_report run_kit(const kit_options& options)
{
    check_report report;
    check_symbols(options.driver, report);
    core::plugin::opened_driver opened;
    try {
        opened = core::plugin::driver_library::open(options.driver);
    } catch (const core::plugin::load_error& e) {
        report.add("load", verdict::fail, e.what());
        skip_behaviour(report, "the file does not load");
        return report;
    }
    if (!check_descriptor(opened, report)) {
        skip_behaviour(report, "the gateway refuses the descriptor");
        return report;
    }
    check_behaviour(std::move(opened), options, report);
    return report;
}

int print_meta(const po::variables_map& vm)
{
    auto get = [&vm](const char* name) {
        return vm.count(name) != 0 ? vm[name].as<std::string>() : std::string();
    };
    const core::attribution::meta_fields fields{get("message"), get("campaign"), get("profile"),
                                                ""};
    std::cout << test_meta_codec()->encode(fields, get("meta")) << "\n";
    return 0;
}

int run(int argc, char** argv)
{
    po::options_description visible("options");
    visible.add_options()("help,h", "show this help")("fixtures", po::value<std::string>(),
                                                      "replay the fixtures in this folder")(
        "json", "print the report as JSON")("timeout-ms", po::value<int>()->default_value(10000),
                                            "time bound of each call into the driver")(
        "meta", po::value<std::string>(),
        "print a meta token for this recipient under the kit's test key, for a fixture")(
        "message", po::value<std::string>(),
        "--meta: the message id")("campaign", po::value<std::string>(), "--meta: the campaign id")(
        "profile", po::value<std::string>(), "--meta: the profile id");
    po::options_description all;
    all.add(visible).add_options()("driver", po::value<std::string>());
    po::positional_options_description positional;
    positional.add("driver", 1);
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("meta") != 0) {
        return print_meta(vm);
    }
    if (vm.count("help") != 0 || vm.count("driver") == 0) {
        std::cout << "usage: mailgate-conformance DRIVER.so [--fixtures DIR] [--json]\n\n"
                  << visible;
        return vm.count("help") != 0 ? 0 : 2;
    }
    kit_options options;
    // Absolute: dlopen searches the library path for a bare file name.
    options.driver = std::filesystem::absolute(vm["driver"].as<std::string>());
    if (vm.count("fixtures") != 0) {
        options.fixtures = vm["fixtures"].as<std::string>();
    }
    options.timeout = std::chrono::milliseconds(std::max(1, vm["timeout-ms"].as<int>()));
    options.json = vm.count("json") != 0;
    // The driver's own log lines, once per check, would drown the report; its errors still show.
    core::log::set_level(spdlog::level::err);

    const check_report report = run_kit(options);
    if (options.json) {
        report.print_json(std::cout, options.driver.string());
    } else {
        report.print_text(std::cout);
    }
    return report.passed() ? 0 : 1;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const po::error& e) {
        std::cerr << "mailgate-conformance: " << e.what() << "\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "mailgate-conformance: " << e.what() << "\n";
        return 2;
    }
}
