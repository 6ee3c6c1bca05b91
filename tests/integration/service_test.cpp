// The gateway end to end: the real binary, the real legacy driver, a real SQLite file, HTTP
// over loopback.

#include "gateway_process.hpp"
#include "v2_callbacks.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace mailgate::test {
namespace {

namespace json = boost::json;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string seed = R"([
  {"event":"softbounce","data":[{"e":"email1@emailprovider.com","ts":1435322805},
                                {"e":"email2@emailprovider2.com","ts":1435322805}]},
  {"event":"hardbounce","data":[{"e":"email3@emailprovider.com","ts":1435322805}]}
])";

json::value parse(const std::string& body)
{
    return json::parse(body);
}

std::string legacy_batch(const std::string& prefix, int count)
{
    std::string data;
    for (int i = 0; i < count; ++i) {
        data += (i == 0 ? "" : ",") + std::string("{\"e\":\"") + prefix + std::to_string(i) +
                "@example.com\",\"ts\":1435322805}";
    }
    return "[{\"event\":\"softbounce\",\"data\":[" + data + "]}]";
}

// A raw connection, for what a well-behaved client would never send.
class raw_client {
public:
    explicit raw_client(uint16_t port) : socket_(ioc_)
    {
        socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    }
    void send(const std::string& bytes) { boost::asio::write(socket_, boost::asio::buffer(bytes)); }
    /// Everything until the server closes (or `limit` bytes).
    std::string read_until_close(std::size_t limit = 1 << 20)
    {
        std::string out;
        boost::system::error_code ec;
        char buffer[4096];
        while (out.size() < limit) {
            std::size_t n = socket_.read_some(boost::asio::buffer(buffer), ec);
            if (ec) {
                break;
            }
            out.append(buffer, n);
        }
        return out;
    }

private:
    boost::asio::io_context ioc_;
    boost::asio::ip::tcp::socket socket_;
};

TEST(Service, LegacySeedEndToEnd)
{
    gateway_process gw;
    auto reply = gw.request("POST", "/v1/callbacks/legacy", seed);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.body, R"({"TOTAL_EVENTS":3,"PROCESSED_EVENTS":3,"UNPROCESSED_EVENTS":[]})");

    auto events = parse(gw.admin("GET", "/v1/events?provider=legacy").body);
    ASSERT_EQ(events.at("items").as_array().size(), 3u);
    const auto& hard = events.at("items").as_array()[2].as_object();
    EXPECT_EQ(hard.at("kind"), "hard_bounce");
    EXPECT_EQ(hard.at("email"), "email3@emailprovider.com");
    EXPECT_EQ(hard.at("occurred_at"), "2015-06-26T12:46:45.000Z");
    ASSERT_EQ(hard.at("system_events").as_array().size(), 2u);
    EXPECT_EQ(hard.at("system_events").as_array()[0].at("name"), "Notification Failed");
    EXPECT_EQ(hard.at("system_events").as_array()[1].at("name"), "Channel Unsubscribed");
    EXPECT_EQ(
        parse(gw.admin("GET", "/v1/events?kind=soft_bounce").body).at("items").as_array().size(),
        2u);
    EXPECT_EQ(parse(gw.admin("GET", "/v1/events?kind=soft_bounce,hard_bounce").body)
                  .at("items")
                  .as_array()
                  .size(),
              3u)
        << "any of several kinds";
    // A misspelt filter would widen the answer silently: it is refused, with the likely name.
    const auto misspelt = gw.admin("GET", "/v1/events?kidn=soft_bounce");
    EXPECT_EQ(misspelt.status, 400);
    EXPECT_THAT(misspelt.body, HasSubstr("unknown query parameter 'kidn' (did you mean 'kind'?)"));
    const auto unknown_kind = gw.admin("GET", "/v1/events?kind=soft_bounce,bounced");
    EXPECT_EQ(unknown_kind.status, 400);
    EXPECT_THAT(unknown_kind.body, HasSubstr("unknown kind 'bounced'"));
    EXPECT_EQ(gw.admin("GET", "/v1/providers?verbose=1").status, 400);

    // Only the hard bounce is suppressed.
    auto suppressions = parse(gw.admin("GET", "/v1/suppressions").body).at("items").as_array();
    ASSERT_EQ(suppressions.size(), 1u);
    EXPECT_EQ(suppressions[0].at("email"), "email3@emailprovider.com");
    EXPECT_EQ(suppressions[0].at("reason"), "hard_bounce");
    EXPECT_EQ(suppressions[0].at("provider"), "legacy");
    EXPECT_EQ(gw.admin("GET", "/v1/suppressions/email1@emailprovider.com").status, 404);

    // Legacy items carry no attribution: no campaign counts them.
    auto report = parse(gw.admin("GET", "/v1/reports/campaigns/spring").body);
    EXPECT_EQ(report.at("campaign_id"), "spring");
    EXPECT_TRUE(report.at("events").as_object().empty());

    const std::string metrics = gw.admin("GET", "/metrics").body;
    EXPECT_THAT(metrics,
                HasSubstr("mailgate_events_total{kind=\"soft_bounce\",provider=\"legacy\"} 2"));
    EXPECT_THAT(metrics,
                HasSubstr("mailgate_events_total{kind=\"hard_bounce\",provider=\"legacy\"} 1"));
    EXPECT_THAT(metrics, HasSubstr("mailgate_http_requests_total{route=\"/v1/callbacks/"
                                   "{nickname}\",status=\"200\"} 1"));
    EXPECT_THAT(metrics, HasSubstr("mailgate_storage_commit_seconds_count"));
}

/// The value of the series `name{labels}` in a scrape, or -1 when it is not there.
double series_value(const std::string& metrics, const std::string& series)
{
    const auto at = metrics.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(metrics.substr(at + series.size() + 2));
}

// An alert on a provider gone quiet needs the time of its last callback: 0 until one is taken,
// and a forged one does not count.
TEST(Service, EachProviderShowsWhenItsLastCallbackCame)
{
    gateway_process gw;
    const std::string series = "mailgate_callback_last_received_seconds{provider=\"legacy\"}";
    EXPECT_EQ(series_value(gw.admin("GET", "/metrics").body, series), 0);

    const auto before = static_cast<double>(std::time(nullptr));
    ASSERT_EQ(gw.request("POST", "/v1/callbacks/legacy", seed).status, 200);
    const auto after = static_cast<double>(std::time(nullptr)) + 1;

    const auto last = series_value(gw.admin("GET", "/metrics").body, series);
    EXPECT_GE(last, before);
    EXPECT_LE(last, after);
}

TEST(Service, ARetriedBatchCountsAsDuplicatesAndChangesNothing)
{
    gateway_process gw;
    ASSERT_EQ(gw.request("POST", "/v1/callbacks/legacy", seed).status, 200);
    auto again = gw.request("POST", "/v1/callbacks/legacy", seed);
    ASSERT_EQ(again.status, 200);
    EXPECT_EQ(again.body, R"({"TOTAL_EVENTS":3,"PROCESSED_EVENTS":3,"UNPROCESSED_EVENTS":[],)"
                          R"("DUPLICATE_EVENTS":3})");
    EXPECT_EQ(parse(gw.admin("GET", "/v1/events").body).at("items").as_array().size(), 3u);
    EXPECT_THAT(gw.admin("GET", "/metrics").body,
                HasSubstr("mailgate_events_duplicate_total{provider=\"legacy\"} 3"));
}

TEST(Service, PartlyProcessedBatchEchoesTheUnprocessedItems)
{
    gateway_process gw;
    auto reply = gw.request("POST", "/v1/callbacks/legacy",
                            R"([{"event":"hardbounce","data":[{"e":"ok@example.com"},{"ts":5}]},)"
                            R"({"event":"bounced","data":[{"e":"x@example.com","ts":1}]}])");
    ASSERT_EQ(reply.status, 200);
    auto body = parse(reply.body);
    EXPECT_EQ(body.at("error"), "2 event(s) failed to process");
    EXPECT_EQ(body.at("TOTAL_EVENTS"), 3);
    EXPECT_EQ(body.at("PROCESSED_EVENTS"), 1);
    auto unprocessed = body.at("UNPROCESSED_EVENTS").as_array();
    ASSERT_EQ(unprocessed.size(), 2u);
    EXPECT_EQ(unprocessed[0].at("errorDescription"), "invalid email");
    EXPECT_EQ(unprocessed[1].at("e"), "x@example.com");
    EXPECT_EQ(unprocessed[1].at("errorDescription"), "Could not map event to any bounce type");
}

TEST(Service, RefusedRequests)
{
    gateway_process gw;
    auto too_many = gw.request("POST", "/v1/callbacks/legacy", legacy_batch("many", 1001));
    EXPECT_EQ(too_many.status, 400);
    EXPECT_EQ(parse(too_many.body).at("error"), "More than allowed events received.");

    auto malformed = gw.request("POST", "/v1/callbacks/legacy", "[{\"event\": ");
    EXPECT_EQ(malformed.status, 400);
    EXPECT_EQ(malformed.body, R"({"error":"Exception occurred while reading input stream",)"
                              R"("TOTAL_EVENTS":0,"PROCESSED_EVENTS":0,"UNPROCESSED_EVENTS":[]})");

    EXPECT_EQ(gw.request("POST", "/v1/callbacks/nobody", seed).status, 404);
    EXPECT_EQ(gw.request("GET", "/v1/callbacks/legacy").status, 405);
    EXPECT_EQ(gw.request("HEAD", "/v1/callbacks/legacy").status, 200);
    EXPECT_EQ(parse(gw.admin("GET", "/v1/events").body).at("items").as_array().size(), 0u)
        << "nothing of a refused request is stored";
}

TEST(Service, ABodyOverTheLimitGets413WithoutBeingRead)
{
    gateway_process gw;
    raw_client client(gw.port());
    client.send("POST /v1/callbacks/legacy HTTP/1.1\r\nHost: x\r\nContent-Length: 9437184\r\n\r\n");
    const std::string reply = client.read_until_close();
    EXPECT_THAT(reply, HasSubstr("HTTP/1.1 413"));
}

TEST(Service, ASlowClientIsCutOff)
{
    gateway_options options;
    options.extra_server_yaml = "  read_timeout: 1s\n";
    gateway_process gw(options);
    raw_client client(gw.port());
    const auto start = std::chrono::steady_clock::now();
    std::atomic<bool> closed{false};
    std::thread trickle([&] {
        const std::string request = "POST /v1/callbacks/legacy HTTP/1.1\r\nHost: x\r\n";
        try {
            for (char c : request) {
                client.send(std::string(1, c));
                std::this_thread::sleep_for(std::chrono::milliseconds(300));
                if (closed) {
                    return;
                }
            }
        } catch (...) {
        }
    });
    client.read_until_close();
    closed = true;
    const auto took = std::chrono::steady_clock::now() - start;
    trickle.join();
    EXPECT_LT(took, std::chrono::seconds(5)) << "the connection should be closed by the timeout";
}

TEST(Service, AdminRoutesNeedTheToken)
{
    gateway_process gw;
    for (const char* target :
         {"/v1/providers", "/v1/suppressions", "/v1/events", "/v1/suppressions/a@example.com",
          "/v1/reports/campaigns/c", "/metrics"}) {
        EXPECT_EQ(gw.request("GET", target).status, 401) << target;
        EXPECT_EQ(gw.request("GET", target, "", {{"Authorization", "Bearer wrong"}}).status, 401)
            << target;
    }
    EXPECT_EQ(gw.request("GET", "/healthz").status, 200);
}

// What an operator checks first: where each provider sends and how, and whether its ESP calls
// back; secrets are named as set, never shown.
TEST(Service, ProvidersShowTheirEffectiveSettingsNeverTheirSecrets)
{
    gateway_options o;
    o.extra_providers_yaml = "  - nickname: relay\n    driver: smtp\n    host: smtp.example.net\n"
                             "    port: 587\n    username: news@example.com\n"
                             "    password: hunter2-value\n";
    gateway_process gw(o);
    auto providers = parse(gw.admin("GET", "/v1/providers").body).at("items").as_array();
    ASSERT_EQ(providers.size(), 2u);
    const auto& legacy = providers[0].as_object();
    const auto& relay = providers[1].as_object();
    EXPECT_EQ(relay.at("nickname"), "relay");
    EXPECT_EQ(relay.at("settings").at("host"), "smtp.example.net");
    EXPECT_EQ(relay.at("settings").at("port"), "587");
    EXPECT_EQ(relay.at("settings").at("scheme"), "starttls") << "the default, as in effect";
    EXPECT_EQ(relay.at("settings").at("password"), "(secret, set)");
    EXPECT_THAT(json::serialize(providers), Not(HasSubstr("hunter2-value")));
    EXPECT_EQ(legacy.at("last_callback_at"), nullptr);

    ASSERT_EQ(gw.request("POST", "/v1/callbacks/legacy", seed).status, 200);
    const auto after = parse(gw.admin("GET", "/v1/providers").body).at("items").as_array();
    EXPECT_TRUE(after[0].at("last_callback_at").is_string()) << after[0];
    EXPECT_EQ(after[1].at("last_callback_at"), nullptr);
}

TEST(Service, AdminRoutesAnswerAsDocumented)
{
    gateway_process gw;
    auto providers = parse(gw.admin("GET", "/v1/providers").body).at("items").as_array();
    ASSERT_EQ(providers.size(), 1u);
    EXPECT_EQ(providers[0].at("nickname"), "legacy");
    EXPECT_EQ(providers[0].at("driver"), "legacy");
    EXPECT_EQ(providers[0].at("callback_url"), "https://gateway.test/v1/callbacks/legacy");
    EXPECT_EQ(providers[0].at("settings").at("password"), nullptr) << "a secret not set";

    auto put = gw.admin("PUT", "/v1/suppressions/Some.One@Example.com", R"({"reason":"manual"})");
    ASSERT_EQ(put.status, 200) << put.body;
    EXPECT_EQ(parse(put.body).at("email"), "some.one@example.com");
    EXPECT_EQ(gw.admin("GET", "/v1/suppressions/some.one@example.com").status, 200);
    EXPECT_EQ(
        parse(gw.admin("GET", "/v1/suppressions?reason=manual").body).at("items").as_array().size(),
        1u);
    EXPECT_EQ(gw.admin("DELETE", "/v1/suppressions/some.one@example.com").status, 204);
    EXPECT_EQ(gw.admin("DELETE", "/v1/suppressions/some.one@example.com").status, 404);
    EXPECT_EQ(gw.admin("PUT", "/v1/suppressions/not-an-address").status, 400);

    ASSERT_EQ(gw.request("POST", "/v1/callbacks/legacy", legacy_batch("page", 5)).status, 200);
    auto first = parse(gw.admin("GET", "/v1/events?limit=2").body);
    ASSERT_EQ(first.at("items").as_array().size(), 2u);
    const std::string next(first.at("next").as_string());
    auto second = parse(gw.admin("GET", "/v1/events?limit=2&after=" + next).body);
    EXPECT_EQ(second.at("items").as_array()[0].at("email"), "page2@example.com");
    EXPECT_EQ(parse(gw.admin("GET", "/v1/events?email=PAGE4@example.com").body)
                  .at("items")
                  .as_array()
                  .size(),
              1u);
    EXPECT_EQ(gw.admin("GET", "/v1/events?kind=nonsense").status, 400);
    EXPECT_EQ(gw.admin("GET", "/v1/events?limit=0").status, 400);
    EXPECT_EQ(gw.admin("GET", "/v1/events?since=2999-01-01T00:00:00Z").status, 200);
    EXPECT_EQ(gw.admin("GET", "/v1/events?since=253402300799").status, 200);
    // Seconds times 1000 past int64_t: refused, not overflowed (UBSan names it otherwise).
    for (const char* huge : {"9223372036854775807", "9223372036854775", "253402300800",
                             "-9223372036854775808", "-1"}) {
        auto reply = gw.admin("GET", std::string("/v1/events?since=") + huge);
        EXPECT_EQ(reply.status, 400) << huge;
        EXPECT_NE(reply.body.find("since must be between 0 and 253402300799"), std::string::npos)
            << reply.body;
    }
    EXPECT_EQ(gw.admin("GET", "/v1/nothing").status, 404);
}

// A small file system of its own for the database, to fill up. Mounting needs CAP_SYS_ADMIN:
// without it the test is skipped, saying so.
class small_disk {
public:
    small_disk()
    {
        auto pattern = (std::filesystem::temp_directory_path() / "mailgate-disk-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("cannot create " + pattern);
        }
        path_ = pattern;
        if (::mount("tmpfs", path_.c_str(), "tmpfs", 0, "size=8m") != 0) {
            error_ = std::strerror(errno);
        }
    }
    ~small_disk()
    {
        if (error_.empty()) {
            ::umount2(path_.c_str(), MNT_DETACH);
        }
        std::filesystem::remove_all(path_);
    }
    small_disk(const small_disk&) = delete;
    small_disk& operator=(const small_disk&) = delete;

    const std::string& error() const { return error_; }
    const std::filesystem::path& path() const { return path_; }

    /// Takes every free block.
    void fill()
    {
        const int fd = ::open((path_ / "filler").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ASSERT_GE(fd, 0);
        const std::string block(64 * 1024, 'x');
        while (::write(fd, block.data(), block.size()) > 0) {
        }
        ::close(fd);
    }
    void free_space() { std::filesystem::remove(path_ / "filler"); }

private:
    std::filesystem::path path_;
    std::string error_;
};

TEST(Service, HealthzFailsWhileEveryWriteFailsAndRecoversWithTheDisk)
{
    small_disk disk;
    if (!disk.error().empty()) {
        GTEST_SKIP() << "cannot mount a tmpfs: " << disk.error();
    }
    gateway_options o;
    o.storage_yaml = "storage:\n  path: " + (disk.path() / "mailgate.db").string() + "\n";
    gateway_process gw(o);
    ASSERT_EQ(gw.request("POST", "/v1/callbacks/legacy", legacy_batch("before", 5)).status, 200);
    EXPECT_EQ(gw.request("GET", "/healthz").status, 200);

    disk.fill();
    int status = 200;
    for (int i = 0; i < 50 && status == 200; ++i) {
        status = gw.request("POST", "/v1/callbacks/legacy",
                            legacy_batch("full" + std::to_string(i) + "-", 200))
                     .status;
    }
    ASSERT_EQ(status, 500) << "the writes never failed";
    // The delivery's claims keep committing, writing nothing: that is no recovery.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    auto health = gw.request("GET", "/healthz");
    EXPECT_EQ(health.status, 503);
    EXPECT_EQ(parse(health.body).at("status"), "failing");
    EXPECT_THAT(std::string(parse(health.body).at("reason").as_string()),
                HasSubstr("storage writes fail: database or disk is full"));

    disk.free_space();
    EXPECT_EQ(gw.request("POST", "/v1/callbacks/legacy", legacy_batch("after", 5)).status, 200);
    health = gw.request("GET", "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(parse(health.body).at("status"), "ok");
}

TEST(Service, SigtermStopsCleanly)
{
    gateway_process gw;
    ASSERT_EQ(gw.request("POST", "/v1/callbacks/legacy", seed).status, 200);
    EXPECT_EQ(gw.stop(SIGTERM), 0) << gw.output();
    EXPECT_THAT(gw.output(), HasSubstr("stopped; storage flushed"));
    gw.start();
    EXPECT_EQ(parse(gw.admin("GET", "/v1/events").body).at("items").as_array().size(), 3u);
}

// Every batch that got a 2xx is stored exactly once, even when the gateway dies mid-stream.
TEST(Service, KillNineLosesNothingAcknowledged)
{
    gateway_process gw;
    std::vector<std::string> acknowledged;
    std::mutex mutex;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
        clients.emplace_back([&, c] {
            for (int b = 0; !stop; ++b) {
                const std::string prefix = "c" + std::to_string(c) + "b" + std::to_string(b) + "x";
                try {
                    if (gw.request("POST", "/v1/callbacks/legacy", legacy_batch(prefix, 20))
                            .status == 200) {
                        std::lock_guard lock(mutex);
                        acknowledged.push_back(prefix);
                    }
                } catch (...) {
                    return; // the gateway is gone
                }
            }
        });
    }
    while (true) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::lock_guard lock(mutex);
        if (acknowledged.size() >= 40) {
            break;
        }
    }
    gw.stop(SIGKILL);
    stop = true;
    for (auto& t : clients) {
        t.join();
    }
    gw.start();
    for (const auto& prefix : acknowledged) {
        for (int i : {0, 19}) {
            auto items = parse(gw.admin("GET", "/v1/events?email=" + prefix + std::to_string(i) +
                                                   "@example.com")
                                   .body)
                             .at("items")
                             .as_array();
            EXPECT_EQ(items.size(), 1u) << prefix << i;
        }
    }
    EXPECT_GE(acknowledged.size(), 40u);
}

// The v2 format end to end: tokens as the gateway signs them (attribution.key below is the
// bytes 0..31), the callback authenticated by its token, events attributed to their message
// and campaign, suppression for hard bounce, spam and unsubscribe but not soft bounce.
class V2Callbacks : public ::testing::Test {
protected:
    static gateway_options options()
    {
        gateway_options o;
        o.extra_sections_yaml = v2_attribution_yaml;
        o.extra_providers_yaml = v2_provider_yaml;
        return o;
    }

    static std::string token(const std::string& message, const std::string& email)
    {
        return v2_token(message, email);
    }

    static std::string item(const std::string& type, const std::string& email,
                            const std::string& meta)
    {
        return v2_item(type, email, meta, type + " seen");
    }

    gateway_process gw_{options()};
    const std::string url_ = v2_callback_url;
};

// The reason behind each event, stored and filterable: a "hard bounce" in which the receiver
// refused the sender is a soft bounce that suppresses nobody (docs/events.md).
TEST_F(V2Callbacks, EachEventIsStoredWithItsReasonAndOnlyAnAddressReasonSuppresses)
{
    const std::string body =
        v2_body({v2_item("hard_bounce", "gone@example.com", token("m1", "gone@example.com"),
                         "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown"),
                 v2_item("hard_bounce", "fine@example.com", token("m2", "fine@example.com"),
                         "550 5.7.1 Message rejected due to poor reputation")});
    auto reply = gw_.request("POST", url_, body);
    ASSERT_EQ(reply.status, 200) << reply.body;

    auto gone = parse(gw_.admin("GET", "/v1/events?email=gone@example.com").body).at("items");
    ASSERT_EQ(gone.as_array().size(), 1u);
    EXPECT_EQ(gone.at(0).at("kind"), "hard_bounce");
    EXPECT_EQ(gone.at(0).at("reason"), "userunknown");
    EXPECT_EQ(gone.at(0).at("smtp_code"), 550);
    EXPECT_EQ(gone.at(0).at("status"), "5.1.1");
    EXPECT_EQ(gw_.admin("GET", "/v1/suppressions/gone@example.com").status, 200);

    auto fine = parse(gw_.admin("GET", "/v1/events?email=fine@example.com").body).at("items");
    ASSERT_EQ(fine.as_array().size(), 1u);
    EXPECT_EQ(fine.at(0).at("kind"), "soft_bounce");
    EXPECT_EQ(fine.at(0).at("reason"), "badreputation");
    EXPECT_EQ(fine.at(0).at("status"), "5.7.1");
    EXPECT_EQ(gw_.admin("GET", "/v1/suppressions/fine@example.com").status, 404);

    auto by_reason = parse(gw_.admin("GET", "/v1/events?reason=badreputation").body).at("items");
    ASSERT_EQ(by_reason.as_array().size(), 1u);
    EXPECT_EQ(by_reason.at(0).at("email"), "fine@example.com");
    EXPECT_EQ(gw_.admin("GET", "/v1/events?reason=nonsense").status, 400);

    auto report = parse(gw_.admin("GET", "/v1/reports/campaigns/spring").body);
    EXPECT_EQ(json::serialize(report.at("reasons")), R"({"badreputation":1,"userunknown":1})");
    const auto metrics = gw_.admin("GET", "/metrics").body;
    EXPECT_THAT(
        metrics,
        HasSubstr("mailgate_event_reasons_total{provider=\"esp\",reason=\"badreputation\"} 1"));
    EXPECT_THAT(
        metrics,
        HasSubstr("mailgate_event_reasons_total{provider=\"esp\",reason=\"userunknown\"} 1"));
}

TEST_F(V2Callbacks, AttributesEventsAndSuppressesByType)
{
    const std::string body =
        R"({"version":"v2","events":{"failed":[)" +
        item("hard_bounce", "hard@example.com", token("m1", "hard@example.com")) + "," +
        item("soft_bounce", "soft@example.com", token("m2", "soft@example.com")) + "," +
        item("spam", "spam@example.com", token("m3", "spam@example.com")) + "," +
        item("unsubscribed", "unsub@example.com", token("m4", "unsub@example.com")) + "]}}";
    auto reply = gw_.request("POST", url_, body);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.body, R"({"TOTAL_EVENTS":4,"PROCESSED_EVENTS":4,"UNPROCESSED_EVENTS":[]})");

    auto hard = parse(gw_.admin("GET", "/v1/events?email=hard@example.com").body).at("items");
    ASSERT_EQ(hard.as_array().size(), 1u);
    EXPECT_EQ(hard.as_array()[0].at("message_id"), "m1");
    EXPECT_EQ(hard.as_array()[0].at("campaign_id"), "spring");
    EXPECT_EQ(hard.as_array()[0].at("profile"), "p-m1");

    auto report = parse(gw_.admin("GET", "/v1/reports/campaigns/spring").body);
    EXPECT_EQ(json::serialize(report.at("events")),
              R"({"hard_bounce":1,"soft_bounce":1,"spam":1,"unsubscribed":1})");
    EXPECT_EQ(json::serialize(report.at("system_events")),
              R"({"Channel Unsubscribed":3,"Notification Failed":2})");

    for (const char* suppressed : {"hard@example.com", "spam@example.com", "unsub@example.com"}) {
        EXPECT_EQ(gw_.admin("GET", std::string("/v1/suppressions/") + suppressed).status, 200)
            << suppressed;
    }
    EXPECT_EQ(gw_.admin("GET", "/v1/suppressions/soft@example.com").status, 404);
}

TEST_F(V2Callbacks, ForgedOrMisdirectedTokensAreUnprocessed)
{
    const std::string body =
        R"({"version":"v2","events":{"failed":[)" +
        item("hard_bounce", "a@example.com", token("m1", "someone-else@example.com")) + "," +
        item("hard_bounce", "b@example.com", "m1forged.AAAAAAAAAAAAAAAAAAAAAA") + "]}}";
    auto reply = parse(gw_.request("POST", url_, body).body);
    EXPECT_EQ(reply.at("PROCESSED_EVENTS"), 0);
    ASSERT_EQ(reply.at("UNPROCESSED_EVENTS").as_array().size(), 2u);
    EXPECT_EQ(reply.at("UNPROCESSED_EVENTS").as_array()[0].at("errorDescription"), "invalid meta");
    EXPECT_EQ(gw_.admin("GET", "/v1/suppressions/a@example.com").status, 404);
}

TEST_F(V2Callbacks, CallbacksWithoutTheTokenAreRefused)
{
    const std::string body = R"({"version":"v2","events":{"failed":[]}})";
    EXPECT_EQ(gw_.request("POST", "/v1/callbacks/esp", body).status, 401);
    EXPECT_EQ(gw_.request("POST", "/v1/callbacks/esp?token=wrong-token-0123456789", body).status,
              401);
    EXPECT_EQ(gw_.request("POST", url_, body).status, 200);
    EXPECT_THAT(gw_.admin("GET", "/metrics").body,
                HasSubstr("mailgate_signature_failures_total{provider=\"esp\"} 2"));
}

// Every case of SendGrid's official signature vectors through the real endpoint: valid ones
// get past the signature (200, or 400 for the one whose body is a bare object), invalid ones get
// 401 and store nothing. One provider per public key in the file; the vectors carry old
// timestamps, so the replay window is off.
TEST(SendgridVectors, EveryCaseGivesItsVerdictThroughTheEndpoint)
{
    std::ifstream in(MAILGATE_SENDGRID_VECTORS);
    std::stringstream text;
    text << in.rdbuf();
    const auto cases = json::parse(text.str()).at("cases").as_array();

    std::map<std::string, std::string> nickname_of_key;
    gateway_options options;
    for (const auto& c : cases) {
        const std::string key(c.at("public_key_b64").as_string());
        if (nickname_of_key.emplace(key, "sg" + std::to_string(nickname_of_key.size())).second) {
            options.extra_providers_yaml += "  - nickname: " + nickname_of_key[key] +
                                            "\n    driver: sendgrid\n    verification_key: " + key +
                                            "\n    signature_tolerance: 0\n";
        }
    }
    gateway_process gw(options);
    for (const auto& c : cases) {
        const std::string name(c.at("name").as_string());
        const auto before =
            parse(gw.admin("GET", "/v1/events?limit=1000").body).at("items").as_array().size();
        auto reply = gw.request(
            "POST",
            "/v1/callbacks/" + nickname_of_key[std::string(c.at("public_key_b64").as_string())],
            std::string(c.at("payload").as_string()),
            {{"X-Twilio-Email-Event-Webhook-Signature",
              std::string(c.at("signature_header").as_string())},
             {"X-Twilio-Email-Event-Webhook-Timestamp",
              std::string(c.at("timestamp_header").as_string())}});
        const auto after =
            parse(gw.admin("GET", "/v1/events?limit=1000").body).at("items").as_array().size();
        if (c.at("expected_valid").as_bool()) {
            EXPECT_NE(reply.status, 401) << name << ": " << reply.body;
        } else {
            EXPECT_EQ(reply.status, 401) << name << ": " << reply.body;
            EXPECT_EQ(after, before) << name << ": a refused callback stored events";
        }
    }
    EXPECT_THAT(gw.admin("GET", "/metrics").body, HasSubstr("mailgate_signature_failures_total"));
}

// Two accounts of one ESP may send the same event id: each provider stores its own event, and
// only a retry to the same provider is a duplicate.
TEST(SendgridVectors, TheSameEventIdAtTwoProvidersIsTwoEvents)
{
    std::ifstream in(MAILGATE_SENDGRID_VECTORS);
    std::stringstream text;
    text << in.rdbuf();
    const auto cases = json::parse(text.str()).at("cases").as_array();
    const json::object* signed_batch = nullptr;
    for (const auto& c : cases) {
        if (c.at("name") == "multi_event_processed_bounce_blocked") {
            signed_batch = &c.as_object();
        }
    }
    ASSERT_NE(signed_batch, nullptr);
    const auto events_in_batch =
        json::parse(signed_batch->at("payload").as_string()).as_array().size();

    gateway_options options;
    for (const char* nickname : {"sg_eu", "sg_us"}) {
        options.extra_providers_yaml +=
            std::string("  - nickname: ") + nickname +
            "\n    driver: sendgrid\n    verification_key: " +
            std::string(signed_batch->at("public_key_b64").as_string()) +
            "\n    signature_tolerance: 0\n";
    }
    gateway_process gw(options);
    auto post = [&](const std::string& nickname) {
        return gw.request("POST", "/v1/callbacks/" + nickname,
                          std::string(signed_batch->at("payload").as_string()),
                          {{"X-Twilio-Email-Event-Webhook-Signature",
                            std::string(signed_batch->at("signature_header").as_string())},
                           {"X-Twilio-Email-Event-Webhook-Timestamp",
                            std::string(signed_batch->at("timestamp_header").as_string())}});
    };
    auto stored_for = [&](const std::string& nickname) {
        return parse(gw.admin("GET", "/v1/events?limit=1000&provider=" + nickname).body)
            .at("items")
            .as_array()
            .size();
    };

    for (const char* nickname : {"sg_eu", "sg_us"}) {
        auto reply = post(nickname);
        ASSERT_EQ(reply.status, 200) << nickname << ": " << reply.body;
        EXPECT_FALSE(parse(reply.body).as_object().contains("DUPLICATE_EVENTS")) << reply.body;
    }
    auto retried = post("sg_eu");
    ASSERT_EQ(retried.status, 200) << retried.body;
    EXPECT_EQ(parse(retried.body).at("DUPLICATE_EVENTS"), events_in_batch);

    EXPECT_EQ(stored_for("sg_eu"), events_in_batch);
    EXPECT_EQ(stored_for("sg_us"), events_in_batch);
}

// Every case of the Mandrill signature vectors through the real endpoint. The signature covers
// the webhook URL as configured at Mandrill, so each case gets a provider with its own key and
// URL; a case signed over another URL must fail.
TEST(MandrillVectors, EveryCaseGivesItsVerdictThroughTheEndpoint)
{
    std::ifstream in(MAILGATE_MANDRILL_VECTORS);
    std::stringstream text;
    text << in.rdbuf();
    const auto cases = json::parse(text.str()).at("cases").as_array();

    gateway_options options;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        options.extra_providers_yaml +=
            "  - nickname: md" + std::to_string(i) + "\n    driver: mandrill\n    webhook_key: '" +
            std::string(cases[i].at("webhook_key").as_string()) + "'\n    webhook_url: '" +
            std::string(cases[i].at("webhook_url").as_string()) + "'\n";
    }
    gateway_process gw(options);
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto& c = cases[i].as_object();
        const std::string name(c.at("name").as_string());
        std::string body;
        if (const auto* raw = c.if_contains("raw_body_x_www_form_urlencoded");
            raw != nullptr && raw->is_string() && !raw->get_string().empty()) {
            body = std::string(raw->get_string());
        } else {
            for (const auto& [key, value] : c.at("post_params_decoded").as_object()) {
                body += (body.empty() ? "" : "&") +
                        boost::urls::encode(key, boost::urls::unreserved_chars) + "=" +
                        boost::urls::encode(value.as_string(), boost::urls::unreserved_chars);
            }
        }
        auto reply = gw.request(
            "POST", "/v1/callbacks/md" + std::to_string(i), body,
            {{"Content-Type", "application/x-www-form-urlencoded"},
             {"X-Mandrill-Signature", std::string(c.at("x_mandrill_signature").as_string())}});
        EXPECT_EQ(reply.status, c.at("expected_valid").as_bool() ? 200 : 401)
            << name << ": " << reply.body;
    }
}

} // namespace
} // namespace mailgate::test
