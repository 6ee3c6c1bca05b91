#pragma once

// The kit's verdicts: one line per check for a person, the same as a JSON document for CI.

#include <iosfwd>
#include <string>
#include <vector>

namespace mailgate::conformance {

enum class verdict { pass, fail, skip };

struct check_result {
    std::string name; ///< e.g. "descriptor.id", "fixture:hard_bounce", "hostile:empty"
    verdict outcome = verdict::pass;
    std::string detail;
};

class check_report {
public:
    void add(std::string name, verdict outcome, std::string detail);
    /// A check that could not run because an earlier one failed.
    void skip(std::string name, std::string why) { add(std::move(name), verdict::skip, why); }

    /// True when no check failed (skipped checks only follow failed ones).
    bool passed() const noexcept;
    const std::vector<check_result>& checks() const noexcept { return checks_; }

    /// `PASS|FAIL|SKIP <check> <detail>` lines and a summary line.
    void print_text(std::ostream& out) const;
    /// {"driver": ..., "passed": bool, "summary": {...}, "checks": [{name, result, detail}]}
    void print_json(std::ostream& out, const std::string& driver_file) const;

private:
    std::vector<check_result> checks_;
};

} // namespace mailgate::conformance
