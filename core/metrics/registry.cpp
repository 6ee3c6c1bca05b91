#include "core/metrics/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace mailgate::core::metrics {
namespace {

std::string escape(const std::string& value)
{
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string label_text(const labels& l, const std::string& extra = "")
{
    std::string out;
    for (const auto& [k, v] : l) {
        out += (out.empty() ? "" : ",") + k + "=\"" + escape(v) + "\"";
    }
    if (!extra.empty()) {
        out += (out.empty() ? "" : ",") + extra;
    }
    return out.empty() ? "" : "{" + out + "}";
}

std::string number(double v)
{
    return fmt::format("{}", v);
}

} // namespace

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1])
{
    if (!std::is_sorted(bounds_.begin(), bounds_.end())) {
        throw std::invalid_argument("histogram bounds must ascend");
    }
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        counts_[i].store(0);
    }
}

void histogram::observe(double value) noexcept
{
    auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
    counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
    sum_micros_.fetch_add(static_cast<uint64_t>(std::max(0.0, value) * 1e6),
                          std::memory_order_relaxed);
}

std::vector<uint64_t> histogram::cumulative_counts() const
{
    std::vector<uint64_t> out(bounds_.size() + 1);
    uint64_t running = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        running += counts_[i].load(std::memory_order_relaxed);
        out[i] = running;
    }
    return out;
}

double histogram::sum() const noexcept
{
    return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
}

registry::family& registry::family_of(const std::string& name, const std::string& help,
                                      const char* type)
{
    family& f = families_[name];
    if (f.type.empty()) {
        f.help = help;
        f.type = type;
    } else if (f.type != type) {
        throw std::logic_error("metric " + name + " registered as " + f.type + " and " + type);
    }
    return f;
}

namespace {

// The series `l` of a family's map, made by `make` on first use.
template <class Series, class Make>
Series& series_of(std::map<labels, std::unique_ptr<Series>>& series, const labels& l, Make make)
{
    auto& slot = series[l];
    if (!slot) {
        slot = make();
    }
    return *slot;
}

} // namespace

counter& registry::get_counter(const std::string& name, const std::string& help, const labels& l)
{
    std::lock_guard lock(mutex_);
    return series_of(family_of(name, help, "counter").counters, l,
                     [] { return std::make_unique<counter>(); });
}

histogram& registry::get_histogram(const std::string& name, const std::string& help,
                                   const std::vector<double>& bounds, const labels& l)
{
    std::lock_guard lock(mutex_);
    return series_of(family_of(name, help, "histogram").histograms, l,
                     [&bounds] { return std::make_unique<histogram>(bounds); });
}

gauge& registry::get_gauge(const std::string& name, const std::string& help, const labels& l)
{
    std::lock_guard lock(mutex_);
    return series_of(family_of(name, help, "gauge").gauges, l,
                     [] { return std::make_unique<gauge>(); });
}

void registry::add_gauge(const std::string& name, const std::string& help,
                         std::function<double()> read)
{
    add_gauges(name, help, [read = std::move(read)] {
        return std::vector<std::pair<labels, double>>{{labels{}, read()}};
    });
}

void registry::add_gauges(const std::string& name, const std::string& help,
                          std::function<std::vector<std::pair<labels, double>>()> read)
{
    std::lock_guard lock(mutex_);
    family_of(name, help, "gauge").read = std::move(read);
}

std::map<std::string, std::vector<std::pair<labels, double>>> registry::read_gauges() const
{
    std::vector<std::pair<std::string, decltype(family::read)>> reads;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, f] : families_) {
            if (f.read) {
                reads.emplace_back(name, f.read);
            }
        }
    }
    std::map<std::string, std::vector<std::pair<labels, double>>> values;
    for (const auto& [name, read] : reads) {
        values.emplace(name, read());
    }
    return values;
}

std::string registry::render() const
{
    // A gauge may block (the queue depth reads the store): read without the lock, which a
    // request takes to create its counter's series.
    const auto gauges = read_gauges();
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, f] : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, f.type);
        for (const auto& [l, c] : f.counters) {
            out += fmt::format("{}{} {}\n", name, label_text(l), c->value());
        }
        for (const auto& [l, h] : f.histograms) {
            auto counts = h->cumulative_counts();
            for (std::size_t i = 0; i < h->bounds().size(); ++i) {
                out +=
                    fmt::format("{}_bucket{} {}\n", name,
                                label_text(l, "le=\"" + number(h->bounds()[i]) + "\""), counts[i]);
            }
            out +=
                fmt::format("{}_bucket{} {}\n", name, label_text(l, "le=\"+Inf\""), counts.back());
            out += fmt::format("{}_sum{} {}\n", name, label_text(l), number(h->sum()));
            out += fmt::format("{}_count{} {}\n", name, label_text(l), counts.back());
        }
        for (const auto& [l, g] : f.gauges) {
            out += fmt::format("{}{} {}\n", name, label_text(l), number(g->value()));
        }
        if (auto read = gauges.find(name); read != gauges.end()) {
            for (const auto& [l, value] : read->second) {
                out += fmt::format("{}{} {}\n", name, label_text(l), number(value));
            }
        }
    }
    return out;
}

counter_family::counter_family(registry& registry, std::string name, std::string help,
                               std::vector<std::string> label_names)
    : registry_(registry), name_(std::move(name)), help_(std::move(help)),
      label_names_(std::move(label_names))
{
}

counter& counter_family::with(std::initializer_list<std::string_view> values) const
{
    if (values.size() != label_names_.size()) {
        throw std::logic_error("metric " + name_ + " takes " + std::to_string(label_names_.size()) +
                               " label values");
    }
    thread_local std::string key;
    key.clear();
    for (auto value : values) {
        key.append(value).push_back('\0');
    }
    std::lock_guard lock(mutex_);
    auto it = series_.find(std::string_view(key));
    if (it == series_.end()) {
        labels l;
        auto name = label_names_.begin();
        for (auto value : values) {
            l.emplace(*name++, value);
        }
        it = series_.emplace(key, &registry_.get_counter(name_, help_, l)).first;
    }
    return *it->second;
}

} // namespace mailgate::core::metrics
