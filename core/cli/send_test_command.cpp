#include "core/cli/command_options.hpp"

#include "core/addressing/address.hpp"
#include "core/base/clock.hpp"
#include "core/cli/gateway_setup.hpp"
#include "core/outbound/api/test_email.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <iostream>

namespace mailgate::core::cli {
namespace {

outbound::request::message_request addresses_of(const command_options& options)
{
    std::string body = "{\"provider\": \"-\", \"text\": \"-\", \"to\": " +
                       boost::json::serialize(boost::json::value(*options.to));
    if (options.from) {
        body += ", \"from\": " + boost::json::serialize(boost::json::value(*options.from));
    }
    return outbound::request::parse_message_request(body + "}");
}

void print(const outbound::api::test_email_result& r)
{
    const auto& o = r.outcome;
    std::cout << "test message " << r.message_id << " from " << r.from << " to " << r.to
              << " through provider '" << r.provider << "'\n\n";
    for (const auto& line : r.transcript) {
        std::cout << line.from << ": " << line.text << "\n";
    }
    std::cout << "\n";
    if (!o.tls_version.empty()) {
        std::cout << "TLS: " << o.tls_version << " " << o.tls_cipher << "\n";
    }
    if (o.ok()) {
        std::cout << "sent: " << o.reply.str() << "\n";
        return;
    }
    std::cout << "FAILED at " << o.phase << ": " << describe(o.failure)
              << (o.permanent ? " (permanent)" : " (transient)") << "\n  "
              << (o.reply.code != 0 ? o.reply.str() : o.error) << "\nhint: " << hint(o.failure)
              << "\n";
}

} // namespace

int run_send_test(const command_options& options)
{
    if (!options.provider || !options.to) {
        std::cerr << "usage: mailgate send-test --provider NICK --to ADDRESS [--from ADDRESS] "
                     "[--json] [--allow-suppressed]\n";
        return 2;
    }
    // The store only for the suppression list: an explicit --allow-suppressed needs none.
    gateway gw = open_gateway(options, !options.allow_suppressed);
    const auto senders = outbound::delivery::sending_providers(gw.providers, gw.config.outbound);
    auto provider = std::find_if(senders.begin(), senders.end(), [&](const auto& p) {
        return p.instance->provider() == *options.provider;
    });
    if (provider == senders.end()) {
        std::cerr << "mailgate: no provider named '" << *options.provider << "' sends mail\n";
        return 1;
    }
    outbound::request::message_request addresses;
    try {
        addresses = addresses_of(options);
    } catch (const outbound::request::request_error& e) {
        std::cerr << "mailgate: " << e.what() << "\n";
        return 2;
    }
    if (gw.store) {
        const auto& to = addresses.to.front().to.addr;
        if (auto s =
                gw.store->find_suppression(addressing::canonical_email(to),
                                           gw.suppression.default_stream(), base::unix_ms_now())) {
            std::cerr << "mailgate: " << outbound::api::suppressed_refusal(to, *s)
                      << " (--allow-suppressed sends anyway)\n";
            return 1;
        }
    }
    outbound::api::message_composer composer(gw.meta_codec.get(), gw.unsubscribe_codec.get(),
                                             gw.config.server.public_url);
    boost::asio::io_context io;
    auto result = boost::asio::co_spawn(
        io,
        outbound::api::send_test_email(*provider, composer, addresses.to.front(), addresses.from),
        boost::asio::use_future);
    io.run();
    const auto r = result.get();
    if (options.json) {
        std::cout << boost::json::serialize(outbound::api::to_json(r)) << "\n";
    } else {
        print(r);
    }
    return r.outcome.ok() ? 0 : 1;
}

} // namespace mailgate::core::cli
