// `mailgate secret`: the operator's tool for the secrets key and enc:v1: values. Decrypt is the
// one place a secret is printed, on purpose: it is how an operator checks what a value holds.

#include "core/cli/command_options.hpp"
#include "core/config/secret.hpp"

#include <boost/program_options.hpp>

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <string>

namespace po = boost::program_options;

namespace mailgate::core::cli {
namespace {

constexpr const char* usage =
    "usage: mailgate secret <action> [options]\n\n"
    "actions:\n"
    "  generate-key   print a new secrets key (base64) on stdout\n"
    "  encrypt        read a secret on stdin, print its enc:v1: value\n"
    "  decrypt        read an enc:v1: value on stdin, print the secret\n\n";

config::secret_key read_key(const po::variables_map& vm)
{
    if (vm.count("key-file") != 0) {
        return config::secret_key::from_text(
            config::read_secret_file(vm["key-file"].as<std::string>()));
    }
    const char* env = std::getenv("MAILGATE_SECRET_KEY");
    if (env == nullptr) {
        throw po::error("no key: give --key-file PATH or set MAILGATE_SECRET_KEY");
    }
    return config::secret_key::from_text(env);
}

std::string read_stdin()
{
    return config::without_trailing_newline(
        std::string(std::istreambuf_iterator<char>(std::cin), {}));
}

void run_action(const std::string& action, const po::variables_map& vm)
{
    if (action == "generate-key") {
        if (vm.count("key-file") != 0) {
            throw po::error("generate-key prints the new key; it takes no --key-file");
        }
        std::cout << config::secret_key::generate().to_text() << "\n";
    } else if (action == "encrypt") {
        const auto key = read_key(vm);
        std::cout << config::encrypt_secret(read_stdin(), key) << "\n";
    } else if (action == "decrypt") {
        const auto key = read_key(vm);
        std::cout << config::decrypt_secret(read_stdin(), key) << "\n";
    } else {
        // Not echoed: a secret typed in the wrong place must not end up on the terminal.
        throw po::error("unknown action (expected generate-key, encrypt or decrypt)");
    }
}

int run(int argc, char** argv)
{
    po::options_description options("options");
    options.add_options()("help,h", "show this help")(
        "key-file", po::value<std::string>()->value_name("PATH"),
        "file holding the secrets key (default: $MAILGATE_SECRET_KEY)");
    po::options_description all;
    all.add(options).add_options()("action", po::value<std::string>());
    po::positional_options_description positional;
    positional.add("action", 1);

    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);

    if (vm.count("help") != 0) {
        std::cout << usage << options;
        return 0;
    }
    if (vm.count("action") == 0) {
        throw po::error("no action given");
    }
    run_action(vm["action"].as<std::string>(), vm);
    // A key written to a full disk must not look like success.
    if (!std::cout.flush()) {
        throw std::runtime_error("cannot write to stdout");
    }
    return 0;
}

} // namespace

int run_secret(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const po::error& e) {
        std::cerr << "mailgate secret: " << e.what() << " (see mailgate secret --help)\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "mailgate secret: " << e.what() << "\n";
        return 1;
    }
}

} // namespace mailgate::core::cli
