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
