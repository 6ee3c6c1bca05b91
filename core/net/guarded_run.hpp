#pragma once

// An I/O thread's loop. An exception that escapes a handler would end io_context::run(), and
// with it the thread (std::terminate for any thread but the caller's): every connection on it,
// for the fault of one. The guard logs it and runs the context again.

#include <boost/asio/io_context.hpp>

#include <string>

namespace mailgate::core::net {

/// Runs `io` until it stops or runs out of work, as io_context::run() does; an exception from
/// a handler is logged on `log_area`'s logger and the loop goes on. The handler that threw is
/// gone; what it left unfinished is the owner's to bound (each connection has its deadlines).
void guarded_run(boost::asio::io_context& io, const std::string& log_area);

} // namespace mailgate::core::net
