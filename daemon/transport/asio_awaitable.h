// SPDX-License-Identifier: GPL-3.0-or-later
// Boost.Asio's coroutine support as closeoutd uses it. Boost 1.74 (Debian 12) uses
// std::exchange in awaitable.hpp without including <utility>, so every user includes this.
#pragma once
#include <utility>
// clang-format off
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
// clang-format on
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>

namespace closeout::transport {

// Runs one coroutine on io until it ends (one-shot tools: check-config, tests, benchmarks) and
// returns its value or rethrows its exception. The daemon runs its io_context itself.
template <typename T>
T run_to_completion(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
  std::optional<T> value;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T v) {
    error = e;
    if (!e) value = std::move(v);
  });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
  return std::move(*value);
}

inline void run_to_completion(boost::asio::io_context& io, boost::asio::awaitable<void> task) {
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(task), [&](std::exception_ptr e) { error = e; });
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
}

}  // namespace closeout::transport
