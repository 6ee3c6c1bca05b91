#include "gateway_process.hpp"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace mailgate::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bh = beast::http;

std::string read_all(const std::filesystem::path& file)
{
    std::ifstream in(file);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

} // namespace

gateway_process::gateway_process(gateway_options options) : options_(std::move(options))
{
    char pattern[] = "/tmp/mailgate-it-XXXXXX";
    dir_ = mkdtemp(pattern);
    write_config();
    start();
}

gateway_process::~gateway_process()
{
    if (pid_ > 0) {
        stop(SIGKILL);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

void gateway_process::write_config() const
{
    std::ofstream(dir_ / "mailgate.yaml")
        << "server:\n"
        << "  listen: 127.0.0.1:0\n"
        << "  public_url: https://gateway.test\n"
        << options_.extra_server_yaml
        << (options_.storage_yaml.empty()
                ? "storage:\n  path: " + (dir_ / "var/mailgate.db").string() + "\n"
                : options_.storage_yaml)
        << options_.extra_sections_yaml << "admin:\n"
        << "  token: " << options_.admin_token << "\n"
        << options_.extra_admin_yaml << "plugins:\n"
        << "  directory: " << MAILGATE_PLUGIN_DIR << "\n"
        << "providers:\n"
        << "  - nickname: legacy\n"
        << "    driver: legacy\n"
        << "    host: 127.0.0.1\n"
        << "    port: 2525\n"
        << "    scheme: smtp\n"
        << options_.extra_providers_yaml;
}

void gateway_process::start()
{
    const auto port_file = dir_ / "port";
    std::filesystem::remove(port_file);
    const std::string config = (dir_ / "mailgate.yaml").string();
    const std::string port_arg = port_file.string();
    const std::string log = (dir_ / "output.log").string();

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    std::vector<std::string> args{MAILGATE_BINARY, "serve",       "--config",
                                  config,          "--port-file", port_arg};
    args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, MAILGATE_BINARY, &actions, nullptr, argv.data(), environ) != 0) {
        throw std::runtime_error("cannot start " MAILGATE_BINARY);
    }
    posix_spawn_file_actions_destroy(&actions);

    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!std::filesystem::exists(port_file)) {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            throw std::runtime_error("mailgate exited at start-up:\n" + output());
        }
        if (std::chrono::steady_clock::now() > deadline) {
            throw std::runtime_error("mailgate did not start listening:\n" + output());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    port_ = static_cast<uint16_t>(std::stoi(read_all(port_file)));
}

int gateway_process::stop(int signal)
{
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string gateway_process::output() const
{
    return read_all(dir_ / "output.log");
}

http_reply gateway_process::request(const std::string& method, const std::string& target,
                                    const std::string& body,
                                    const std::map<std::string, std::string>& headers) const
{
    asio::io_context ioc;
    beast::tcp_stream stream(ioc);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    bh::request<bh::string_body> req{bh::string_to_verb(method), target, 11};
    req.set(bh::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) {
        req.set(name, value);
    }
    req.body() = body;
    req.prepare_payload();
    bh::write(stream, req);

    beast::flat_buffer buffer;
    bh::response_parser<bh::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.skip(method == "HEAD");
    bh::read(stream, buffer, parser);
    const auto& res = parser.get();
    http_reply reply{static_cast<int>(res.result_int()), {}, res.body()};
    for (const auto& field : res) {
        std::string name(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        reply.headers[name] = std::string(field.value());
    }
    return reply;
}

http_reply gateway_process::admin(const std::string& method, const std::string& target,
                                  const std::string& body) const
{
    return request(method, target, body, {{"Authorization", "Bearer " + options_.admin_token}});
}

} // namespace mailgate::test
