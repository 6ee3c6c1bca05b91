#include "tools/conformance/fixture.hpp"

#include "core/encoding/base64.hpp"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace mailgate::conformance {
namespace {

namespace json = boost::json;

std::string read_text(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + file.string());
    }
    return std::string(std::istreambuf_iterator<char>(in), {});
}

json::object read_object(const std::filesystem::path& file)
{
    json::error_code ec;
    json::value v = json::parse(read_text(file), ec);
    if (ec || !v.is_object()) {
        throw std::runtime_error(file.filename().string() + " is not a JSON object" +
                                 (ec ? " (" + ec.message() + ")" : ""));
    }
    return std::move(v.get_object());
}

std::string string_at(const json::object& o, std::string_view key, std::string fallback = {})
{
    const json::value* v = o.if_contains(key);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_string()) {
        throw std::runtime_error("'" + std::string(key) + "' must be a string");
    }
    return std::string(v->get_string());
}

json::object object_at(const json::object& o, std::string_view key)
{
    const json::value* v = o.if_contains(key);
    if (v == nullptr) {
        return {};
    }
    if (!v->is_object()) {
        throw std::runtime_error("'" + std::string(key) + "' must be an object");
    }
    return v->get_object();
}

// "body_repeat" builds a large body (a limit test) from a line of the fixture.
std::string repeated_body(const json::object& spec)
{
    const json::value* count = spec.if_contains("count");
    if (count == nullptr || !count->is_int64() || count->get_int64() < 0 ||
        count->get_int64() > 100000) {
        throw std::runtime_error("body_repeat.count must be an integer 0..100000");
    }
    std::string body = string_at(spec, "before");
    const std::string item = string_at(spec, "item");
    const std::string separator = string_at(spec, "separator");
    for (int64_t i = 0; i < count->get_int64(); ++i) {
        body += (i == 0 ? "" : separator) + item;
    }
    return body + string_at(spec, "after");
}

// "body_form" writes an application/x-www-form-urlencoded body; a field given as JSON (not a
// string) is sent as its JSON text, the way Mandrill sends mandrill_events.
std::string form_body(const json::object& fields)
{
    std::string body;
    for (const auto& [name, value] : fields) {
        const std::string text =
            value.is_string() ? std::string(value.get_string()) : json::serialize(value);
        body += (body.empty() ? "" : "&") +
                boost::urls::encode(name, boost::urls::unreserved_chars) + "=" +
                boost::urls::encode(text, boost::urls::unreserved_chars);
    }
    return body;
}

std::string request_body(const json::object& r)
{
    int given = 0;
    for (const char* key : {"body", "body_base64", "body_json", "body_form", "body_repeat"}) {
        given += int(r.contains(key));
    }
    if (given > 1) {
        throw std::runtime_error("give one of body, body_base64, body_json, body_form, "
                                 "body_repeat");
    }
    if (r.contains("body_form")) {
        return form_body(object_at(r, "body_form"));
    }
    if (r.contains("body_base64")) {
        auto decoded = core::encoding::base64_decode(string_at(r, "body_base64"));
        if (!decoded) {
            throw std::runtime_error("body_base64 is not base64");
        }
        return *decoded;
    }
    if (const json::value* v = r.if_contains("body_json")) {
        return json::serialize(*v);
    }
    if (r.contains("body_repeat")) {
        return repeated_body(object_at(r, "body_repeat"));
    }
    return string_at(r, "body");
}

fixture_request parse_request(const json::object& r, const std::string& default_url)
{
    fixture_request out;
    out.method = string_at(r, "method", "POST");
    out.url = string_at(r, "url", default_url);
    for (const auto& [name, value] : object_at(r, "headers")) {
        if (!value.is_string()) {
            throw std::runtime_error("header '" + std::string(name) + "' must be a string");
        }
        out.headers.emplace_back(name, value.get_string());
    }
    out.body = request_body(r);
    return out;
}

fixture parse_fixture(const std::filesystem::path& file, const std::string& default_url)
{
    fixture f;
    f.name = file.stem().string();
    try {
        const json::object o = read_object(file);
        f.description = string_at(o, "description");
        f.provider = object_at(o, "provider");
        f.request = parse_request(object_at(o, "request"), default_url);
        f.expect = object_at(o, "expect");
        if (!f.expect.contains("status")) {
            throw std::runtime_error("expect.status is required");
        }
    } catch (const std::exception& e) {
        f.error = e.what();
    }
    return f;
}
} // namespace

boost::json::object merged(const boost::json::object& base, const boost::json::object& overrides)
{
    json::object out = base;
    for (const auto& [key, value] : overrides) {
        out[key] = value;
    }
    return out;
}

fixture_set load_fixture_set(const std::filesystem::path& directory)
{
    fixture_set set;
    const auto set_file = directory / "set.json";
    if (std::filesystem::exists(set_file)) {
        try {
            const json::object o = read_object(set_file);
            set.provider = object_at(o, "provider");
            set.public_url = string_at(o, "public_url", set.public_url);
            const json::object hostile = object_at(o, "hostile");
            set.hostile_provider = merged(set.provider, object_at(hostile, "provider"));
            set.hostile_form_field = string_at(hostile, "form_field");
        } catch (const std::runtime_error& e) {
            throw std::runtime_error("set.json: " + std::string(e.what()));
        }
    } else {
        set.hostile_provider = set.provider;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (entry.path().extension() == ".json" && entry.path().filename() != "set.json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        set.cases.push_back(parse_fixture(file, set.public_url));
    }
    return set;
}

} // namespace mailgate::conformance
