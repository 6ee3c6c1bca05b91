#pragma once

/// The C++ views a driver's decorate() works with: the outbound message and the sink for the
/// headers it adds. Both BORROW host data for one decorate() call; THREAD: the calling thread.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/error.hpp>
#include <mailgate/sdk/str.hpp>

#include <string_view>

namespace mailgate::sdk {

class outbound_message {
public:
    explicit outbound_message(const mg_outbound_message& raw) noexcept : raw_(raw) {}

    std::string_view message_id() const noexcept { return to_view(raw_.message_id); }
    std::string_view campaign_id() const noexcept { return to_view(raw_.campaign_id); }
    std::string_view recipient() const noexcept { return to_view(raw_.recipient); }
    /// The signed attribution token the ESP must echo back.
    std::string_view meta() const noexcept { return to_view(raw_.meta); }
    std::string_view from() const noexcept { return to_view(raw_.from); }
    std::string_view subject() const noexcept { return to_view(raw_.subject); }

private:
    const mg_outbound_message& raw_;
};

class header_sink {
public:
    header_sink(const mg_host_api* host, mg_header_sink* sink) noexcept : host_(host), sink_(sink)
    {
    }

    /// Adds a header; the host copies both strings. Throws on a name or value the host refuses
    /// (CR, LF or NUL in it).
    void add(std::string_view name, std::string_view value) const
    {
        mg_status status = host_->add_header(sink_, to_mg_str(name), to_mg_str(value));
        if (status != MG_OK) {
            throw error(status, "the host refused header " + std::string(name));
        }
    }

private:
    const mg_host_api* host_;
    mg_header_sink* sink_;
};

} // namespace mailgate::sdk
