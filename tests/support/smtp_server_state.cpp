#include "tests/support/smtp_server_state.hpp"

#include <mailgate/sdk/str.hpp>

#include <boost/algorithm/string/case_conv.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>

namespace mailgate::testing {
namespace {

// Unique across servers, so a test with two servers can tell their messages apart by ID.
std::string next_queue_id()
{
    static std::atomic<unsigned> last{0};
    char id[16];
    std::snprintf(id, sizeof id, "MG%08X", ++last);
    return id;
}

} // namespace

std::size_t smtp_server_state::open_connection()
{
    std::lock_guard lock(mutex_);
    return ++connections_;
}

void smtp_server_state::count_command(std::string_view verb, bool pipelined)
{
    const auto key = boost::algorithm::to_upper_copy(std::string(verb));
    std::lock_guard lock(mutex_);
    ++commands_[key];
    if (pipelined) {
        ++pipelined_[key];
    }
}

void smtp_server_state::log(std::string line)
{
    std::lock_guard lock(mutex_);
    transcript_.push_back(std::move(line));
}

void smtp_server_state::inject(smtp_phase phase, smtp_fault fault)
{
    std::lock_guard lock(mutex_);
    faults_.insert_or_assign(phase, std::move(fault));
}

void smtp_server_state::clear_faults()
{
    std::lock_guard lock(mutex_);
    faults_.clear();
}

std::optional<smtp_fault> smtp_server_state::take_fault(smtp_phase phase)
{
    std::lock_guard lock(mutex_);
    const auto found = faults_.find(phase);
    if (found == faults_.end() || found->second.times == 0) {
        return std::nullopt;
    }
    auto fault = found->second;
    if (found->second.times > 0) {
        --found->second.times;
    }
    return fault;
}

void smtp_server_state::reject_recipient(std::string address, std::string reply)
{
    std::lock_guard lock(mutex_);
    rejected_recipients_.emplace_back(std::move(address), std::move(reply));
}

std::optional<std::string> smtp_server_state::recipient_reply(std::string_view address) const
{
    std::lock_guard lock(mutex_);
    // The latest rejection of an address wins, as a later inject() replaces an earlier one.
    const auto found = std::find_if(
        rejected_recipients_.rbegin(), rejected_recipients_.rend(),
        [address](const auto& rejected) { return sdk::iequals(rejected.first, address); });
    if (found == rejected_recipients_.rend()) {
        return std::nullopt;
    }
    return found->second;
}

std::string smtp_server_state::record(received_message message)
{
    message.queue_id = next_queue_id();
    auto id = message.queue_id;
    {
        std::lock_guard lock(mutex_);
        messages_.push_back(std::move(message));
    }
    message_recorded_.notify_all();
    return id;
}

std::vector<received_message> smtp_server_state::messages() const
{
    std::lock_guard lock(mutex_);
    return messages_;
}

bool smtp_server_state::wait_for_messages(std::size_t count,
                                          std::chrono::milliseconds timeout) const
{
    std::unique_lock lock(mutex_);
    return message_recorded_.wait_for(lock, timeout, [&] { return messages_.size() >= count; });
}

std::size_t smtp_server_state::connections_accepted() const
{
    std::lock_guard lock(mutex_);
    return connections_;
}

std::size_t smtp_server_state::command_count(std::string_view verb) const
{
    std::lock_guard lock(mutex_);
    const auto found = commands_.find(boost::algorithm::to_upper_copy(std::string(verb)));
    return found == commands_.end() ? 0 : found->second;
}

std::size_t smtp_server_state::pipelined_count(std::string_view verb) const
{
    std::lock_guard lock(mutex_);
    const auto found = pipelined_.find(boost::algorithm::to_upper_copy(std::string(verb)));
    return found == pipelined_.end() ? 0 : found->second;
}

std::vector<std::string> smtp_server_state::transcript() const
{
    std::lock_guard lock(mutex_);
    return transcript_;
}

} // namespace mailgate::testing
