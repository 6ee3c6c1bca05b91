#pragma once

/// A host for a driver's unit tests: no gateway, no network. It loads a driver through its
/// real C entry point (linked in, or from the built .so), validates options against the
/// driver's table the way the gateway does, and records every event, rejected item, header
/// and log line the driver produces.
///
/// Unlike the gateway, parse() keeps what a driver emitted before it failed, so a test can
/// assert that a refused request emitted nothing at all.
///
/// THREADS: a fake_host may be used from several threads at once (records are locked).
/// LIFETIME: a fake_host outlives every instance it created; it closes the libraries it opened
/// when it is destroyed.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/str.hpp>

#include <dlfcn.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailgate::sdk::testing {

struct recorded_event {
    int32_t kind = 0;
    uint32_t flags = 0;
    int64_t occurred_at = 0;
    std::string email;
    std::string meta;
    std::string description;
    std::string provider_event_id;
    std::string detail_json;
    std::string reason; ///< ABI 1.2 fields: empty (or 0) when the driver predates them
    int32_t smtp_code = 0;
    std::string status;
    std::string remote_mta;
};

struct recorded_rejection {
    std::string item_json;
    std::string reason;
};

/// What one parse_callback call produced.
struct callback_result {
    mg_status status = MG_OK;
    std::vector<recorded_event> events;
    std::vector<recorded_rejection> rejected;
    std::string error; ///< the message the driver gave with a non-OK status
};

/// A request to hand to parse_callback. Everything is owned here.
struct request {
    std::string method = "POST";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string public_url = "https://gateway.test/v1/callbacks/test";
    std::string target = "/v1/callbacks/test";
};

/// An outbound message to hand to decorate.
struct message {
    std::string message_id = "msg-1";
    std::string campaign_id;
    std::string recipient = "user@example.com";
    std::string meta;
    std::string from = "sender@example.com";
    std::string subject = "Hello";
};

/// The driver's option called `name`, or null. Steps through the table by each element's
/// struct_size, as the gateway does.
inline const mg_option* find_option(const mg_driver& driver, std::string_view name)
{
    const char* bytes = reinterpret_cast<const char*>(driver.options);
    for (uint32_t i = 0; i < driver.option_count; ++i) {
        const auto* o = reinterpret_cast<const mg_option*>(bytes);
        if (name == o->name) {
            return o;
        }
        bytes += o->struct_size;
    }
    return nullptr;
}

class fake_host {
public:
    using options_map = std::map<std::string, std::string>;

    fake_host()
    {
        api_.struct_size = sizeof(mg_host_api);
        api_.abi_major = MG_ABI_VERSION_MAJOR;
        api_.abi_minor = MG_ABI_VERSION_MINOR;
        api_.log = &log_fn;
        api_.config_string = &config_string_fn;
        api_.config_int = &config_int_fn;
        api_.config_bool = &config_bool_fn;
        api_.config_error = &config_error_fn;
        api_.emit_event = &emit_event_fn;
        api_.reject_item = &reject_item_fn;
        api_.callback_error = &callback_error_fn;
        api_.add_header = &add_header_fn;
        api_.verify_meta = &verify_meta_fn;
    }

    ~fake_host()
    {
        for (void* handle : libraries_) {
            dlclose(handle);
        }
    }

    fake_host(const fake_host&) = delete;
    fake_host& operator=(const fake_host&) = delete;

    const mg_host_api* api() const noexcept { return &api_; }

    /// Calls a linked-in entry point. Throws when it returns no descriptor.
    const mg_driver& load(mg_driver_entry_fn entry)
    {
        const mg_driver* d = entry(&api_);
        if (d == nullptr) {
            throw std::runtime_error("mg_driver_entry returned no descriptor");
        }
        return *d;
    }

    /// Opens a built driver .so (RTLD_LOCAL, as the gateway does) and calls its entry point.
    const mg_driver& load_library(const std::string& path)
    {
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            throw std::runtime_error(std::string("dlopen: ") + dlerror());
        }
        libraries_.push_back(handle);
        void* symbol = dlsym(handle, MG_DRIVER_ENTRY_SYMBOL);
        if (symbol == nullptr) {
            throw std::runtime_error(path + ": no " MG_DRIVER_ENTRY_SYMBOL);
        }
        return load(reinterpret_cast<mg_driver_entry_fn>(symbol));
    }

    /// A driver instance; destroys itself through the driver.
    class instance {
    public:
        instance(const mg_driver& driver, mg_instance* raw) : driver_(&driver), raw_(raw) {}
        instance(instance&& other) noexcept
            : driver_(other.driver_), raw_(std::exchange(other.raw_, nullptr))
        {
        }
        instance& operator=(instance&&) = delete;
        ~instance()
        {
            if (raw_ != nullptr) {
                driver_->destroy(raw_);
            }
        }
        const mg_driver& driver() const noexcept { return *driver_; }
        mg_instance* raw() const noexcept { return raw_; }

    private:
        const mg_driver* driver_;
        mg_instance* raw_;
    };

    /// Creates an instance with these options (defaults from the table are applied).
    /// Throws std::runtime_error with the driver's message when create() fails.
    instance create(const mg_driver& driver, const options_map& options = {})
    {
        config cfg;
        cfg.host = this;
        cfg.values = with_defaults(driver, options);
        mg_instance* raw = nullptr;
        mg_status status = driver.create(reinterpret_cast<mg_host_ctx*>(this),
                                         reinterpret_cast<const mg_config*>(&cfg), &raw);
        if (status != MG_OK) {
            throw std::runtime_error("create failed (status " + std::to_string(status) +
                                     "): " + cfg.error);
        }
        return instance(driver, raw);
    }

    callback_result parse(const instance& inst, const request& req)
    {
        std::vector<mg_header> headers;
        for (const auto& [name, value] : req.headers) {
            headers.push_back(mg_header{to_mg_str(name), to_mg_str(value)});
        }
        mg_http_request raw{};
        raw.struct_size = sizeof(mg_http_request);
        raw.method = to_mg_str(req.method);
        raw.public_url = to_mg_str(req.public_url);
        raw.target = to_mg_str(req.target);
        raw.headers = headers.data();
        raw.header_count = headers.size();
        raw.body = to_mg_str(req.body);

        sink s;
        s.host = this;
        s.limit = inst.driver().max_callback_events;
        s.result.status =
            inst.driver().parse_callback(inst.raw(), &raw, reinterpret_cast<mg_callback_sink*>(&s));
        return std::move(s.result);
    }

    /// Shorthand: a POST of `body` with these headers.
    callback_result post(const instance& inst, std::string body,
                         std::vector<std::pair<std::string, std::string>> headers = {})
    {
        request req;
        req.body = std::move(body);
        req.headers = std::move(headers);
        return parse(inst, req);
    }

    /// Runs decorate(); returns the status and the headers added.
    std::pair<mg_status, std::vector<std::pair<std::string, std::string>>>
    decorate(const instance& inst, const message& msg)
    {
        mg_outbound_message raw{};
        raw.struct_size = sizeof(mg_outbound_message);
        raw.message_id = to_mg_str(msg.message_id);
        raw.campaign_id = to_mg_str(msg.campaign_id);
        raw.recipient = to_mg_str(msg.recipient);
        raw.meta = to_mg_str(msg.meta);
        raw.from = to_mg_str(msg.from);
        raw.subject = to_mg_str(msg.subject);
        std::vector<std::pair<std::string, std::string>> headers;
        mg_status status =
            inst.driver().decorate(inst.raw(), &raw, reinterpret_cast<mg_header_sink*>(&headers));
        return {status, std::move(headers)};
    }

    /// Declares `meta` a token the gateway signed for `email`: verify_meta accepts exactly the
    /// pairs declared here (a driver's tests need no signing key).
    void accept_meta(const std::string& meta, const std::string& email)
    {
        std::lock_guard<std::mutex> lock(mutex_);
        metas_.emplace(meta, email);
    }

    /// Every log line so far, as "LEVEL message".
    std::vector<std::string> logs() const
    {
        std::lock_guard<std::mutex> lock(mutex_);
        return logs_;
    }

private:
    struct config {
        fake_host* host = nullptr;
        options_map values;
        std::string error;
    };

    struct sink {
        fake_host* host = nullptr;
        callback_result result;
        uint32_t limit = 0;
    };

    // Checks the options as the gateway does (required keys, integer and bool syntax) and
    // applies the table's defaults.
    static options_map with_defaults(const mg_driver& driver, options_map values)
    {
        const char* bytes = reinterpret_cast<const char*>(driver.options);
        for (uint32_t i = 0; i < driver.option_count; ++i) {
            const auto* o = reinterpret_cast<const mg_option*>(bytes);
            bytes += o->struct_size;
            auto given = values.find(o->name);
            if (given == values.end()) {
                if ((o->flags & MG_OPTION_REQUIRED) != 0) {
                    throw std::runtime_error(std::string("missing required option '") + o->name +
                                             "'");
                }
                if (o->default_value != nullptr) {
                    values[o->name] = o->default_value;
                }
                continue;
            }
            if (!of_type(o->type, given->second)) {
                throw std::runtime_error(std::string("option '") + o->name +
                                         "' has a value of the wrong type");
            }
        }
        return values;
    }

    static bool of_type(int32_t type, const std::string& text)
    {
        if (type == MG_OPTION_BOOL) {
            return text == "true" || text == "false";
        }
        if (type == MG_OPTION_INT) {
            std::size_t digits = (!text.empty() && text[0] == '-') ? 1 : 0;
            return text.size() > digits &&
                   text.find_first_not_of("0123456789", digits) == std::string::npos;
        }
        return true;
    }

    static const config& cfg(const mg_config* c) { return *reinterpret_cast<const config*>(c); }

    static const std::string* find(const mg_config* c, const char* name)
    {
        auto it = cfg(c).values.find(name);
        return it == cfg(c).values.end() ? nullptr : &it->second;
    }

    static void log_fn(mg_host_ctx* ctx, int32_t level, mg_str message) noexcept
    {
        static const char* const names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
        auto* self = reinterpret_cast<fake_host*>(ctx);
        const char* name = (level >= 0 && level <= 3) ? names[level] : "?";
        std::lock_guard<std::mutex> lock(self->mutex_);
        self->logs_.push_back(std::string(name) + " " + std::string(to_view(message)));
    }

    static mg_status config_string_fn(const mg_config* c, const char* name, mg_str* out) noexcept
    {
        const std::string* v = find(c, name);
        if (v == nullptr) {
            return MG_NOT_FOUND;
        }
        *out = to_mg_str(*v);
        return MG_OK;
    }

    static mg_status config_int_fn(const mg_config* c, const char* name, int64_t* out) noexcept
    {
        const std::string* v = find(c, name);
        if (v == nullptr) {
            return MG_NOT_FOUND;
        }
        try {
            std::size_t used = 0;
            *out = std::stoll(*v, &used);
            return used == v->size() ? MG_OK : MG_INVALID_CONFIG;
        } catch (...) {
            return MG_INVALID_CONFIG;
        }
    }

    static mg_status config_bool_fn(const mg_config* c, const char* name, int32_t* out) noexcept
    {
        const std::string* v = find(c, name);
        if (v == nullptr) {
            return MG_NOT_FOUND;
        }
        if (*v != "true" && *v != "false") {
            return MG_INVALID_CONFIG;
        }
        *out = *v == "true" ? 1 : 0;
        return MG_OK;
    }

    static void config_error_fn(const mg_config* c, const char* name, mg_str message) noexcept
    {
        auto& error = const_cast<config&>(cfg(c)).error;
        error = (name != nullptr ? std::string(name) + ": " : std::string()) +
                std::string(to_view(message));
    }

    static sink& sink_of(mg_callback_sink* s) { return *reinterpret_cast<sink*>(s); }

    static bool over_limit(const sink& s)
    {
        return s.limit != 0 && s.result.events.size() + s.result.rejected.size() >= s.limit;
    }

    static mg_status emit_event_fn(mg_callback_sink* s, const mg_event* e) noexcept
    {
        if (over_limit(sink_of(s))) {
            return MG_TOO_MANY_EVENTS;
        }
        recorded_event r;
        r.kind = e->kind;
        r.flags = e->flags;
        r.occurred_at = e->occurred_at;
        r.email = std::string(to_view(e->email));
        r.meta = std::string(to_view(e->meta));
        r.description = std::string(to_view(e->description));
        r.provider_event_id = std::string(to_view(e->provider_event_id));
        r.detail_json = std::string(to_view(e->detail_json));
        if (MG_HAS_FIELD(e, mg_event, smtp_code)) {
            r.reason = std::string(to_view(e->reason));
            r.smtp_code = e->smtp_code;
            r.status = std::string(to_view(e->status));
            r.remote_mta = std::string(to_view(e->remote_mta));
        }
        sink_of(s).result.events.push_back(std::move(r));
        return MG_OK;
    }

    static mg_status reject_item_fn(mg_callback_sink* s, const mg_rejected_item* item) noexcept
    {
        if (over_limit(sink_of(s))) {
            return MG_TOO_MANY_EVENTS;
        }
        sink_of(s).result.rejected.push_back(
            {std::string(to_view(item->item_json)), std::string(to_view(item->reason))});
        return MG_OK;
    }

    static void callback_error_fn(mg_callback_sink* s, mg_str message) noexcept
    {
        sink_of(s).result.error = std::string(to_view(message));
    }

    static mg_status add_header_fn(mg_header_sink* s, mg_str name, mg_str value) noexcept
    {
        for (std::string_view part : {to_view(name), to_view(value)}) {
            if (part.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
                return MG_BAD_REQUEST;
            }
        }
        reinterpret_cast<std::vector<std::pair<std::string, std::string>>*>(s)->emplace_back(
            std::string(to_view(name)), std::string(to_view(value)));
        return MG_OK;
    }

    static mg_status verify_meta_fn(mg_callback_sink* s, mg_str meta, mg_str email) noexcept
    {
        fake_host* self = sink_of(s).host;
        std::lock_guard<std::mutex> lock(self->mutex_);
        auto range = self->metas_.equal_range(std::string(to_view(meta)));
        for (auto it = range.first; it != range.second; ++it) {
            if (it->second == to_view(email)) {
                return MG_OK;
            }
        }
        return MG_UNAUTHORIZED;
    }

    mg_host_api api_{};
    mutable std::mutex mutex_;
    std::multimap<std::string, std::string> metas_;
    std::vector<std::string> logs_;
    std::vector<void*> libraries_;
};

} // namespace mailgate::sdk::testing
