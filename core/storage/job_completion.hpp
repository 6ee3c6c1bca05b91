#pragma once

// How a write job reports back from the writer thread: a caller's handler must not throw into
// the writer, and a waiting caller gets the error as an exception.

#include "core/log/log.hpp"

#include <exception>
#include <future>
#include <system_error>

namespace mailgate::core::storage {

/// Runs a caller's handler, logging whatever it throws.
template <typename Call>
void call_handler(Call&& call) noexcept
{
    try {
        call();
    } catch (const std::exception& e) {
        log::get("storage")->error("a commit handler threw: {}", e.what());
    } catch (...) {
        log::get("storage")->error("a commit handler threw");
    }
}

/// Fulfils `done` through `fulfil`, or with the error as std::system_error.
template <typename T, typename Fulfil>
void settle(std::promise<T>& done, std::error_code error, const char* what, Fulfil fulfil)
{
    if (error) {
        done.set_exception(std::make_exception_ptr(std::system_error(error, what)));
    } else {
        fulfil();
    }
}

} // namespace mailgate::core::storage
