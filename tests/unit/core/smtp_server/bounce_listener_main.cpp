// The bounce SMTP listener as a process, for the interop test with independent clients
// (tests/integration/smtp_listener_interop.py): takes b-*@bounce.example, writes each message
// the sink is given to DIR/N.eml (and its recipient to DIR/N.rcpt), and stops on SIGTERM.
//
//   bounce-listener-test DIR PORT_FILE [--tls] [--max-size N]

#include "core/smtp_server/server.hpp"

#include "tests/support/test_certificate.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <pthread.h>
#include <string>

namespace {

namespace smtp = mailgate::core::smtp_server;

bool is_bounce_address(std::string_view address)
{
    return address.starts_with("b-") && address.ends_with("@bounce.example");
}

mailgate::core::bounces::message_sink file_sink(std::string dir)
{
    auto count = std::make_shared<int>(0);
    auto mutex = std::make_shared<std::mutex>();
    return [dir = std::move(dir), count, mutex](std::string raw, std::string recipient,
                                                mailgate::core::bounces::sink_done done) {
        std::lock_guard lock(*mutex);
        const auto base = dir + "/" + std::to_string(++*count);
        std::ofstream(base + ".eml", std::ios::binary) << raw;
        std::ofstream(base + ".rcpt") << recipient;
        done({}, mailgate::core::bounces::sink_outcome::handled);
    };
}

} // namespace

int main(int argc, char** argv)
{
    if (argc < 3) {
        std::cerr << "usage: bounce-listener-test DIR PORT_FILE [--tls] [--max-size N]\n";
        return 2;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);

    mailgate::core::config::bounce_listener_config config;
    config.port = 0;
    config.host_name = "listener.test";
    for (int i = 3; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--tls") {
            const auto cert = mailgate::testing::make_test_certificate({"listener.test"});
            config.tls_certificate = cert.certificate;
            config.tls_private_key = cert.private_key;
        } else if (arg == "--max-size" && i + 1 < argc) {
            config.max_message_size = std::strtoull(argv[++i], nullptr, 10);
        }
    }
    mailgate::core::metrics::registry metrics;
    smtp::server server(config, is_bounce_address, file_sink(argv[1]), metrics);
    server.start();
    {
        const std::string partial = std::string(argv[2]) + ".partial";
        std::ofstream(partial) << server.port() << "\n";
        std::rename(partial.c_str(), argv[2]);
    }
    int received = 0;
    sigwait(&stop, &received);
    server.stop();
    return 0;
}
