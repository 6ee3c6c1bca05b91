#include "core/cli/gateway_setup.hpp"

#include "core/base/clock.hpp"
#include "core/config/config_error.hpp"
#include "core/config/secret_resolver.hpp"
#include "core/encoding/ascii.hpp"
#include "core/storage/postgres_store.hpp"
#include "core/storage/sqlite_store.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace mailgate::core::cli {
namespace {

std::optional<config::secret_key> attribution_key_of(const config::gateway_config& config,
                                                     const config::secret_resolver& secrets)
{
    if (config.attribution_key.text.empty()) {
        return std::nullopt;
    }
    const std::string text = secrets.resolve(config.attribution_key, "attribution.key");
    try {
        // The same 32-byte base64 form as the secrets key, so one generator serves both.
        return config::secret_key::from_text(text);
    } catch (const std::runtime_error& e) {
        throw config::config_error(
            {config.attribution_key.where + ": attribution.key: " + std::string(e.what())});
    }
}

std::unique_ptr<storage::store> open_store(const config::gateway_config& config,
                                           const config::secret_resolver& secrets,
                                           metrics::histogram& commit_latency)
{
    if (config.storage.backend == "postgres") {
        storage::postgres_options options;
        options.url = secrets.resolve(config.storage.url, "storage.url");
        options.pool_size = config.storage.pool_size;
        options.commit_latency = &commit_latency;
        return storage::open_postgres_store(options);
    }
    storage::sqlite_options options;
    options.path = config.storage.path;
    options.commit_latency = &commit_latency;
    return storage::open_sqlite_store(options);
}

// The queue's series at scrape time: each (provider, state)'s messages, or its oldest's age.
std::vector<std::pair<metrics::labels, double>> queue_series(storage::store& store, bool age)
{
    const auto now = base::unix_ms_now();
    std::vector<std::pair<metrics::labels, double>> out;
    for (const auto& r : store.queue_summary()) {
        out.push_back({{{"provider", r.provider}, {"state", r.state}},
                       age ? static_cast<double>(now - r.oldest_created_at) / 1000.0
                           : static_cast<double>(r.messages)});
    }
    return out;
}

} // namespace

intake::intake_settings intake_settings(const gateway& gw)
{
    return {{gw.meta_codec.get(), gw.return_path_codec.get(), bounce_domains(gw)},
            gw.config.bounces.suppress_unattributed,
            gw.suppression};
}

gateway open_gateway(const command_options& options, bool with_store)
{
    auto config = config::load_config(options.config_file);
    events::suppression_policy suppression(config.suppression);
    if (options.plugins_directory) {
        config.plugins_directory = *options.plugins_directory;
    }
    const config::secret_resolver secrets(config);
    auto registry = plugin::driver_registry::scan(config.plugins_directory);
    auto providers = plugin::provider_set::create(config, registry, secrets);
    std::vector<service::admin_token> admin_tokens;
    for (const auto& t : config.admin_tokens) {
        const auto field = t.name == "admin" ? "admin.token" : "admin.tokens." + t.name;
        admin_tokens.push_back({t.name, secrets.resolve(t.token, field)});
    }
    const auto key = attribution_key_of(config, secrets);
    std::vector<std::string> mailbox_passwords;
    for (std::size_t i = 0; i < config.bounces.mailboxes.size(); ++i) {
        mailbox_passwords.push_back(
            secrets.resolve(config.bounces.mailboxes[i].password,
                            "bounces.mailboxes[" + std::to_string(i) + "].password"));
    }

    gateway gw{std::move(config),
               std::move(suppression),
               std::move(registry),
               std::move(providers),
               std::move(admin_tokens),
               std::move(mailbox_passwords),
               key ? std::make_unique<attribution::meta_codec>(key->bytes()) : nullptr,
               key ? std::make_unique<attribution::unsubscribe_codec>(key->bytes()) : nullptr,
               key ? std::make_unique<attribution::return_path_codec>(key->bytes()) : nullptr,
               std::make_unique<metrics::registry>(),
               nullptr};
    if (with_store) {
        gw.store = open_store(
            gw.config, secrets,
            gw.metrics->get_histogram(
                "mailgate_storage_commit_seconds", "Time to commit one group of callback batches",
                {0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5}));
        gw.metrics->add_gauge("mailgate_storage_queue_depth",
                              "Callback batches waiting for their commit",
                              [s = gw.store.get()] { return static_cast<double>(s->pending()); });
        gw.metrics->add_gauge(
            "mailgate_outbound_queue_depth", "Messages not yet sent or failed",
            [s = gw.store.get()] { return static_cast<double>(s->queued_count()); });
        gw.metrics->add_gauges("mailgate_outbound_queue_messages",
                               "Messages not yet sent or failed, by provider and state",
                               [s = gw.store.get()] { return queue_series(*s, false); });
        gw.metrics->add_gauges("mailgate_outbound_queue_oldest_seconds",
                               "Age of the oldest message not yet sent or failed, by provider and "
                               "state (deferred: the oldest deferred message)",
                               [s = gw.store.get()] { return queue_series(*s, true); });
    }
    return gw;
}

std::string read_input(const std::string& file)
{
    if (file == "-") {
        return std::string(std::istreambuf_iterator<char>(std::cin), {});
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + file);
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::vector<std::string> bounce_domains(const gateway& gw)
{
    std::vector<std::string> out;
    const auto add = [&out](const std::string& domain) {
        const std::string lower = encoding::ascii_lower(domain);
        if (!lower.empty() && std::find(out.begin(), out.end(), lower) == out.end()) {
            out.push_back(lower);
        }
    };
    for (const auto& d : gw.config.bounces.domains) {
        add(d);
    }
    for (const auto& p : gw.providers.providers()) {
        if (auto it = p->options().find("bounce_domain"); it != p->options().end()) {
            add(it->second);
        }
    }
    return out;
}

} // namespace mailgate::core::cli
