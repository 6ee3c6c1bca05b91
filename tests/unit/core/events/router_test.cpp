// The router's rules one by one: what each kind of event derives (system events, suppression
// change), how a driver's event becomes the stored one (canonical address, idempotency key),
// and how a parsed callback is routed (items the gateway cannot use, attribution).

#include "core/attribution/meta_token.hpp"
#include "core/events/router.hpp"

#include <mailgate/sdk/abi.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace mailgate::core::events {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const suppression_policy& defaults()
{
    static const suppression_policy policy;
    return policy;
}

gateway_event event_of(event_kind kind, std::string description = "the provider's words")
{
    gateway_event ev;
    ev.provider = "esp";
    ev.kind = kind;
    ev.email = "someone@example.com";
    ev.description = std::move(description);
    return ev;
}

struct rule {
    event_kind kind;
    bool permanent;
    std::vector<std::string> system_events; ///< "name/property"
    suppression_change suppression;
    std::string suppression_reason;
};

std::vector<std::string> names_of(const routed_event& r)
{
    std::vector<std::string> out;
    for (const auto& se : r.system_events) {
        out.push_back(se.name + "/" + se.property);
    }
    return out;
}

// docs/architecture.md, "The common event model": the table operators rely on.
TEST(Router, EachKindDerivesItsSystemEventsAndSuppression)
{
    using sc = suppression_change;
    const std::vector<rule> rules{
        {event_kind::hard_bounce,
         true,
         {"Notification Failed/hard bounce", "Channel Unsubscribed/hard bounce"},
         sc::suppress,
         "hard_bounce"},
        {event_kind::soft_bounce,
         false,
         {"Notification Failed/soft bounce"},
         sc::count,
         "soft_bounce"},
        {event_kind::spam, false, {"Channel Unsubscribed/spam"}, sc::suppress, "spam"},
        {event_kind::unsubscribed,
         false,
         {"Channel Unsubscribed/unsubscribed"},
         sc::suppress,
         "unsubscribed"},
        {event_kind::dropped,
         true,
         {"Notification Failed/the provider's words"},
         sc::suppress,
         "dropped"},
        {event_kind::dropped, false, {"Notification Failed/the provider's words"}, sc::none, ""},
        {event_kind::resubscribed, false, {}, sc::lift, "unsubscribed"},
        {event_kind::list_sync, false, {}, sc::none, ""},
        {event_kind::delivered, false, {}, sc::none, ""},
        {event_kind::deferred, false, {}, sc::none, ""},
        {event_kind::opened, false, {}, sc::none, ""},
        {event_kind::clicked, false, {}, sc::none, ""},
        {event_kind::processed, false, {}, sc::none, ""},
    };
    for (const auto& expected : rules) {
        auto ev = event_of(expected.kind);
        ev.permanent = expected.permanent;
        const auto r = route(ev, defaults());
        const std::string label =
            std::string(to_string(expected.kind)) + (expected.permanent ? " permanent" : "");
        EXPECT_EQ(names_of(r), expected.system_events) << label;
        EXPECT_EQ(r.suppression, expected.suppression) << label;
        EXPECT_EQ(r.suppression_reason, expected.suppression_reason) << label;
        EXPECT_EQ(r.ev.kind, expected.kind) << label << ": route() keeps the kind it is given";
    }
}

TEST(Router, SystemEventsCarryTheProvidersDescription)
{
    const auto r = route(event_of(event_kind::hard_bounce, "550 5.1.1 no such user"), defaults());
    ASSERT_EQ(r.system_events.size(), 2u);
    EXPECT_EQ(r.system_events[0].reason, "550 5.1.1 no such user");
    EXPECT_EQ(r.system_events[1].reason, "550 5.1.1 no such user");
}

TEST(Router, ADropWithoutADescriptionIsNamedDropped)
{
    const auto r = route(event_of(event_kind::dropped, ""), defaults());
    EXPECT_EQ(names_of(r), std::vector<std::string>{"Notification Failed/dropped"});
}

plugin::driver_event driver_event_of(std::string email, std::string id = "")
{
    plugin::driver_event e;
    e.kind = MG_EVENT_DELIVERED;
    e.email = std::move(email);
    e.occurred_at_s = 1'700'000'000;
    e.provider_event_id = std::move(id);
    e.description = "250 ok";
    return e;
}

TEST(Router, AStoredEventHasTheCanonicalAddressAndTheProvidersNames)
{
    const auto ev = make_event(driver_event_of("Zoe@B\xC3\xBC"
                                               "cher.Example"),
                               "esp", "esp@1.0.0", 1'700'000'000'500);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->email, "zoe@xn--bcher-kva.example");
    EXPECT_EQ(ev->provider, "esp");
    EXPECT_EQ(ev->driver, "esp@1.0.0");
    EXPECT_EQ(ev->kind, event_kind::delivered);
    EXPECT_EQ(ev->received_at_ms, 1'700'000'000'500);
}

TEST(Router, NoStoredEventForAnAddressOrAKindItCannotUse)
{
    EXPECT_FALSE(make_event(driver_event_of("not an address"), "esp", "esp@1.0.0", 0));
    auto unknown_kind = driver_event_of("a@example.com");
    unknown_kind.kind = 999;
    EXPECT_FALSE(make_event(unknown_kind, "esp", "esp@1.0.0", 0));
}

TEST(Router, TheKeyIsTheProvidersIdOrAHashOfWhatItSent)
{
    EXPECT_EQ(event_key(driver_event_of("a@example.com", "evt-1")), "id:evt-1");

    const auto hashed = event_key(driver_event_of("a@example.com"));
    EXPECT_THAT(hashed, StartsWith("sha256:"));
    EXPECT_EQ(hashed.size(), 7u + 64u);
    EXPECT_EQ(event_key(driver_event_of("a@example.com")), hashed) << "a retry maps to one key";
    auto other = driver_event_of("a@example.com");
    other.description = "250 ok ";
    EXPECT_NE(event_key(other), hashed);
    auto later = driver_event_of("a@example.com");
    later.occurred_at_s += 1;
    EXPECT_NE(event_key(later), hashed);
}

TEST(Router, ACallbacksUnusableItemsAreRejectedAndTheRestRouted)
{
    plugin::parsed_callback result;
    result.events = {driver_event_of("good@example.com", "1"), driver_event_of("bad", "2")};

    const auto batch =
        route_callback(result, "esp", "esp@1.0.0", 1'700'000'000'000, nullptr, defaults());

    ASSERT_EQ(batch.size(), 1u);
    EXPECT_EQ(batch[0].ev.email, "good@example.com");
    ASSERT_EQ(result.rejected.size(), 1u);
    EXPECT_THAT(result.rejected[0].item_json, HasSubstr("\"bad\""));
    EXPECT_EQ(result.rejected[0].reason, "invalid email");
}

TEST(Router, EventsWithTheGatewaysTokenAreAttributedAndOthersAreNot)
{
    std::array<unsigned char, 32> key{};
    key[0] = 7;
    const core::attribution::meta_codec codec(key);
    plugin::parsed_callback result;
    auto mine = driver_event_of("ann@example.com", "1");
    mine.meta = codec.encode({"m-1", "spring", "p-1", ""}, "ann@example.com");
    auto for_someone_else = driver_event_of("bob@example.com", "2");
    for_someone_else.meta = mine.meta;
    result.events = {mine, for_someone_else};

    const auto batch = route_callback(result, "esp", "esp@1.0.0", 0, &codec, defaults());

    ASSERT_EQ(batch.size(), 2u);
    EXPECT_EQ(batch[0].ev.attributed.message_id, "m-1");
    EXPECT_EQ(batch[0].ev.attributed.campaign_id, "spring");
    EXPECT_EQ(batch[0].ev.attributed.profile, "p-1");
    EXPECT_TRUE(batch[1].ev.attributed.campaign_id.empty())
        << "a token made for another address attributes nothing";
}

} // namespace
} // namespace mailgate::core::events
