#include "tools/conformance/isolated_call.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

namespace mailgate::conformance {
namespace {

bool leaked() noexcept
{
#if defined(__SANITIZE_ADDRESS__)
    return __lsan_do_recoverable_leak_check() != 0;
#else
    return false;
#endif
}

[[noreturn]] void child(int out, const std::function<check_outcome()>& check)
{
    check_outcome outcome;
    try {
        outcome = check();
    } catch (const std::exception& e) {
        outcome = {false, std::string("an exception escaped: ") + e.what()};
    } catch (...) {
        outcome = {false, "an exception escaped"};
    }
    if (leaked()) {
        outcome = {false, "memory leaked during the call (see the LeakSanitizer report)"};
    }
    const std::string message = (outcome.passed ? "P" : "F") + outcome.detail;
    for (std::size_t done = 0; done < message.size();) {
        const ssize_t n = ::write(out, message.data() + done, message.size() - done);
        if (n <= 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    // _exit: the child must not run the parent's atexit handlers or flush its buffers twice.
    ::_exit(0);
}

// Reads until the child closes the pipe or the deadline passes; false on timeout.
bool read_until_closed(int in, std::chrono::milliseconds timeout, std::string& message)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd p{in, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            return false;
        }
        const ssize_t n = ::read(in, buffer, sizeof(buffer));
        if (n <= 0) {
            return true;
        }
        message.append(buffer, static_cast<std::size_t>(n));
    }
}

check_outcome child_died(int status)
{
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return {false, "the driver crashed (signal " + std::to_string(sig) + ", " +
                           ::strsignal(sig) + ")"};
    }
    return {false, "the check's process exited with status " + std::to_string(WEXITSTATUS(status)) +
                       " without a verdict (a sanitizer report is above)"};
}

} // namespace

check_outcome run_isolated(const std::function<check_outcome()>& check,
                           std::chrono::milliseconds timeout)
{
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    int fds[2];
    if (::pipe(fds) != 0) {
        return {false, std::string("pipe: ") + std::strerror(errno)};
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return {false, std::string("fork: ") + std::strerror(errno)};
    }
    if (pid == 0) {
        ::close(fds[0]);
        child(fds[1], check);
    }
    ::close(fds[1]);
    std::string message;
    const bool answered = read_until_closed(fds[0], timeout, message);
    ::close(fds[0]);
    if (!answered) {
        ::kill(pid, SIGKILL);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!answered) {
        return {false, "no answer within " + std::to_string(timeout.count()) + " ms"};
    }
    if (message.empty() || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return child_died(status);
    }
    return {message[0] == 'P', message.substr(1)};
}

} // namespace mailgate::conformance
