#pragma once

// An intake report as JSON, the same for POST /v1/bounces and `mailgate bounces parse`
// (docs/bounce-mail.md, "Results").

#include "core/intake/bounce_intake.hpp"

#include <boost/json/object.hpp>

namespace mailgate::core::intake {

/// `stored`: whether the report's events were stored (then "stored" and "duplicates" say how
/// many), or only read (a dry run).
boost::json::object report_json(const intake_report& report, bool stored);

} // namespace mailgate::core::intake
