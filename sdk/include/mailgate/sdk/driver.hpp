#pragma once

/// The C++ layer of the mailgate SDK, compiled into each driver. A driver is a class derived
/// from `mailgate::sdk::driver` that declares its descriptor as static members and implements
/// the functions its capabilities name; `MAILGATE_DRIVER(Class)` exports it:
///
/// ```
/// namespace {
/// class my_driver final : public mailgate::sdk::driver {
/// public:
///     static constexpr const char* id = "my_esp";
///     static constexpr const char* version = "1.0.0";
///     static constexpr const char* description = "My ESP's webhooks";
///     static constexpr uint64_t capabilities = MG_CAP_CALLBACKS;
///     my_driver(const mailgate::sdk::config_view& config, mailgate::sdk::host_context host);
///     void parse_callback(const mailgate::sdk::callback_request& request,
///                         const mailgate::sdk::callback_sink& sink) const;
/// };
/// }
/// MAILGATE_DRIVER(my_driver)
/// ```
///
/// Optional static members: `options` (a `std::array<mg_option, N>`, see options.hpp) and
/// `max_callback_events` (0: no count limit). With MG_CAP_DECORATE the class also has
/// `void decorate(const outbound_message&, const header_sink&) const`.
///
/// EXCEPTIONS: every entry point the SDK generates is noexcept; whatever the driver throws is
/// caught there and becomes a status (sdk::error keeps its own, anything else is
/// MG_INTERNAL_ERROR) with the exception's message.
/// THREADS: the constructor and destructor run on the host's control thread; parse_callback
/// and decorate run on the host's worker threads, concurrently on one instance, hence `const`.
/// The sink each gets is valid only inside that call, on its thread. A decorate that throws
/// refuses the whole send request it is part of.
/// LIFETIME: the host destroys an instance after its last call returned, and unloads the
/// library after its last instance is gone.

#include <mailgate/sdk/abi.h>
#include <mailgate/sdk/callback.hpp>
#include <mailgate/sdk/config.hpp>
#include <mailgate/sdk/error.hpp>
#include <mailgate/sdk/message.hpp>
#include <mailgate/sdk/options.hpp>
#include <mailgate/sdk/str.hpp>

#include <array>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <type_traits>

namespace mailgate::sdk {

/// A driver instance's link to the host, for logging. Cheap to copy; valid for the instance's
/// whole life. THREAD: any.
class host_context {
public:
    host_context(const mg_host_api* host, mg_host_ctx* ctx) noexcept : host_(host), ctx_(ctx) {}

    void log(int32_t level, std::string_view message) const noexcept
    {
        host_->log(ctx_, level, to_mg_str(message));
    }
    void debug(std::string_view message) const noexcept { log(MG_LOG_DEBUG, message); }
    void info(std::string_view message) const noexcept { log(MG_LOG_INFO, message); }
    void warn(std::string_view message) const noexcept { log(MG_LOG_WARN, message); }
    void error(std::string_view message) const noexcept { log(MG_LOG_ERROR, message); }

    const mg_host_api* api() const noexcept { return host_; }

private:
    const mg_host_api* host_;
    mg_host_ctx* ctx_;
};

/// The base of every driver class. Holds the host context; the derived class supplies the
/// descriptor and the functions (see the top of this file).
class driver {
public:
    static constexpr uint32_t max_callback_events = 0;
    static constexpr std::array<mg_option, 0> options{};

    driver(const driver&) = delete;
    driver& operator=(const driver&) = delete;

    const host_context& host() const noexcept { return host_; }

protected:
    explicit driver(host_context host) noexcept : host_(host) {}
    ~driver() = default;

private:
    host_context host_;
};

namespace detail {

// Per driver class, so two drivers never share it even when built without hidden visibility.
template <class D>
struct globals {
    static inline const mg_host_api* host = nullptr;
};

inline std::string current_exception_message()
{
    try {
        throw;
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown exception";
    }
}

template <class D>
mg_status create(mg_host_ctx* ctx, const mg_config* config, mg_instance** out) noexcept
{
    const mg_host_api* host = globals<D>::host;
    try {
        D* instance = new D(config_view(host, config), host_context(host, ctx));
        *out = reinterpret_cast<mg_instance*>(instance);
        return MG_OK;
    } catch (const config_error& e) {
        host->config_error(config, e.option().c_str(), to_mg_str(e.what()));
        return MG_INVALID_CONFIG;
    } catch (const error& e) {
        host->config_error(config, nullptr, to_mg_str(e.what()));
        return e.status() == MG_OK ? MG_INTERNAL_ERROR : e.status();
    } catch (...) {
        std::string message = current_exception_message();
        host->config_error(config, nullptr, to_mg_str(message));
        return MG_INTERNAL_ERROR;
    }
}

template <class D>
void destroy(mg_instance* instance) noexcept
{
    delete reinterpret_cast<D*>(instance);
}

template <class D>
const D& self(const mg_instance* instance) noexcept
{
    return *reinterpret_cast<const D*>(instance);
}

template <class D>
mg_status decorate(const mg_instance* instance, const mg_outbound_message* message,
                   mg_header_sink* sink) noexcept
{
    const D& d = self<D>(instance);
    try {
        d.decorate(outbound_message(*message), header_sink(globals<D>::host, sink));
        return MG_OK;
    } catch (const error& e) {
        d.host().error(std::string("decorate: ") + e.what());
        return e.status() == MG_OK ? MG_INTERNAL_ERROR : e.status();
    } catch (...) {
        d.host().error("decorate: " + current_exception_message());
        return MG_INTERNAL_ERROR;
    }
}

template <class D>
mg_status parse_callback(const mg_instance* instance, const mg_http_request* request,
                         mg_callback_sink* sink) noexcept
{
    const mg_host_api* host = globals<D>::host;
    try {
        self<D>(instance).parse_callback(callback_request(*request), callback_sink(host, sink));
        return MG_OK;
    } catch (const error& e) {
        host->callback_error(sink, to_mg_str(e.what()));
        return e.status() == MG_OK ? MG_INTERNAL_ERROR : e.status();
    } catch (...) {
        std::string message = current_exception_message();
        host->callback_error(sink, to_mg_str(message));
        return MG_INTERNAL_ERROR;
    }
}

template <class D>
const mg_driver* descriptor() noexcept
{
    static_assert(std::is_base_of_v<driver, D>, "a driver derives from mailgate::sdk::driver");
    static const mg_driver desc = [] {
        mg_driver d{};
        d.struct_size = sizeof(mg_driver);
        d.abi_major = MG_ABI_VERSION_MAJOR;
        d.abi_minor = MG_ABI_VERSION_MINOR;
        d.id = D::id;
        d.version = D::version;
        d.description = D::description;
        d.capabilities = D::capabilities;
        d.options = D::options.size() == 0 ? nullptr : D::options.data();
        d.option_count = static_cast<uint32_t>(D::options.size());
        d.max_callback_events = D::max_callback_events;
        d.create = &create<D>;
        d.destroy = &destroy<D>;
        if constexpr ((D::capabilities & MG_CAP_DECORATE) != 0) {
            d.decorate = &decorate<D>;
        }
        if constexpr ((D::capabilities & MG_CAP_CALLBACKS) != 0) {
            d.parse_callback = &parse_callback<D>;
        }
        return d;
    }();
    return &desc;
}

// The descriptor is returned whatever the host's version: the host reads its ABI fields and
// decides, so a mismatch is reported by the host with both versions named.
template <class D>
const mg_driver* entry(const mg_host_api* host) noexcept
{
    if (host == nullptr) {
        return nullptr;
    }
    globals<D>::host = host;
    return descriptor<D>();
}

} // namespace detail
} // namespace mailgate::sdk

/// Exports `driver_class` as this library's driver: defines `mg_driver_entry`, the one symbol
/// the library exports. Use it once per library, at global scope.
#define MAILGATE_DRIVER(driver_class)                                                              \
    extern "C" __attribute__((visibility("default"))) const mg_driver* mg_driver_entry(            \
        const mg_host_api* host) noexcept                                                          \
    {                                                                                              \
        return ::mailgate::sdk::detail::entry<driver_class>(host);                                 \
    }
