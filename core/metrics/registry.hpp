#pragma once

// Process metrics in the Prometheus text format (version 0.0.4): counters and histograms with
// labels, and gauges read at scrape time. Recording is lock-free; creating a series locks.

#include <atomic>
#include <bit>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailgate::core::metrics {

using labels = std::map<std::string, std::string>;

class counter {
public:
    void add(uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> value_{0};
};

/// A value set as things happen (the time of the last callback). Stored as the double's bits.
class gauge {
public:
    void set(double v) noexcept
    {
        bits_.store(std::bit_cast<uint64_t>(v), std::memory_order_relaxed);
    }
    double value() const noexcept
    {
        return std::bit_cast<double>(bits_.load(std::memory_order_relaxed));
    }

private:
    std::atomic<uint64_t> bits_{0}; // 0.0
};

class histogram {
public:
    /// `bounds`: the upper bounds of the buckets, ascending (the +Inf bucket is implied).
    explicit histogram(std::vector<double> bounds);
    void observe(double value) noexcept;

    const std::vector<double>& bounds() const noexcept { return bounds_; }
    /// Cumulative counts per bound, then the total count; and the sum.
    std::vector<uint64_t> cumulative_counts() const;
    double sum() const noexcept;

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<uint64_t>[]> counts_; // one per bound, plus +Inf
    std::atomic<uint64_t> sum_micros_{0};             // the sum, in millionths
};

class registry {
public:
    /// The series `name{labels}`, created on first use. The reference stays valid for the
    /// registry's life. THREAD: any.
    counter& get_counter(const std::string& name, const std::string& help, const labels& l = {});
    histogram& get_histogram(const std::string& name, const std::string& help,
                             const std::vector<double>& bounds, const labels& l = {});
    /// The gauge series `name{labels}`, created on first use (at 0). The reference stays valid
    /// for the registry's life. THREAD: any.
    gauge& get_gauge(const std::string& name, const std::string& help, const labels& l);
    /// A value read when metrics are rendered (queue depth, connections).
    void add_gauge(const std::string& name, const std::string& help, std::function<double()> read);
    /// Series read when metrics are rendered, each with its labels (the queue by provider and
    /// state). `read` may block; it runs without the registry's lock.
    void add_gauges(const std::string& name, const std::string& help,
                    std::function<std::vector<std::pair<labels, double>>()> read);

    /// Every series, in the Prometheus text format.
    std::string render() const;

private:
    /// Each read gauge's series by family name, read without holding mutex_.
    std::map<std::string, std::vector<std::pair<labels, double>>> read_gauges() const;

    struct family {
        std::string help;
        std::string type;
        std::map<labels, std::unique_ptr<counter>> counters;
        std::map<labels, std::unique_ptr<histogram>> histograms;
        std::map<labels, std::unique_ptr<metrics::gauge>> gauges;
        std::function<std::vector<std::pair<labels, double>>()> read;
    };

    family& family_of(const std::string& name, const std::string& help, const char* type);

    mutable std::mutex mutex_;
    std::map<std::string, family> families_;
};

/// The counters of one metric, found by their label values: for a hot path, where building a
/// `labels` map and locking the whole registry on every request would cost more than counting.
/// LIFETIME: within the registry's.
class counter_family {
public:
    counter_family(registry& registry, std::string name, std::string help,
                   std::vector<std::string> label_names);

    /// `values`: one per label name, in their order. THREAD: any.
    counter& with(std::initializer_list<std::string_view> values) const;

private:
    registry& registry_;
    const std::string name_;
    const std::string help_;
    const std::vector<std::string> label_names_;
    mutable std::mutex mutex_;
    mutable std::map<std::string, counter*, std::less<>> series_; // key: the values, '\0'-joined
};

} // namespace mailgate::core::metrics
