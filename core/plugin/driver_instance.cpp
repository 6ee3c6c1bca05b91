#include "core/plugin/driver_instance.hpp"

#include <mailgate/sdk/str.hpp>

namespace mailgate::core::plugin {
namespace {

using sdk::to_mg_str;

bool known_status(mg_status s)
{
    return s >= MG_OK && s <= MG_UNSUPPORTED;
}

std::string create_failure(const std::string& provider, const config_handle& config,
                           mg_status status)
{
    std::string message = "provider '" + provider + "'";
    if (config.error_option) {
        message += ": option '" + *config.error_option + "'";
    }
    message += ": " + (config.error_message.empty()
                           ? "the driver refused to start (status " + std::to_string(status) + ")"
                           : config.error_message);
    return message;
}

} // namespace

driver_instance::driver_instance(std::shared_ptr<const driver_library> library,
                                 std::string provider,
                                 const std::map<std::string, std::string>& values)
    : library_(std::move(library)), context_(std::make_unique<host_context>(
                                        host_context{std::move(provider), library_->label()})),
      options_(values)
{
    config_handle config;
    config.values = &values;
    mg_instance* created = nullptr;
    mg_status status =
        library_->descriptor().create(handle(context_.get()), handle(&config), &created);
    if (status != MG_OK || created == nullptr) {
        throw create_error(create_failure(context_->provider, config, status),
                           config.error_option.value_or(""));
    }
    instance_ = created;
}

driver_instance::~driver_instance()
{
    library_->descriptor().destroy(instance_);
}

parsed_callback driver_instance::parse_callback(const raw_callback& request) const
{
    const mg_driver& d = library_->descriptor();
    if (d.parse_callback == nullptr) {
        return parsed_callback{MG_UNSUPPORTED, {}, {}, "this provider takes no callbacks"};
    }
    std::vector<mg_header> headers;
    headers.reserve(request.headers.size());
    for (const auto& [name, value] : request.headers) {
        headers.push_back(mg_header{to_mg_str(name), to_mg_str(value)});
    }
    mg_http_request raw{};
    raw.struct_size = sizeof(raw);
    raw.method = to_mg_str(request.method);
    raw.public_url = to_mg_str(request.public_url);
    raw.target = to_mg_str(request.target);
    raw.headers = headers.data();
    raw.header_count = headers.size();
    raw.body = to_mg_str(request.body);

    callback_collector collector;
    collector.limit = d.max_callback_events;
    collector.meta_codec = request.meta_codec;
    mg_status status = d.parse_callback(instance_, &raw, handle(&collector));
    parsed_callback result = std::move(collector.result);
    result.status = known_status(status) ? status : MG_INTERNAL_ERROR;
    if (collector.overflowed) {
        result.status = MG_TOO_MANY_EVENTS;
        result.error = "More than allowed events received.";
    }
    if (result.status != MG_OK) {
        result.events.clear();
        result.rejected.clear();
    }
    return result;
}

decorate_result driver_instance::decorate(const decorate_request& message) const
{
    const mg_driver& d = library_->descriptor();
    decorate_result result;
    if (d.decorate == nullptr) {
        return result;
    }
    mg_outbound_message raw{};
    raw.struct_size = sizeof(raw);
    raw.message_id = to_mg_str(message.message_id);
    raw.campaign_id = to_mg_str(message.campaign_id);
    raw.recipient = to_mg_str(message.recipient);
    raw.meta = to_mg_str(message.meta);
    raw.from = to_mg_str(message.from);
    raw.subject = to_mg_str(message.subject);
    mg_status status = d.decorate(instance_, &raw, handle(&result.headers));
    result.status = known_status(status) ? status : MG_INTERNAL_ERROR;
    if (result.status != MG_OK) {
        result.headers.clear();
    }
    return result;
}

} // namespace mailgate::core::plugin
