#pragma once

// A real IMAP server for the tests: a throwaway Dovecot started by scripts/lib/dovecot.sh on a
// free loopback port, with one user and a Maildir in a temporary folder, stopped and removed
// with the object. Mail is delivered as any Maildir delivery does: a file written in tmp/ and
// renamed into new/.

#include "core/config/bounce_config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mailgate::test {

class dovecot_server {
public:
    /// Why the tests cannot start Dovecot here (they skip), or empty.
    static std::string unavailable()
    {
        if (!std::filesystem::exists("/usr/sbin/dovecot")) {
            return "Dovecot is not installed (/usr/sbin/dovecot): install the dovecot-imapd "
                   "package (scripts/bootstrap.sh) to run the IMAP tests";
        }
        return {};
    }

    /// `options`: dovecot.sh's, e.g. "--tls" or "--capability 'IMAP4rev1 UIDPLUS'".
    explicit dovecot_server(const std::string& options = "")
    {
        auto pattern = (std::filesystem::temp_directory_path() / "mailgate-imap-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create a folder like " + pattern);
        }
        dir_ = pattern;
        const auto command = std::string(MAILGATE_SOURCE_DIR) + "/scripts/lib/dovecot.sh start " +
                             dir_.string() + " " + options;
        if (std::system(command.c_str()) != 0) {
            throw std::runtime_error("dovecot.sh could not start Dovecot in " + dir_.string());
        }
        port_ = static_cast<uint16_t>(std::stoi(read("port")));
        if (std::filesystem::exists(dir_ / "tls_port")) {
            tls_port_ = static_cast<uint16_t>(std::stoi(read("tls_port")));
        }
    }

    ~dovecot_server()
    {
        const auto command =
            std::string(MAILGATE_SOURCE_DIR) + "/scripts/lib/dovecot.sh stop " + dir_.string();
        [[maybe_unused]] const int ignored = std::system(command.c_str());
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    dovecot_server(const dovecot_server&) = delete;
    dovecot_server& operator=(const dovecot_server&) = delete;

    uint16_t port() const { return port_; }
    uint16_t tls_port() const { return tls_port_; }
    std::string user() const { return trimmed(read("user")); }
    std::string password() const { return read("password"); }

    /// A mailbox on the plain port, timeouts short enough for a test.
    core::config::bounce_mailbox_config mailbox(const std::string& name = "test") const
    {
        core::config::bounce_mailbox_config c;
        c.name = name;
        c.host = "127.0.0.1";
        c.port = port_;
        c.security = core::config::imap_security::none;
        c.user = user();
        c.poll_interval = std::chrono::milliseconds(300);
        c.timeout = std::chrono::seconds(5);
        return c;
    }

    /// A folder's Maildir: INBOX for "", else Maildir++'s ".a.b" for "a/b".
    std::filesystem::path folder(const std::string& name = "") const
    {
        auto path = dir_ / "mail";
        if (!name.empty()) {
            std::string dotted = "." + name;
            for (char& c : dotted) {
                c = c == '/' ? '.' : c;
            }
            path /= dotted;
        }
        return path;
    }

    /// Delivers `raw` into INBOX, with Maildir `flags` ("S" seen, "T" deleted) when given.
    void deliver(const std::string& raw, const std::string& flags = "") const
    {
        static std::atomic<int> counter{0};
        const auto name =
            std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + "." +
            std::to_string(getpid()) + "_" + std::to_string(++counter) + ".mailgate-test";
        const auto tmp = folder() / "tmp" / name;
        {
            std::ofstream out(tmp, std::ios::binary);
            out << raw;
        }
        struct stat owner {};
        stat(folder().c_str(), &owner);
        if (chown(tmp.c_str(), owner.st_uid, owner.st_gid) != 0 && geteuid() == 0) {
            throw std::runtime_error("cannot hand " + tmp.string() + " to Dovecot's user");
        }
        if (flags.empty()) {
            std::filesystem::rename(tmp, folder() / "new" / name);
        } else {
            std::filesystem::rename(tmp, folder() / "cur" / (name + ":2," + flags));
        }
    }

    /// The messages of a folder, line ends as stored.
    std::vector<std::string> messages(const std::string& name = "") const
    {
        std::vector<std::string> out;
        for (const auto* sub : {"new", "cur"}) {
            const auto dir = folder(name) / sub;
            if (!std::filesystem::exists(dir)) {
                continue;
            }
            for (const auto& entry : std::filesystem::directory_iterator(dir)) {
                std::ifstream in(entry.path(), std::ios::binary);
                std::ostringstream text;
                text << in.rdbuf();
                out.push_back(text.str());
            }
        }
        return out;
    }

    /// The Maildir flags of a folder's messages that Dovecot has seen ("" when none).
    std::vector<std::string> flags(const std::string& name = "") const
    {
        std::vector<std::string> out;
        for (const auto* sub : {"new", "cur"}) {
            for (const auto& entry : std::filesystem::directory_iterator(folder(name) / sub)) {
                const auto file = entry.path().filename().string();
                const auto info = file.find(":2,");
                out.push_back(info == std::string::npos ? "" : file.substr(info + 3));
            }
        }
        return out;
    }

    const std::filesystem::path& dir() const { return dir_; }

private:
    std::string read(const std::string& file) const
    {
        std::ifstream in(dir_ / file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    static std::string trimmed(std::string s)
    {
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) {
            s.pop_back();
        }
        return s;
    }

    std::filesystem::path dir_;
    uint16_t port_ = 0;
    uint16_t tls_port_ = 0;
};

} // namespace mailgate::test
