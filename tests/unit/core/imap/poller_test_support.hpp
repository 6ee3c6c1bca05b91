#pragma once

// What the poller tests share: a sink that decides with the real bounce classifier and
// records what it was handed, the corpus's messages, and waiting for a condition.

#include "core/bounces/bounce_classifier.hpp"
#include "core/bounces/message_sink.hpp"

#include "tests/support/bounce_mail.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace mailgate::test {

/// `text` without its CRs: Dovecot hands LF files back with CRLF.
inline std::string without_cr(std::string text)
{
    text.erase(std::remove(text.begin(), text.end(), '\r'), text.end());
    return text;
}

inline bool is_bounce(const std::string& raw)
{
    const auto kind = core::bounces::classify_message(raw).kind;
    return kind == core::bounces::message_kind::bounce ||
           kind == core::bounces::message_kind::feedback;
}

/// Handled for what the classifier calls a bounce or a complaint, else not_bounce.
class recording_sink {
public:
    core::bounces::message_sink sink()
    {
        return [this](std::string raw, std::string, core::bounces::sink_done done) {
            const bool bounce = is_bounce(raw);
            {
                std::lock_guard lock(mutex_);
                handed_.push_back(without_cr(raw));
                if (failing_) {
                    failing_ = false;
                    done(std::make_error_code(std::errc::io_error), {});
                    return;
                }
            }
            done({}, bounce ? core::bounces::sink_outcome::handled
                            : core::bounces::sink_outcome::not_bounce);
        };
    }

    std::vector<std::string> handed() const
    {
        std::lock_guard lock(mutex_);
        return handed_;
    }
    std::size_t count() const
    {
        std::lock_guard lock(mutex_);
        return handed_.size();
    }
    /// The next message handed fails, as a storage error would.
    void fail_next()
    {
        std::lock_guard lock(mutex_);
        failing_ = true;
    }

private:
    mutable std::mutex mutex_;
    std::vector<std::string> handed_;
    bool failing_ = false;
};

inline std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline std::filesystem::path corpus_dir()
{
    return std::filesystem::path(MAILGATE_BOUNCE_CORPUS) / "eml";
}

/// The first `n` messages of the corpus, by name, that the classifier calls bounces (not
/// complaints), each under `max_size` bytes.
inline std::vector<std::string> corpus_bounces(std::size_t n, std::size_t max_size = 64 * 1024)
{
    if (!std::filesystem::exists(corpus_dir())) {
        // A clone without ../shared: DSNs of our own, each a different bounce.
        std::vector<std::string> own;
        for (std::size_t i = 0; i < n; ++i) {
            testing::dsn_fields f;
            f.final_recipient = "user" + std::to_string(i) + "@example.net";
            f.message_id = "<dsn-" + std::to_string(i) + "@mx.example.org>";
            own.push_back(testing::postfix_dsn(f));
        }
        return own;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(corpus_dir())) {
        if (entry.path().filename().string().starts_with("lhost-")) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    std::vector<std::string> out;
    for (const auto& f : files) {
        auto raw = read_file(f);
        if (out.size() < n && raw.size() < max_size &&
            core::bounces::classify_message(raw).kind == core::bounces::message_kind::bounce) {
            out.push_back(std::move(raw));
        }
    }
    return out;
}

inline std::string ordinary_mail(int n)
{
    return "From: Alice <alice@example.com>\r\nTo: bounces@example.com\r\nSubject: lunch " +
           std::to_string(n) + "\r\nMessage-ID: <ordinary-" + std::to_string(n) +
           "@example.com>\r\n\r\nAre we still on for lunch?\r\n";
}

/// Polls `done` every 20 ms for up to `limit`.
inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds limit = std::chrono::seconds(20))
{
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (done()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return done();
}

/// The messages of `all` (CRs removed) sorted, for comparing sets.
inline std::vector<std::string> normalised(std::vector<std::string> all)
{
    for (auto& m : all) {
        m = without_cr(std::move(m));
    }
    std::sort(all.begin(), all.end());
    return all;
}

} // namespace mailgate::test
