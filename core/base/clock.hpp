#pragma once

// The wall clock as every area stores and compares it.

#include <cstdint>

namespace mailgate::core::base {

/// The time now, in Unix milliseconds. THREAD: any.
int64_t unix_ms_now();

} // namespace mailgate::core::base
