#pragma once

// The storage backends every contract suite runs against. A backend joins by being listed in
// all_backends().

#include "core/metrics/registry.hpp"
#include "core/storage/sqlite_store.hpp"
#include "core/storage/store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

namespace mailgate::core::storage::test {

struct backend {
    std::string name;
    /// Opens the store under test on a fresh `folder` (a backend without files derives its
    /// database from it). Opening the same folder again opens the same data.
    std::function<std::unique_ptr<store>(const std::filesystem::path& folder,
                                         metrics::histogram* commit_latency)>
        open;
};

// Names the backend in test output instead of dumping its bytes.
inline void PrintTo(const backend& b, std::ostream* out)
{
    *out << b.name;
}

inline backend sqlite_backend()
{
    return {"sqlite", [](const std::filesystem::path& folder, metrics::histogram* commit_latency) {
                sqlite_options options;
                options.path = folder / "mailgate.db";
                options.commit_latency = commit_latency;
                return open_sqlite_store(options);
            }};
}

inline auto all_backends()
{
    return ::testing::Values(sqlite_backend());
}

inline std::string name_of(const ::testing::TestParamInfo<backend>& info)
{
    return info.param.name;
}

} // namespace mailgate::core::storage::test
