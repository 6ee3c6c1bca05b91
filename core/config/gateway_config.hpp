#pragma once

// The gateway's configuration file, read with yaml-cpp into plain structs. Driver options are
// kept as text with their position; they are checked against the driver's option table once
// the drivers are loaded (provider_options.hpp).

#include "core/config/bounce_config.hpp"
#include "core/config/located_value.hpp"
#include "core/config/suppression_config.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::config {

struct provider_config {
    std::string nickname;
    std::string driver;
    std::string where; ///< the provider's entry
    /// Every key but nickname and driver: the driver's options.
    std::map<std::string, located_value> options;
};

struct tls_files {
    std::filesystem::path certificate;
    std::filesystem::path private_key;
};

struct server_config {
    std::string address = "127.0.0.1";
    uint16_t port = 8025;
    /// Where ESPs reach the gateway; callback URLs are built on it. Empty: not configured
    /// (see default_public_url).
    std::string public_url;
    unsigned threads = 2;
    std::size_t body_limit = 8 * 1024 * 1024;
    std::size_t header_limit = 16 * 1024;
    std::chrono::milliseconds read_timeout{10000};
    std::chrono::milliseconds idle_timeout{30000};
    std::size_t max_connections = 1024;
    std::optional<tls_files> tls;
    /// Threads for the blocking part of a request (drivers' parse_callback and decorate, the
    /// store's synchronous reads and writes), off the I/O threads.
    std::size_t workers = 8;
    /// Requests waiting for a worker; beyond it a request is answered 503 at once.
    std::size_t worker_queue = 1024;
    /// How long a request waits for its worker's result before it is answered 503.
    std::chrono::milliseconds handler_timeout{10000};
};

struct storage_config {
    std::string backend = "sqlite"; ///< sqlite or postgres
    std::filesystem::path path;     ///< sqlite: the file
    /// postgres: the libpq connection string or URI as written (a secret: env:/file:/enc: or
    /// literal). Resolve with resolve_secret.
    located_value url;
    std::size_t pool_size = 8; ///< postgres: connections for reads
};

/// Outbound sending: the delivery workers, the connection pools and the retry policy.
struct outbound_config {
    std::string node_id;   ///< names this node's leases on queued messages; empty: the host name
    std::string helo_name; ///< the name the gateway gives in EHLO; empty: the host name
    std::filesystem::path ca_file;    ///< PEM CA bundle for servers' certificates; empty: system
    std::size_t max_connections = 10; ///< per provider
    std::size_t max_messages_per_connection = 100;
    std::size_t max_in_flight = 200; ///< messages being sent at once, across providers
    std::chrono::milliseconds max_age{std::chrono::hours(72)}; ///< then a deferred message fails
    std::chrono::milliseconds retry_initial{std::chrono::minutes(1)};
    std::chrono::milliseconds retry_max{std::chrono::hours(1)};
    /// How long a claimed message stays with this node; longer than the slowest attempt.
    std::chrono::milliseconds lease{std::chrono::hours(1)};
    std::chrono::milliseconds poll_interval{std::chrono::seconds(1)};
    /// At a stop, how long attempts under way may take before they are cut off (and retried).
    std::chrono::milliseconds stop_grace{std::chrono::seconds(10)};
    // RFC 5321 §4.5.3.2; connect is ours.
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds greeting_timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds command_timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds data_init_timeout{std::chrono::minutes(2)};
    std::chrono::milliseconds data_block_timeout{std::chrono::minutes(3)};
    std::chrono::milliseconds data_end_timeout{std::chrono::minutes(10)};
};

struct admin_token_config {
    std::string name;
    located_value token;
};

struct gateway_config {
    std::filesystem::path file;
    std::filesystem::path plugins_directory;
    server_config server;
    storage_config storage;
    outbound_config outbound;
    /// The admin API's bearer tokens as written (env:/file:/enc: or literal), each with the name
    /// that manual changes are recorded under: admin.token is named "admin", admin.tokens each
    /// name their own. None: no admin API. Resolve with resolve_secret.
    std::vector<admin_token_config> admin_tokens;
    /// The key that decrypts enc:v1: values, as written (env:/file: or literal base64).
    located_value secrets_key;
    /// The key that signs attribution (meta) tokens, as written (a secret: 32 bytes, base64).
    /// Empty: no token verifies.
    located_value attribution_key;
    std::vector<provider_config> providers;
    bounces_config bounces;
    suppression_config suppression;
};

/// The public URL when none is configured: the listener itself, on the port it bound.
std::string default_public_url(const server_config& server, uint16_t bound_port);

/// Where drivers are looked for when the file does not say.
std::filesystem::path default_plugins_directory();

/// Reads and checks the file's own structure. Relative paths in it are taken from the file's
/// folder. Throws config_error listing every problem.
gateway_config load_config(const std::filesystem::path& file);

/// What load_config reads, with the problems it found beside it instead of thrown, so that a
/// checker goes on to the providers. Throws config_error for a file that is not YAML.
struct loaded_config {
    gateway_config config;
    std::vector<std::string> problems;
};
loaded_config read_config(const std::filesystem::path& file);

} // namespace mailgate::core::config
