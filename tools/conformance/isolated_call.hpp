#pragma once

// Runs one check against the driver in a child process, so a driver that crashes, hangs or
// aborts fails that check and the kit goes on to the next.

#include <chrono>
#include <functional>
#include <string>

namespace mailgate::conformance {

struct check_outcome {
    bool passed = false;
    std::string detail;
};

/// Forks; the child runs `check` and reports its outcome through a pipe. Fails the check when
/// the child dies (signal, sanitizer abort), lets an exception escape, does not answer within
/// `timeout` (it is killed), or, in a LeakSanitizer build, leaks during the call.
/// THREAD: the kit is single-threaded; fork() relies on that.
check_outcome run_isolated(const std::function<check_outcome()>& check,
                           std::chrono::milliseconds timeout);

} // namespace mailgate::conformance
