#pragma once

// The real `mailgate serve`, started on an ephemeral loopback port with its own temporary
// configuration and database, for integration tests; and a small HTTP client to talk to it.

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mailgate::test {

struct http_reply {
    int status = 0;
    std::map<std::string, std::string> headers; ///< lower-case names
    std::string body;
};

struct gateway_options {
    std::string admin_token = "test-admin-token-0123456789";
    std::string extra_server_yaml;    ///< more lines under `server:` (indented by 2)
    std::string extra_providers_yaml; ///< more provider entries (indented by 2)
    std::string extra_sections_yaml;  ///< more top-level sections
    std::string extra_admin_yaml;     ///< more lines under `admin:` (indented by 2)
    /// The storage section; empty: SQLite in the process's own folder.
    std::string storage_yaml;
    std::vector<std::string> extra_args; ///< after `serve --config F --port-file P`
};

class gateway_process {
public:
    explicit gateway_process(gateway_options options = {});
    ~gateway_process();

    gateway_process(const gateway_process&) = delete;
    gateway_process& operator=(const gateway_process&) = delete;

    /// Starts (or restarts, on the same database) and waits until it listens.
    void start();
    /// Sends `signal` and waits for the exit; returns the exit code, or 128+signal when killed.
    int stop(int signal);

    uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    const std::string& admin_token() const { return options_.admin_token; }
    const std::filesystem::path& dir() const { return dir_; }
    /// Everything the process wrote to stdout and stderr.
    std::string output() const;

    /// One request on a new connection. Throws on a connection failure.
    http_reply request(const std::string& method, const std::string& target,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {}) const;
    /// A request with the admin token.
    http_reply admin(const std::string& method, const std::string& target,
                     const std::string& body = "") const;

private:
    void write_config() const;

    gateway_options options_;
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;
};

} // namespace mailgate::test
