#include "core/config/gateway_config.hpp"

#include "core/base/closest_word.hpp"
#include "core/config/config_error.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <string_view>

#ifndef MAILGATE_DEFAULT_PLUGIN_DIR
#define MAILGATE_DEFAULT_PLUGIN_DIR "/usr/local/lib/mailgate/plugins"
#endif
#ifndef MAILGATE_PLUGIN_DIR_FROM_BIN
#define MAILGATE_PLUGIN_DIR_FROM_BIN "../lib/mailgate/plugins"
#endif
#ifndef MAILGATE_BUILD_PLUGIN_DIR_FROM_BIN
#define MAILGATE_BUILD_PLUGIN_DIR_FROM_BIN "../lib/mailgate/plugins"
#endif

namespace mailgate::core::config {
namespace {

// yaml-cpp's messages name its parser's states; what the operator did is said instead, with
// theirs kept for a search.
std::string plain_yaml_error(const std::string& message)
{
    static const std::pair<std::string_view, std::string_view> plain[] = {
        {"illegal map value", "a 'key: value' is not allowed here: check this line's indentation "
                              "against the lines above, or quote a value that holds ': '"},
        {"end of map not found", "this line's indentation matches none of the lines above: "
                                 "indent it as its siblings are"},
        {"end of map flow not found", "a { ... } mapping is not closed"},
        {"end of sequence not found", "this line's indentation matches none of the lines above: "
                                      "indent it as its siblings are"},
        {"end of sequence flow not found", "a [ ... ] list is not closed"},
        {"illegal tab when looking for indentation", "a tab in the indentation: YAML indents "
                                                     "with spaces only"},
        {"end of string not found", "a quoted value is not closed"},
        {"unknown escape character", "an unknown \\ escape in a double-quoted value: use single "
                                     "quotes, or write \\\\"},
        {"block sequence entries are not allowed in this context",
         "a '- item' is not allowed here: check its indentation"},
    };
    for (const auto& [theirs, ours] : plain) {
        if (message.starts_with(theirs)) {
            return std::string(ours) + " (YAML: " + message + ")";
        }
    }
    return "YAML syntax: " + message;
}

template <class T, T min, T max>
std::optional<T> parse_count(const std::string& text)
{
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

// "8388608", "512KiB", "8MiB", "1GiB" (also KB/MB/GB, as powers of 1024 too: operators mean
// the same thing by both).
std::optional<std::size_t> parse_size(const std::string& text)
{
    static const std::regex pattern("([0-9]{1,12})\\s*(B|KiB|MiB|GiB|KB|MB|GB)?");
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) {
        return std::nullopt;
    }
    std::size_t value = std::stoull(m[1]);
    const std::string unit = m[2];
    const std::size_t scale = unit.empty() || unit == "B" ? 1
                              : unit[0] == 'K'            ? 1024
                              : unit[0] == 'M'            ? 1024 * 1024
                                                          : 1024 * 1024 * 1024;
    return value == 0 ? std::nullopt : std::optional<std::size_t>(value * scale);
}

// Beast holds a header field of less than 64 KiB and throws beyond: a larger header_limit
// would promise headers the parser cannot hold.
constexpr std::size_t max_header_limit = 64 * 1024;

std::optional<std::size_t> parse_header_limit(const std::string& text)
{
    const auto size = parse_size(text);
    return size && *size <= max_header_limit ? size : std::nullopt;
}

// "250ms", "10s", "2m", "1h", "3d".
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text)
{
    static const std::regex pattern("([0-9]{1,9})\\s*(ms|s|m|h|d)");
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) {
        return std::nullopt;
    }
    const long long value = std::stoll(m[1]);
    const long long scale = m[2] == "ms"  ? 1
                            : m[2] == "s" ? 1000
                            : m[2] == "m" ? 60'000
                            : m[2] == "h" ? 3'600'000
                                          : 86'400'000;
    return value == 0 ? std::nullopt : std::optional(std::chrono::milliseconds(value * scale));
}

// "127.0.0.1:8025", "[::1]:8025", "localhost:0" (0: any free port).
std::optional<bool> parse_bool(const std::string& text)
{
    if (text == "true") {
        return true;
    }
    if (text == "false") {
        return false;
    }
    return std::nullopt;
}

std::optional<imap_security> parse_imap_security(const std::string& text)
{
    if (text == "tls") {
        return imap_security::tls;
    }
    if (text == "starttls") {
        return imap_security::starttls;
    }
    if (text == "none") {
        return imap_security::none;
    }
    return std::nullopt;
}

bool parse_listen(const std::string& text, std::string& address, uint16_t& port)
{
    static const std::regex pattern("(\\[[0-9A-Fa-f:.]+\\]|[^:\\[\\]]+):([0-9]{1,5})");
    std::smatch m;
    if (!std::regex_match(text, m, pattern)) {
        return false;
    }
    auto p = parse_count<unsigned, 0, 65535>(m[2]);
    if (!p) {
        return false;
    }
    address = m[1];
    if (address.front() == '[') {
        address = address.substr(1, address.size() - 2);
    }
    port = static_cast<uint16_t>(*p);
    return true;
}

class reader {
public:
    explicit reader(std::filesystem::path file) : file_(std::move(file)) {}

    gateway_config read(const YAML::Node& root)
    {
        gateway_config config;
        config.file = file_;
        config.plugins_directory = default_plugins_directory();
        if (!root.IsMap()) {
            problem(root, "", "the file must be a map of sections (plugins, providers)");
            return config;
        }
        config.storage.path = relative_to_file("../var/mailgate.db");
        for (const auto& entry : root) {
            const auto name = key_of(entry.first, "");
            if (!name) {
                continue;
            }
            const std::string& key = *name;
            if (key == "plugins") {
                read_plugins(entry.second, config);
            } else if (key == "providers") {
                read_providers(entry.second, config);
            } else if (key == "server") {
                read_server(entry.second, config.server);
            } else if (key == "storage") {
                read_storage(entry.second, config.storage);
            } else if (key == "outbound") {
                read_outbound(entry.second, config.outbound);
            } else if (key == "admin") {
                read_admin(entry.second, config.admin_tokens);
            } else if (key == "attribution") {
                read_section(entry.second, "attribution",
                             {{"key", [&](const YAML::Node& n, const std::string& f) {
                                   config.attribution_key = located(n, f);
                               }}});
            } else if (key == "bounces") {
                read_bounces(entry.second, config.bounces);
            } else if (key == "suppression") {
                read_suppression(entry.second, config.suppression);
            } else if (key == "secrets") {
                read_section(entry.second, "secrets",
                             {{"key", [&](const YAML::Node& n, const std::string& f) {
                                   config.secrets_key = located(n, f);
                               }}});
            } else {
                problem(entry.first, key,
                        "unknown section" +
                            base::did_you_mean(key, {"server", "storage", "outbound", "admin",
                                                     "secrets", "attribution", "bounces",
                                                     "suppression", "plugins", "providers"}) +
                            " (known: server, storage, outbound, admin, secrets, attribution, "
                            "bounces, suppression, plugins, providers)");
            }
        }
        return config;
    }

    std::string where(const YAML::Node& node) const
    {
        // A node without a position (the null of an empty file) is at the file's start.
        const YAML::Mark mark = node.Mark().is_null() ? YAML::Mark() : node.Mark();
        return file_.string() + ":" + std::to_string(mark.line + 1) + ":" +
               std::to_string(mark.column + 1);
    }

    void problem(const YAML::Node& node, const std::string& field, const std::string& message)
    {
        problems_.push_back(where(node) + ": " + (field.empty() ? "" : field + ": ") + message);
    }

    const std::vector<std::string>& problems() const { return problems_; }

private:
    // A map's key as text. YAML allows a list or a map as a key ("? [a, b]", "{[a]: b}"), which
    // names no field: a problem, and the entry is skipped.
    std::optional<std::string> key_of(const YAML::Node& key, const std::string& section)
    {
        if (key.IsMap() || key.IsSequence()) {
            problem(key, section, "a key must be a single value");
            return std::nullopt;
        }
        return key.as<std::string>();
    }

    using field_reader = std::function<void(const YAML::Node&, const std::string&)>;

    // Reads a map section whose every key must be one of `fields`.
    void read_section(const YAML::Node& node, const std::string& section,
                      const std::map<std::string, field_reader>& fields)
    {
        if (!node.IsMap()) {
            problem(node, section, "must be a map");
            return;
        }
        for (const auto& entry : node) {
            const auto name = key_of(entry.first, section);
            if (!name) {
                continue;
            }
            const std::string& key = *name;
            const std::string field = section + "." + key;
            auto reader = fields.find(key);
            if (reader == fields.end()) {
                std::string known;
                std::vector<std::string> names;
                for (const auto& [name, unused] : fields) {
                    known += (known.empty() ? "" : ", ") + name;
                    names.push_back(name);
                }
                problem(entry.first, field,
                        "unknown field" + base::did_you_mean(key, names) + " (known: " + known +
                            ")");
            } else if (scalar(entry.second, field)) {
                reader->second(entry.second, field);
            }
        }
    }

    located_value located(const YAML::Node& node, const std::string&)
    {
        return located_value{node.as<std::string>(), true, where(node)};
    }

    template <class T, class Parse>
    void typed(const YAML::Node& node, const std::string& field, T& out, Parse parse,
               const char* expected)
    {
        if (auto value = parse(node.as<std::string>())) {
            out = *value;
        } else {
            problem(node, field,
                    std::string("must be ") + expected + ", got '" + node.as<std::string>() + "'");
        }
    }

    void read_server(const YAML::Node& node, server_config& server)
    {
        read_section(
            node, "server",
            {{"listen",
              [&](const YAML::Node& n, const std::string& f) {
                  if (!parse_listen(n.as<std::string>(), server.address, server.port)) {
                      problem(n, f, "must be host:port, e.g. 127.0.0.1:8025 or [::1]:8025");
                  }
              }},
             {"public_url",
              [&](const YAML::Node& n, const std::string& f) {
                  server.public_url = n.as<std::string>();
                  if (server.public_url.rfind("http://", 0) != 0 &&
                      server.public_url.rfind("https://", 0) != 0) {
                      problem(n, f, "must start with http:// or https://");
                  }
              }},
             {"threads",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, server.threads, parse_count<unsigned, 1, 256>, "1 to 256");
              }},
             {"body_limit",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, server.body_limit, parse_size, "a size like 8MiB");
              }},
             {"header_limit",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, server.header_limit, parse_header_limit,
                        "a size like 16KiB, at most 64KiB");
              }},
             {"read_timeout",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, server.read_timeout, parse_duration, "a duration like 10s");
              }},
             {"idle_timeout",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, server.idle_timeout, parse_duration, "a duration like 30s");
              }},
             {"max_connections",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, server.max_connections, parse_count<std::size_t, 1, 1000000>,
                        "1 to 1000000");
              }},
             {"workers",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, server.workers, parse_count<std::size_t, 1, 1024>, "1 to 1024");
              }},
             {"worker_queue",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, server.worker_queue, parse_count<std::size_t, 1, 1000000>,
                        "1 to 1000000");
              }},
             {"handler_timeout",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, server.handler_timeout, parse_duration, "a duration like 10s");
                  // A request waits this long on an open connection: no ESP waits hours.
                  if (server.handler_timeout > std::chrono::hours(1)) {
                      problem(n, f, "must be at most 1h");
                  }
              }},
             {"tls_certificate",
              [&](const YAML::Node& n, const std::string&) {
                  tls_of(server).certificate = relative_to_file(n.as<std::string>());
              }},
             {"tls_private_key", [&](const YAML::Node& n, const std::string&) {
                  tls_of(server).private_key = relative_to_file(n.as<std::string>());
              }}});
        if (server.tls && (server.tls->certificate.empty() || server.tls->private_key.empty())) {
            problem(node, "server", "tls_certificate and tls_private_key go together");
        }
    }

    static tls_files& tls_of(server_config& server)
    {
        if (!server.tls) {
            server.tls.emplace();
        }
        return *server.tls;
    }

    void read_storage(const YAML::Node& node, storage_config& storage)
    {
        read_section(node, "storage",
                     {{"backend",
                       [&](const YAML::Node& n, const std::string& f) {
                           storage.backend = n.as<std::string>();
                           if (storage.backend != "sqlite" && storage.backend != "postgres") {
                               problem(n, f, "must be sqlite or postgres");
                           }
                       }},
                      {"path",
                       [&](const YAML::Node& n, const std::string&) {
                           storage.path = relative_to_file(n.as<std::string>());
                       }},
                      {"url",
                       [&](const YAML::Node& n, const std::string& f) {
                           storage.url = located(n, f);
                           if (storage.url.text.empty()) {
                               problem(n, f, "must not be empty");
                           }
                       }},
                      {"pool_size", [&](const YAML::Node& n, const std::string& f) {
                           typed(n, f, storage.pool_size, parse_count<std::size_t, 1, 1000>,
                                 "1 to 1000");
                       }}});
        if (node.IsMap() && (storage.backend == "sqlite" || storage.backend == "postgres")) {
            check_backend_fields(node, storage.backend);
        }
    }

    // Each backend's own fields: one given to the other backend is a mistake worth naming.
    void check_backend_fields(const YAML::Node& node, const std::string& backend)
    {
        const bool postgres = backend == "postgres";
        if (postgres && !node["url"]) {
            problem(node, "storage.url",
                    "is required for the postgres backend (e.g. env:MAILGATE_DATABASE_URL)");
        }
        for (const char* field : {"url", "pool_size", "path"}) {
            const bool postgres_field = std::string_view(field) != "path";
            if (node[field] && postgres_field != postgres) {
                problem(node[field], std::string("storage.") + field,
                        std::string("is for the ") + (postgres_field ? "postgres" : "sqlite") +
                            " backend, not " + backend);
            }
        }
    }

    void read_outbound(const YAML::Node& node, outbound_config& out)
    {
        auto text = [](std::string& target) {
            return [&target](const YAML::Node& n, const std::string&) {
                target = n.as<std::string>();
            };
        };
        auto count = [this](std::size_t& target) {
            return [this, &target](const YAML::Node& n, const std::string& f) {
                typed(n, f, target, parse_count<std::size_t, 1, 100000>, "1 to 100000");
            };
        };
        auto duration = [this](std::chrono::milliseconds& target) {
            return [this, &target](const YAML::Node& n, const std::string& f) {
                typed(n, f, target, parse_duration, "a duration like 30s, 5m, 1h or 3d");
            };
        };
        read_section(node, "outbound",
                     {{"node_id", text(out.node_id)},
                      {"helo_name", text(out.helo_name)},
                      {"ca_file",
                       [&](const YAML::Node& n, const std::string&) {
                           out.ca_file = relative_to_file(n.as<std::string>());
                       }},
                      {"max_connections", count(out.max_connections)},
                      {"max_messages_per_connection", count(out.max_messages_per_connection)},
                      {"max_in_flight", count(out.max_in_flight)},
                      {"max_age", duration(out.max_age)},
                      {"retry_initial", duration(out.retry_initial)},
                      {"retry_max", duration(out.retry_max)},
                      {"lease", duration(out.lease)},
                      {"poll_interval", duration(out.poll_interval)},
                      {"stop_grace", duration(out.stop_grace)},
                      {"connect_timeout", duration(out.connect_timeout)},
                      {"greeting_timeout", duration(out.greeting_timeout)},
                      {"command_timeout", duration(out.command_timeout)},
                      {"data_init_timeout", duration(out.data_init_timeout)},
                      {"data_block_timeout", duration(out.data_block_timeout)},
                      {"data_end_timeout", duration(out.data_end_timeout)}});
        if (out.retry_max < out.retry_initial) {
            problem(node, "outbound.retry_max", "must not be shorter than retry_initial");
        }
    }

    std::filesystem::path relative_to_file(const std::string& path) const
    {
        std::filesystem::path p(path);
        return p.is_absolute() ? p : (file_.parent_path() / p).lexically_normal();
    }

    bool scalar(const YAML::Node& node, const std::string& field)
    {
        if (!node.IsScalar()) {
            problem(node, field, "must be a single value");
            return false;
        }
        return true;
    }

    void read_plugins(const YAML::Node& node, gateway_config& config)
    {
        if (!node.IsMap()) {
            problem(node, "plugins", "must be a map");
            return;
        }
        for (const auto& entry : node) {
            const auto name = key_of(entry.first, "plugins");
            if (!name) {
                continue;
            }
            const std::string& key = *name;
            if (key != "directory") {
                problem(entry.first, "plugins." + key, "unknown field (known: directory)");
            } else if (scalar(entry.second, "plugins.directory")) {
                config.plugins_directory = relative_to_file(entry.second.as<std::string>());
            }
        }
    }

    void read_providers(const YAML::Node& node, gateway_config& config)
    {
        if (!node.IsSequence()) {
            problem(node, "providers", "must be a list");
            return;
        }
        std::set<std::string> nicknames;
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::string field = "providers[" + std::to_string(i) + "]";
            provider_config provider = read_provider(node[i], field);
            if (!provider.nickname.empty() && !nicknames.insert(provider.nickname).second) {
                problem(node[i], field + ".nickname",
                        "'" + provider.nickname + "' is used by another provider");
            }
            config.providers.push_back(std::move(provider));
        }
    }

    provider_config read_provider(const YAML::Node& node, const std::string& field)
    {
        provider_config provider;
        provider.where = where(node);
        if (!node.IsMap()) {
            problem(node, field, "must be a map");
            return provider;
        }
        for (const auto& entry : node) {
            const auto name = key_of(entry.first, field);
            if (!name) {
                continue;
            }
            const std::string& key = *name;
            if (key == "nickname" && scalar(entry.second, field + ".nickname")) {
                provider.nickname = entry.second.as<std::string>();
            } else if (key == "driver" && scalar(entry.second, field + ".driver")) {
                provider.driver = entry.second.as<std::string>();
            } else if (key != "nickname" && key != "driver") {
                provider.options[key] = located_value{
                    entry.second.IsScalar() ? entry.second.as<std::string>() : std::string(),
                    entry.second.IsScalar(), where(entry.second)};
            }
        }
        check_names(node, field, provider);
        return provider;
    }

    void read_bounces(const YAML::Node& node, bounces_config& out)
    {
        if (!node.IsMap()) {
            problem(node, "bounces", "must be a map");
            return;
        }
        for (const auto& entry : node) {
            const auto name = key_of(entry.first, "bounces");
            if (!name) {
                continue;
            }
            const std::string field = "bounces." + *name;
            if (*name == "domains") {
                read_domains(entry.second, field, out.domains);
            } else if (*name == "listen") {
                read_listener(entry.second, field, out.listen.emplace());
            } else if (*name == "mailboxes") {
                read_mailboxes(entry.second, field, out.mailboxes);
            } else if (*name == "suppress_unattributed") {
                if (scalar(entry.second, field)) {
                    typed(entry.second, field, out.suppress_unattributed, parse_bool,
                          "true or false");
                }
            } else {
                problem(entry.first, field,
                        "unknown field (known: domains, listen, mailboxes, suppress_unattributed)");
            }
        }
    }

    void read_domains(const YAML::Node& node, const std::string& field,
                      std::vector<std::string>& out)
    {
        static const std::regex domain(
            "([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}");
        if (!node.IsSequence()) {
            problem(node, field, "must be a list of domains");
            return;
        }
        for (const auto& item : node) {
            if (!scalar(item, field)) {
                continue;
            }
            const auto text = item.as<std::string>();
            if (std::regex_match(text, domain)) {
                out.push_back(text);
            } else {
                problem(item, field, "'" + text + "' is not a domain name");
            }
        }
    }

    void read_listener(const YAML::Node& node, const std::string& field,
                       bounce_listener_config& out)
    {
        read_section(
            node, field,
            {{"listen",
              [&](const YAML::Node& n, const std::string& f) {
                  if (!parse_listen(n.as<std::string>(), out.address, out.port)) {
                      problem(n, f, "must be host:port, e.g. 0.0.0.0:25");
                  }
              }},
             {"host_name", [&](const YAML::Node& n,
                               const std::string&) { out.host_name = n.as<std::string>(); }},
             {"tls_certificate",
              [&](const YAML::Node& n, const std::string&) {
                  out.tls_certificate = relative_to_file(n.as<std::string>());
              }},
             {"tls_private_key",
              [&](const YAML::Node& n, const std::string&) {
                  out.tls_private_key = relative_to_file(n.as<std::string>());
              }},
             {"max_message_size",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.max_message_size, parse_size, "a size like 10MiB");
              }},
             {"max_connections",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.max_connections, parse_count<std::size_t, 1, 100000>,
                        "1 to 100000");
              }},
             {"max_recipients",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.max_recipients, parse_count<std::size_t, 1, 1000>, "1 to 1000");
              }},
             {"command_timeout",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.command_timeout, parse_duration, "a duration like 5m");
              }},
             {"session_timeout", [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.session_timeout, parse_duration, "a duration like 30m");
              }}});
        if (out.tls_certificate.empty() != out.tls_private_key.empty()) {
            problem(node, field, "tls_certificate and tls_private_key go together");
        }
    }

    void read_mailboxes(const YAML::Node& node, const std::string& field,
                        std::vector<bounce_mailbox_config>& out)
    {
        if (!node.IsSequence()) {
            problem(node, field, "must be a list");
            return;
        }
        std::set<std::string> names;
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::string item = field + "[" + std::to_string(i) + "]";
            auto mailbox = read_mailbox(node[i], item);
            if (!mailbox.name.empty() && !names.insert(mailbox.name).second) {
                problem(node[i], item + ".name", "'" + mailbox.name + "' names another mailbox");
            }
            out.push_back(std::move(mailbox));
        }
    }

    bounce_mailbox_config read_mailbox(const YAML::Node& node, const std::string& field)
    {
        bounce_mailbox_config out;
        read_section(
            node, field,
            {{"name",
              [&](const YAML::Node& n, const std::string&) { out.name = n.as<std::string>(); }},
             {"host",
              [&](const YAML::Node& n, const std::string&) { out.host = n.as<std::string>(); }},
             {"port",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.port, parse_count<uint16_t, 1, 65535>, "1 to 65535");
              }},
             {"security",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.security, parse_imap_security, "tls, starttls or none");
              }},
             {"verify_tls",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.verify_tls, parse_bool, "true or false");
              }},
             {"user",
              [&](const YAML::Node& n, const std::string&) { out.user = n.as<std::string>(); }},
             {"password",
              [&](const YAML::Node& n, const std::string& f) { out.password = located(n, f); }},
             {"folder",
              [&](const YAML::Node& n, const std::string&) { out.folder = n.as<std::string>(); }},
             {"processed_folder",
              [&](const YAML::Node& n, const std::string&) {
                  out.processed_folder = n.as<std::string>();
              }},
             {"poll_interval",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.poll_interval, parse_duration, "a duration like 1m");
              }},
             {"timeout",
              [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.timeout, parse_duration, "a duration like 60s");
              }},
             {"max_message_size", [&](const YAML::Node& n, const std::string& f) {
                  typed(n, f, out.max_message_size, parse_size, "a size like 10MiB");
              }}});
        if (node.IsMap()) {
            static const std::regex name("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
            if (!std::regex_match(out.name, name)) {
                problem(node, field + ".name",
                        "is required: letters, digits, '.', '_', '-'; at most 64");
            }
            for (const auto* required : {&out.host, &out.user}) {
                if (required->empty()) {
                    problem(node, field, "host and user are required");
                    break;
                }
            }
            if (out.password.text.empty()) {
                problem(node, field + ".password", "is required (a secret: env:, file: or enc:)");
            }
        }
        return out;
    }

    // admin.token (named "admin") and admin.tokens: [{name, token}], names unique.
    void read_admin(const YAML::Node& node, std::vector<admin_token_config>& out)
    {
        if (!node.IsMap()) {
            problem(node, "admin", "must be a map");
            return;
        }
        for (const auto& entry : node) {
            const auto key = key_of(entry.first, "admin");
            if (key && *key == "token") {
                if (scalar(entry.second, "admin.token")) {
                    out.push_back({"admin", located(entry.second, "admin.token")});
                }
            } else if (key && *key == "tokens") {
                read_admin_tokens(entry.second, out);
            } else if (key) {
                problem(entry.first, "admin." + *key, "unknown field (known: token, tokens)");
            }
        }
        std::set<std::string> names;
        for (const auto& t : out) {
            if (!names.insert(t.name).second) {
                problems_.push_back(t.token.where + ": admin: the token name '" + t.name +
                                    "' is used twice");
            }
        }
    }

    void read_admin_tokens(const YAML::Node& node, std::vector<admin_token_config>& out)
    {
        if (!node.IsSequence()) {
            problem(node, "admin.tokens", "must be a list of {name, token}");
            return;
        }
        static const std::regex name("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
        for (std::size_t i = 0; i < node.size(); ++i) {
            const std::string field = "admin.tokens[" + std::to_string(i) + "]";
            admin_token_config t;
            read_section(node[i], field,
                         {{"name", [&](const YAML::Node& n,
                                       const std::string&) { t.name = n.as<std::string>(); }},
                          {"token", [&](const YAML::Node& n, const std::string& f) {
                               t.token = located(n, f);
                           }}});
            if (!node[i].IsMap()) {
                continue;
            }
            if (!std::regex_match(t.name, name) || t.token.text.empty()) {
                problem(node[i], field,
                        "needs a name (letters, digits, '.', '_', '-'; at most 64) and a token");
                continue;
            }
            out.push_back(std::move(t));
        }
    }

    void read_suppression(const YAML::Node& node, suppression_config& out)
    {
        if (!node.IsMap()) {
            problem(node, "suppression", "must be a map");
            return;
        }
        std::optional<YAML::Node> default_stream;
        for (const auto& entry : node) {
            const auto name = key_of(entry.first, "suppression");
            if (!name) {
                continue;
            }
            const std::string field = "suppression." + *name;
            if (*name == "streams") {
                out.streams = read_names(entry.second, field);
                check_streams(entry.second, field, out.streams);
            } else if (*name == "default_stream") {
                if (scalar(entry.second, field)) {
                    out.default_stream = entry.second.as<std::string>();
                    default_stream = entry.second;
                }
            } else if (*name == "rules") {
                read_rules(entry.second, field, out.rules.emplace());
            } else {
                problem(entry.first, field,
                        "unknown field (known: streams, default_stream, rules)");
            }
        }
        if (std::find(out.streams.begin(), out.streams.end(), out.default_stream) ==
            out.streams.end()) {
            problem(default_stream.value_or(node), "suppression.default_stream",
                    "'" + out.default_stream + "' is not one of suppression.streams");
        }
        for (const auto& rule : out.rules.value_or(std::vector<suppression_rule_config>{})) {
            for (const auto& stream : rule.streams) {
                if (std::find(out.streams.begin(), out.streams.end(), stream) ==
                    out.streams.end()) {
                    problems_.push_back(rule.where + ": suppression.rules." + rule.name +
                                        ".stream: '" + stream +
                                        "' is not one of suppression.streams");
                }
            }
        }
    }

    // A scalar or a list of scalars.
    std::vector<std::string> read_names(const YAML::Node& node, const std::string& field)
    {
        std::vector<std::string> out;
        if (node.IsScalar()) {
            out.push_back(node.as<std::string>());
            return out;
        }
        if (!node.IsSequence()) {
            problem(node, field, "must be a name or a list of names");
            return out;
        }
        for (const auto& item : node) {
            if (scalar(item, field)) {
                out.push_back(item.as<std::string>());
            }
        }
        return out;
    }

    void check_streams(const YAML::Node& node, const std::string& field,
                       const std::vector<std::string>& streams)
    {
        // Streams travel in attribution tokens, whose stream field is short.
        static const std::regex name("[a-z0-9][a-z0-9_-]{0,19}");
        std::set<std::string> seen;
        for (const auto& stream : streams) {
            if (!std::regex_match(stream, name)) {
                problem(node, field,
                        "'" + stream + "' is not a stream name (a-z, 0-9, '_', '-'; at most 20)");
            } else if (!seen.insert(stream).second) {
                problem(node, field, "'" + stream + "' is listed twice");
            }
        }
        if (streams.empty()) {
            problem(node, field, "must name at least one stream");
        }
    }

    void read_rules(const YAML::Node& node, const std::string& field,
                    std::vector<suppression_rule_config>& out)
    {
        if (!node.IsSequence()) {
            problem(node, field, "must be a list of rules");
            return;
        }
        std::set<std::string> names;
        for (std::size_t i = 0; i < node.size(); ++i) {
            auto rule = read_rule(node[i], field + "[" + std::to_string(i) + "]");
            if (!rule.name.empty() && !names.insert(rule.name).second) {
                problem(node[i], field, "'" + rule.name + "' names another rule");
            }
            out.push_back(std::move(rule));
        }
    }

    suppression_rule_config read_rule(const YAML::Node& node, const std::string& field)
    {
        suppression_rule_config out;
        out.where = where(node);
        if (!node.IsMap()) {
            problem(node, field, "must be a map (name, kind, reason, action, ...)");
            return out;
        }
        std::map<std::string, std::vector<std::string>*> lists{{"kind", &out.kinds},
                                                               {"reason", &out.reasons},
                                                               {"provider", &out.providers},
                                                               {"stream", &out.streams}};
        std::map<std::string, field_reader> scalars{
            {"name",
             [&](const YAML::Node& n, const std::string&) { out.name = n.as<std::string>(); }},
            {"action",
             [&](const YAML::Node& n, const std::string&) { out.action = n.as<std::string>(); }},
            {"scope",
             [&](const YAML::Node& n, const std::string&) { out.scope = n.as<std::string>(); }},
            {"permanent",
             [&](const YAML::Node& n, const std::string& f) {
                 bool value = false;
                 typed(n, f, value, parse_bool, "true or false");
                 out.permanent = value;
             }},
            {"for",
             [&](const YAML::Node& n, const std::string& f) {
                 typed(n, f, out.duration, parse_duration, "a duration like 30d");
             }},
            {"window",
             [&](const YAML::Node& n, const std::string& f) {
                 typed(n, f, out.window, parse_duration, "a duration like 7d");
             }},
            {"threshold", [&](const YAML::Node& n, const std::string& f) {
                 typed(n, f, out.threshold, parse_count<int64_t, 1, 1000>, "1 to 1000");
             }}};
        for (const auto& entry : node) {
            const auto key = key_of(entry.first, field);
            if (!key) {
                continue;
            }
            const std::string item = field + "." + *key;
            if (auto list = lists.find(*key); list != lists.end()) {
                *list->second = read_names(entry.second, item);
            } else if (auto reader = scalars.find(*key); reader != scalars.end()) {
                if (scalar(entry.second, item)) {
                    reader->second(entry.second, item);
                }
            } else {
                problem(entry.first, item,
                        "unknown field (known: name, kind, reason, provider, stream, permanent, "
                        "action, scope, for, threshold, window)");
            }
        }
        check_rule(node, field, out);
        return out;
    }

    void check_rule(const YAML::Node& node, const std::string& field,
                    const suppression_rule_config& rule)
    {
        static const std::regex name("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
        if (!std::regex_match(rule.name, name)) {
            problem(node, field + ".name",
                    "is required: letters, digits, '.', '_', '-'; at most 64");
        }
        static const std::set<std::string> actions{"suppress", "count", "ignore", "alert"};
        if (!actions.contains(rule.action)) {
            problem(node, field + ".action", "must be suppress, count, ignore or alert");
        }
        if (!rule.scope.empty() && rule.scope != "stream" && rule.scope != "all") {
            problem(node, field + ".scope", "must be stream or all");
        }
        const bool count = rule.action == "count";
        if (count != (rule.threshold > 0) || count != (rule.window.count() > 0)) {
            problem(node, field, "threshold and window go with action count, and it needs both");
        }
        if (rule.duration.count() > 0 && rule.action != "suppress" && !count) {
            problem(node, field + ".for", "goes with action suppress or count");
        }
    }

    void check_names(const YAML::Node& node, const std::string& field,
                     const provider_config& provider)
    {
        // Nicknames appear in callback URLs: keep them to URL-unreserved characters.
        static const std::regex nickname("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
        if (provider.nickname.empty()) {
            problem(node, field + ".nickname", "is required");
        } else if (!std::regex_match(provider.nickname, nickname)) {
            problem(node["nickname"], field + ".nickname",
                    "'" + provider.nickname +
                        "' is not URL-safe (letters, digits, '.', '_', '-'; at most 64)");
        }
        if (provider.driver.empty()) {
            problem(node, field + ".driver", "is required");
        }
    }

    std::filesystem::path file_;
    std::vector<std::string> problems_;
};

} // namespace

std::string default_public_url(const server_config& server, uint16_t bound_port)
{
    const bool v6 = server.address.find(':') != std::string::npos;
    return std::string(server.tls ? "https://" : "http://") + (v6 ? "[" : "") + server.address +
           (v6 ? "]" : "") + ":" + std::to_string(bound_port);
}

std::filesystem::path default_plugins_directory()
{
    // The running binary's own install (or build tree), wherever it was put: the prefix it
    // was configured with need not be where it lives (a staging root, a relocated tree).
    std::error_code ec;
    const auto binary = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (const char* relative :
             {MAILGATE_PLUGIN_DIR_FROM_BIN, MAILGATE_BUILD_PLUGIN_DIR_FROM_BIN}) {
            auto directory = (binary.parent_path() / relative).lexically_normal();
            if (std::filesystem::is_directory(directory, ec)) {
                return directory;
            }
        }
    }
    return MAILGATE_DEFAULT_PLUGIN_DIR;
}

loaded_config read_config(const std::filesystem::path& file)
{
    YAML::Node root;
    try {
        root = YAML::LoadFile(file.string());
    } catch (const YAML::BadFile&) {
        throw config_error({file.string() + ": cannot read the file"});
    } catch (const YAML::ParserException& e) {
        throw config_error({file.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                            std::to_string(e.mark.column + 1) + ": " + plain_yaml_error(e.msg)});
    }
    reader r(file);
    auto config = r.read(root);
    return {std::move(config), r.problems()};
}

gateway_config load_config(const std::filesystem::path& file)
{
    auto loaded = read_config(file);
    if (!loaded.problems.empty()) {
        throw config_error(std::move(loaded.problems));
    }
    return std::move(loaded.config);
}

} // namespace mailgate::core::config
