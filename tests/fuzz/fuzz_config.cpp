// Bytes as the configuration file through load_config (what `mailgate check-config` and
// `serve` run), and as a secret value through the enc:v1: decoder under a fixed key.
//
// Input: the file as it is, written to a memfd that load_config reads by its /proc path (it
// takes a path; yaml-cpp reads the file itself). YAML is text a mutation handles well; the
// dict gives the sections, fields and YAML's own syntax (anchors, aliases, tags, flow). The same
// bytes are then a secret value: decrypted as written and after "enc:v1:", and encrypted and
// decrypted back, then altered by one byte, which must not decrypt.
//
// A refusal is a config_error whose every problem starts with "file:line:column:" (or says
// the file cannot be read), within the input; nothing else may escape.

#include "core/config/config_error.hpp"
#include "core/config/gateway_config.hpp"
#include "core/config/secret.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

namespace config = mailgate::core::config;

void check(bool ok)
{
    if (!ok) {
        std::abort();
    }
}

const config::secret_key& key()
{
    static const auto k =
        config::secret_key::from_text("bWFpbGdhdGUtZnV6ei1zZWNyZXRzLWtleS0wMTIzNDU=");
    return k;
}

struct memfd {
    int fd = memfd_create("mailgate-fuzz-config.yaml", 0);
    std::string path = "/proc/self/fd/" + std::to_string(fd);
};

const memfd& file()
{
    static const memfd f;
    check(f.fd >= 0);
    return f;
}

bool digits_then_colon(std::string_view text, std::size_t& at, std::size_t& value)
{
    const std::size_t start = at;
    value = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9' && at - start < 9) {
        value = value * 10 + static_cast<std::size_t>(text[at] - '0');
        ++at;
    }
    if (at == start || at == text.size() || text[at] != ':') {
        return false;
    }
    ++at;
    return true;
}

// "path:line:column: ..." with a line of the input (or the one past its end, where yaml-cpp
// reports an unexpected end).
void check_problem(std::string_view problem, std::string_view path, std::size_t input_lines)
{
    check(problem.starts_with(path) && problem.size() > path.size() + 1 &&
          problem[path.size()] == ':');
    if (problem.substr(path.size()) == ": cannot read the file") {
        return;
    }
    std::size_t at = path.size() + 1;
    std::size_t line = 0;
    std::size_t column = 0;
    check(digits_then_colon(problem, at, line) && digits_then_colon(problem, at, column));
    check(line >= 1 && line <= input_lines + 1 && column >= 1);
}

void load(std::string_view text)
{
    const auto& f = file();
    check(ftruncate(f.fd, 0) == 0);
    check(pwrite(f.fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size()));
    std::size_t lines = 1;
    for (const char c : text) {
        lines += c == '\n' || c == '\r' ? 1 : 0;
    }
    try {
        (void)config::load_config(f.path);
    } catch (const config::config_error& e) {
        check(!e.problems().empty());
        for (const auto& problem : e.problems()) {
            check_problem(problem, f.path, lines);
        }
    }
}

void secrets(std::string_view text)
{
    for (const auto& value : {std::string(text), "enc:v1:" + std::string(text)}) {
        try {
            (void)config::decrypt_secret(value, key());
        } catch (const std::runtime_error& e) {
            // Errors never show the value (secret.hpp): one of decrypt_secret's fixed messages.
            const std::string_view what = e.what();
            check(what == "unsupported secret format: expected an enc:v1: value" ||
                  what == "enc:v1: value is not valid base64" ||
                  what == "enc:v1: value is too short" ||
                  what == "cannot decrypt: wrong key or altered value" ||
                  (what.starts_with("AES-256-GCM ") && what.ends_with(" failed")));
        }
    }
    const std::string sealed = config::encrypt_secret(text, key());
    check(sealed.starts_with("enc:v1:"));
    check(config::decrypt_secret(sealed, key()) == text);
    if (!text.empty()) {
        std::string altered = sealed;
        const std::size_t at = 7 + static_cast<unsigned char>(text[0]) % (sealed.size() - 7);
        altered[at] = altered[at] == 'A' ? 'B' : 'A';
        try {
            (void)config::decrypt_secret(altered, key());
            std::abort();
        } catch (const std::runtime_error&) {
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    load(text);
    secrets(text);
    return 0;
}
