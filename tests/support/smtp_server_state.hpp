#pragma once

// What the test SMTP server shares between its connections and the test: the faults and
// rejections the test scripted, and the record of what clients did.

#include "tests/support/smtp_test_server.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailgate::testing {

/// THREAD: every member function is safe from any thread.
class smtp_server_state {
public:
    /// Counts a new connection; returns its 1-based index.
    std::size_t open_connection();
    /// `pipelined`: the line had arrived before the reply to the command before it went out.
    void count_command(std::string_view verb, bool pipelined);
    void log(std::string line);

    void inject(smtp_phase phase, smtp_fault fault);
    void clear_faults();
    /// The fault at `phase`, if one is left; uses up one of its `times`.
    std::optional<smtp_fault> take_fault(smtp_phase phase);

    void reject_recipient(std::string address, std::string reply);
    std::optional<std::string> recipient_reply(std::string_view address) const;

    /// Records an accepted message and returns its new, process-wide unique queue ID.
    std::string record(received_message message);

    std::vector<received_message> messages() const;
    bool wait_for_messages(std::size_t count, std::chrono::milliseconds timeout) const;
    std::size_t connections_accepted() const;
    std::size_t command_count(std::string_view verb) const;
    std::size_t pipelined_count(std::string_view verb) const;
    std::vector<std::string> transcript() const;

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable message_recorded_;
    std::size_t connections_ = 0;
    std::map<std::string, std::size_t, std::less<>> commands_;
    std::map<std::string, std::size_t, std::less<>> pipelined_;
    std::vector<std::string> transcript_;
    std::map<smtp_phase, smtp_fault> faults_;
    std::vector<std::pair<std::string, std::string>> rejected_recipients_;
    std::vector<received_message> messages_;
};

} // namespace mailgate::testing
