// `mailgate-test-smtpd`: the test SMTP server as a process, for the shell-level tests. It runs
// until SIGTERM or SIGINT.

#include "tests/support/smtp_test_server.hpp"
#include "tests/support/test_certificate.hpp"

#include <boost/program_options.hpp>

#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace po = boost::program_options;
using namespace mailgate::testing;

namespace {

smtp_mode parse_mode(const std::string& name)
{
    static const std::map<std::string, smtp_mode> modes{{"plain", smtp_mode::plain},
                                                        {"starttls", smtp_mode::starttls},
                                                        {"smtps", smtp_mode::smtps}};
    const auto found = modes.find(name);
    if (found == modes.end()) {
        throw std::invalid_argument("--mode: plain, starttls or smtps, not '" + name + "'");
    }
    return found->second;
}

// Shell tests poll for these files: they must never see one half-written.
void write_atomically(const std::filesystem::path& file, const std::string& content)
{
    const auto partial = file.string() + ".partial";
    std::ofstream(partial, std::ios::binary) << content;
    std::filesystem::rename(partial, file);
}

std::string envelope_line(const received_message& message)
{
    std::string line = "from=<" + message.mail_from + "> to=";
    for (std::size_t i = 0; i < message.recipients.size(); ++i) {
        line += (i == 0 ? "<" : ",<") + message.recipients[i] + ">";
    }
    return line + "\n";
}

// The envelope goes last: its file appearing means the message is complete.
void write_messages(const std::filesystem::path& out, const std::vector<received_message>& all,
                    std::size_t& written)
{
    for (; written < all.size(); ++written) {
        const auto name = std::to_string(written + 1);
        write_atomically(out / (name + ".eml"), all[written].data);
        write_atomically(out / (name + ".envelope"), envelope_line(all[written]));
    }
}

void add_rejections(smtp_test_server& server, const std::vector<std::string>& rejections)
{
    for (const auto& rejection : rejections) {
        const auto equals = rejection.find('=');
        if (equals == std::string::npos) {
            throw std::invalid_argument("--reject: ADDRESS=REPLY, not '" + rejection + "'");
        }
        server.reject_recipient(rejection.substr(0, equals), rejection.substr(equals + 1));
    }
}

po::variables_map parse_options(int argc, char** argv)
{
    po::options_description options("options");
    options.add_options()("help,h", "show this help")(
        "mode", po::value<std::string>()->default_value("plain"), "plain, starttls or smtps")(
        "port-file", po::value<std::string>(), "write the bound port to this file")(
        "reject", po::value<std::vector<std::string>>()->composing(),
        "ADDRESS=REPLY: the RCPT reply for one address (repeatable)")(
        "out", po::value<std::string>(),
        "write message n as DIR/n.eml, then its envelope line as DIR/n.envelope")(
        "certificate-out", po::value<std::string>(),
        "starttls/smtps: copy the server's self-signed certificate here, for clients to trust");
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
    if (vm.count("help") != 0) {
        std::cout << "usage: mailgate-test-smtpd [options]\n\n" << options;
    }
    return vm;
}

smtp_server_options server_options(const po::variables_map& vm)
{
    smtp_server_options options;
    options.mode = parse_mode(vm["mode"].as<std::string>());
    if (options.mode != smtp_mode::plain) {
        options.certificate = make_test_certificate();
        if (vm.count("certificate-out") != 0) {
            std::filesystem::copy_file(options.certificate->certificate,
                                       vm["certificate-out"].as<std::string>(),
                                       std::filesystem::copy_options::overwrite_existing);
        }
    }
    return options;
}

int run(const po::variables_map& vm)
{
    // Blocked before the server's thread starts, so that thread inherits the mask and the
    // signal waits for sigtimedwait below.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    smtp_test_server server(server_options(vm));
    if (vm.count("reject") != 0) {
        add_rejections(server, vm["reject"].as<std::vector<std::string>>());
    }
    if (vm.count("port-file") != 0) {
        write_atomically(vm["port-file"].as<std::string>(), std::to_string(server.port()) + "\n");
    }
    const std::filesystem::path out = vm.count("out") != 0 ? vm["out"].as<std::string>() : "";
    if (!out.empty()) {
        std::filesystem::create_directories(out);
    }
    std::size_t written = 0;
    const timespec poll{0, 100'000'000};
    while (sigtimedwait(&signals, nullptr, &poll) < 0) {
        if (!out.empty()) {
            write_messages(out, server.messages(), written);
        }
    }
    if (!out.empty()) {
        write_messages(out, server.messages(), written);
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    try {
        const auto vm = parse_options(argc, argv);
        return vm.count("help") != 0 ? 0 : run(vm);
    } catch (const std::exception& e) {
        std::cerr << "mailgate-test-smtpd: " << e.what() << "\n";
        return 2;
    }
}
