// POST /v1/suppressions/import and GET /v1/suppressions/export on a real SQLite store: the
// report as JSON, the status codes, and pages followed through their Link header.

#include "core/admin/suppression_list_api.hpp"

#include "tests/unit/core/storage/backends.hpp"
#include "tests/unit/core/storage/test_support.hpp"

#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace mailgate::core::admin {
namespace {

namespace bh = boost::beast::http;
using ::testing::HasSubstr;

class suppression_list_api : public ::testing::Test {
protected:
    suppression_list_api() : store_(storage::test::sqlite_backend().open(folder_.path(), nullptr))
    {
    }

    http::response import(const std::string& body, std::map<std::string, std::string> query)
    {
        http::request req{bh::verb::post, "/v1/suppressions/import", 11};
        req.body() = body;
        req.prepare_payload();
        return import_suppressions(req, query, *store_, {"marketing"}, "alice");
    }

    http::response export_page(std::map<std::string, std::string> query)
    {
        http::request req{bh::verb::get, "/v1/suppressions/export", 11};
        return export_suppressions(req, query, *store_);
    }

    storage::test::temp_folder folder_;
    std::unique_ptr<storage::store> store_;
};

TEST_F(suppression_list_api, import_answers_the_report)
{
    auto res = import("email,stream\na@example.com,marketing\nnope,\n*@example.org,\n",
                      {{"format", "csv"}});
    EXPECT_EQ(res.result(), bh::status::ok);
    const auto report = boost::json::parse(res.body()).as_object();
    EXPECT_EQ(report.at("taken").as_int64(), 2);
    EXPECT_EQ(report.at("refused").as_int64(), 1);
    EXPECT_EQ(report.at("last_line_committed").as_int64(), 4);
    const auto& refusal = report.at("refusals").as_array().at(0).as_object();
    EXPECT_EQ(refusal.at("line").as_int64(), 3);
    EXPECT_THAT(std::string(refusal.at("why").as_string()), HasSubstr("not an e-mail address"));
    EXPECT_EQ(store_->address_suppressions("a@example.com").at(0).source, "import:alice");

    EXPECT_EQ(import("{}", {{"format", "xml"}}).result(), bh::status::bad_request);
    EXPECT_EQ(import("{}", {{"format", "jsonl"}, {"from_line", "0"}}).result(),
              bh::status::bad_request);
}

TEST_F(suppression_list_api, export_pages_follow_the_link_header)
{
    std::string csv = "email\n";
    for (int i = 0; i < 25; ++i) {
        csv += "u" + std::to_string(100 + i) + "@example.com\n";
    }
    ASSERT_EQ(import(csv, {}).result(), bh::status::ok);

    std::map<std::string, std::string> query{{"format", "jsonl"}, {"limit", "10"}};
    std::size_t lines = 0;
    int pages = 0;
    for (;;) {
        auto res = export_page(query);
        ASSERT_EQ(res.result(), bh::status::ok);
        EXPECT_EQ(res[bh::field::content_type], "application/x-ndjson");
        lines += static_cast<std::size_t>(std::count(res.body().begin(), res.body().end(), '\n'));
        ++pages;
        const std::string link(res[bh::field::link]);
        if (link.empty()) {
            break;
        }
        ASSERT_THAT(link, HasSubstr("rel=\"next\""));
        const auto target = link.substr(1, link.find('>') - 1);
        auto url = boost::urls::parse_origin_form(target);
        ASSERT_TRUE(url) << target;
        query.clear();
        for (const auto& p : url->params()) {
            query[p.key] = p.value;
        }
        ASSERT_LE(pages, 5);
    }
    EXPECT_EQ(lines, 25u);
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(export_page({{"limit", "100001"}}).result(), bh::status::bad_request);
    auto csv_page = export_page({});
    EXPECT_EQ(csv_page[bh::field::content_type], "text/csv; charset=utf-8");
    EXPECT_THAT(csv_page.body(), HasSubstr("email,stream,reason"));
}

} // namespace
} // namespace mailgate::core::admin
