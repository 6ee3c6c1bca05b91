#include "core/cli/command_options.hpp"

#include "core/admin/admin_api.hpp"
#include "core/callbacks/callback_endpoint.hpp"
#include "core/cli/gateway_setup.hpp"
#include "core/cli/gateway_warnings.hpp"
#include "core/http/server.hpp"
#include "core/imap/mailbox_poller.hpp"
#include "core/intake/bounce_intake.hpp"
#include "core/log/log.hpp"
#include "core/outbound/delivery/delivery_service.hpp"
#include "core/preferences/preference_center.hpp"
#include "core/service/gateway_handler.hpp"
#include "core/smtp_server/server.hpp"
#include "core/workers/blocking_pool.hpp"

#include <fmt/ranges.h>

#include <csignal>
#include <fstream>
#include <malloc.h>
#include <pthread.h>
#include <thread>

namespace mailgate::core::cli {
namespace {

http::server_options server_options(const config::server_config& c)
{
    http::server_options o;
    o.address = c.address;
    o.port = c.port;
    o.threads = c.threads;
    o.body_limit = c.body_limit;
    o.header_limit = c.header_limit;
    o.read_timeout = c.read_timeout;
    o.idle_timeout = c.idle_timeout;
    o.max_connections = c.max_connections;
    if (c.tls) {
        o.tls = http::tls_options{c.tls->certificate, c.tls->private_key};
    }
    return o;
}

workers::blocking_pool_options worker_options(const config::server_config& c)
{
    return {c.workers, c.worker_queue, c.handler_timeout};
}

// Stops the workers when it leaves scope. Declared after the server, it joins them before the
// server's I/O contexts, where they post their results, and everything they use are destroyed,
// whichever way run_serve ends.
class workers_stop {
public:
    explicit workers_stop(workers::blocking_pool& workers) : workers_(workers) {}
    ~workers_stop() { workers_.stop(); }
    workers_stop(const workers_stop&) = delete;
    workers_stop& operator=(const workers_stop&) = delete;

private:
    workers::blocking_pool& workers_;
};

// SIGINT/SIGTERM are blocked in every thread and taken by one waiting thread, so the stop runs
// as ordinary code, not in a signal handler.
sigset_t stop_signals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

outbound::delivery::delivery_options delivery_options(const config::outbound_config& c,
                                                      const events::suppression_policy& policy)
{
    outbound::delivery::delivery_options o;
    o.suppression = policy;
    o.node_id = c.node_id.empty() ? outbound::delivery::local_host_name() : c.node_id;
    o.max_in_flight = c.max_in_flight;
    o.retry = {c.retry_initial, c.retry_max, c.max_age};
    o.lease = c.lease;
    o.poll_interval = c.poll_interval;
    o.stop_grace = c.stop_grace;
    return o;
}

// After each commit the storage writer frees what the group held (request bodies, message
// contents, SQLite's buffers), and glibc handed the pages back to the kernel at once, only to
// fault them in again for the next group: half of the writer's system time when sending.
// Free memory up to this much stays with its arena; blocks up to the mmap threshold come
// from the arenas too, as glibc's own adaptive threshold would let them.
void keep_freed_memory()
{
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
}

// The listener takes mail for the signed return paths at the bounce domains only: anything
// else is refused at RCPT, so it is neither a relay nor a target for backscatter.
std::unique_ptr<smtp_server::server> bounce_listener(const gateway& gw,
                                                     intake::bounce_intake& bounces)
{
    if (!gw.config.bounces.listen) {
        return nullptr;
    }
    auto logger = log::get("gateway");
    const auto domains = bounce_domains(gw);
    auto listener = std::make_unique<smtp_server::server>(
        *gw.config.bounces.listen,
        [codec = gw.return_path_codec.get(), domains](std::string_view rcpt) {
            return codec != nullptr && codec->decode(rcpt, domains).has_value();
        },
        bounces.sink("smtp"), *gw.metrics);
    logger->info("bounce listener on {}:{} for {}", gw.config.bounces.listen->address,
                 listener->port(), fmt::join(domains, ", "));
    return listener;
}

// One poller a mailbox, each on its own thread, their positions kept in the store.
std::vector<std::unique_ptr<imap::mailbox_poller>>
mailbox_pollers(const gateway& gw, imap::cursor_store& cursors, intake::bounce_intake& bounces)
{
    std::vector<std::unique_ptr<imap::mailbox_poller>> out;
    const auto& mailboxes = gw.config.bounces.mailboxes;
    for (std::size_t i = 0; i < mailboxes.size(); ++i) {
        out.push_back(std::make_unique<imap::mailbox_poller>(
            mailboxes[i], gw.mailbox_passwords[i], cursors,
            bounces.sink("imap:" + mailboxes[i].name), *gw.metrics));
        log::get("gateway")->info("bounce mailbox '{}': {}@{}:{} {}", mailboxes[i].name,
                                  mailboxes[i].user, mailboxes[i].host, mailboxes[i].port,
                                  mailboxes[i].folder);
    }
    return out;
}

void write_port_file(const std::filesystem::path& file, uint16_t port)
{
    const auto partial = file.string() + ".partial";
    std::ofstream(partial) << port << "\n";
    std::filesystem::rename(partial, file); // readers never see a half-written file
}

} // namespace

int run_serve(const command_options& options)
{
    const sigset_t signals = stop_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    keep_freed_memory();

    gateway gw = open_gateway(options);
    workers::blocking_pool workers(worker_options(gw.config.server));
    callbacks::callback_endpoint callbacks(gw.providers, *gw.store, *gw.metrics,
                                           gw.config.server.public_url, gw.meta_codec.get(),
                                           gw.suppression, workers);
    intake::bounce_intake bounces(*gw.store, workers, intake_settings(gw), gw.metrics.get());
    admin::admin_api admin(gw.providers, *gw.store, callbacks, &bounces, gw.suppression);
    const auto senders = outbound::delivery::sending_providers(gw.providers, gw.config.outbound);
    outbound::api::message_composer composer(gw.meta_codec.get(), gw.unsubscribe_codec.get(),
                                             gw.config.server.public_url);
    composer.set_return_paths(gw.return_path_codec.get());
    outbound::delivery::delivery_service delivery(
        *gw.store, senders, delivery_options(gw.config.outbound, gw.suppression), *gw.metrics);
    outbound::api::sending_api sending(senders, composer, *gw.store, *gw.metrics, delivery,
                                       workers);
    preferences::preference_center preferences(gw.unsubscribe_codec.get(), *gw.store,
                                               gw.suppression, workers);
    service::gateway_handler handler(callbacks, preferences, admin, sending, *gw.store, *gw.metrics,
                                     gw.admin_tokens, workers);
    // By reference: the handler holds its counters, and it outlives the server.
    http::server server(server_options(gw.config.server), std::ref(handler), *gw.metrics);
    const workers_stop stop_workers_first(workers);
    auto listener = bounce_listener(gw, bounces);
    imap::store_cursors cursors(*gw.store);
    auto pollers = mailbox_pollers(gw, cursors, bounces);

    if (gw.config.server.public_url.empty()) {
        gw.config.server.public_url = config::default_public_url(gw.config.server, server.port());
        callbacks.set_public_url(gw.config.server.public_url);
        composer.set_public_url(gw.config.server.public_url);
    }
    auto logger = log::get("gateway");
    logger->info("public URL {}", gw.config.server.public_url);
    for (const auto& p : gw.providers.providers()) {
        logger->info("provider '{}' ({}): callbacks at {}", p->provider(), p->library().label(),
                     callbacks.callback_url(p->provider()));
    }
    for (const auto& p : senders) {
        logger->info("provider '{}' sends through {}:{}", p.instance->provider(), p.smtp.host,
                     p.smtp.port);
    }
    for (const auto& warning : gateway_warnings(gw, senders, gw.config.server.public_url)) {
        logger->warn("{}", warning);
    }
    if (options.port_file) {
        write_port_file(*options.port_file, server.port());
    }

    std::thread stopper([&server, signals, logger] {
        int received = 0;
        sigwait(&signals, &received);
        logger->info("signal {}: stopping", received == SIGTERM ? "SIGTERM" : "SIGINT");
        server.stop();
    });
    delivery.start();
    if (listener) {
        listener->start();
    }
    for (auto& p : pollers) {
        p->start();
    }
    server.run();
    // Before the workers: a message in progress still needs them to become durable.
    if (listener) {
        listener->stop();
    }
    for (auto& p : pollers) {
        p->stop();
    }
    // A call still running lost its request at the deadline; it ends before storage's flush.
    workers.stop();
    delivery.stop();
    gw.store->flush();
    if (stopper.joinable()) {
        // run() also returns when the server fails; wake the waiting thread either way.
        pthread_kill(stopper.native_handle(), SIGTERM);
        stopper.join();
    }
    logger->info("stopped; storage flushed");
    return 0;
}

} // namespace mailgate::core::cli
