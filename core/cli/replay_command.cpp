#include "core/cli/command_options.hpp"

#include "core/base/clock.hpp"
#include "core/callbacks/callback_endpoint.hpp"
#include "core/cli/gateway_setup.hpp"
#include "core/events/router.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <future>
#include <iostream>

namespace mailgate::core::cli {
namespace {

void print_event(const events::routed_event& r)
{
    boost::json::array system_events;
    for (const auto& se : r.system_events) {
        system_events.push_back(boost::json::object{
            {"name", se.name}, {"property", se.property}, {"reason", se.reason}});
    }
    const char* suppression = r.suppression == events::suppression_change::suppress ? "suppress"
                              : r.suppression == events::suppression_change::lift   ? "lift"
                              : r.suppression == events::suppression_change::count  ? "count"
                                                                                    : "none";
    std::cout << boost::json::serialize(boost::json::object{
                     {"kind", events::to_string(r.ev.kind)},
                     {"email", r.ev.email},
                     {"occurred_at_ms", r.ev.occurred_at_ms},
                     {"description", r.ev.description},
                     {"event_key", r.ev.event_key},
                     {"message_id", r.ev.attributed.message_id},
                     {"campaign_id", r.ev.attributed.campaign_id},
                     {"system_events", std::move(system_events)},
                     {"suppression", suppression},
                     {"rule", r.rule},
                 })
              << "\n";
}

} // namespace

int run_replay(const command_options& options)
{
    if (!options.provider || !options.input_file) {
        std::cerr << "usage: mailgate replay --provider NICKNAME FILE [--apply]\n";
        return 2;
    }
    const std::string body = read_input(options.input_file->string());
    gateway gw = open_gateway(options, options.apply);
    const auto* provider = gw.providers.find(*options.provider);
    if (provider == nullptr) {
        std::cerr << "mailgate: no provider '" << *options.provider << "' in the configuration\n";
        return 1;
    }
    const std::string base =
        gw.config.server.public_url.empty()
            ? config::default_public_url(gw.config.server, gw.config.server.port)
            : gw.config.server.public_url;
    const std::string url = base + "/v1/callbacks/" + *options.provider;
    const std::string target = "/v1/callbacks/" + *options.provider;
    auto result = provider->parse_callback(
        plugin::raw_callback{gw.meta_codec.get(), "POST", url, target, {}, body});
    if (result.status != MG_OK) {
        std::cerr << fmt::format("refused (status {}): {}\n", result.status, result.error);
        return 1;
    }
    auto batch = events::route_callback(result, provider->provider(), provider->library().label(),
                                        base::unix_ms_now(), gw.meta_codec.get(), gw.suppression);
    for (const auto& r : batch) {
        print_event(r);
    }
    for (const auto& item : result.rejected) {
        std::cout << fmt::format("unprocessed: {} ({})\n", item.item_json, item.reason);
    }
    std::cout << fmt::format("{} event(s), {} unprocessed item(s)\n", batch.size(),
                             result.rejected.size());
    if (!options.apply) {
        std::cout << "dry run: nothing stored (use --apply to store)\n";
        return 0;
    }
    std::promise<std::pair<std::error_code, storage::commit_result>> done;
    gw.store->apply(std::move(batch), [&done](std::error_code ec, storage::commit_result r) {
        done.set_value({ec, r});
    });
    auto [ec, committed] = done.get_future().get();
    if (ec) {
        std::cerr << "mailgate: storage failure: " << ec.message() << "\n";
        return 1;
    }
    std::cout << fmt::format("stored {}, duplicates {}\n", committed.stored, committed.duplicates);
    return 0;
}

} // namespace mailgate::core::cli
