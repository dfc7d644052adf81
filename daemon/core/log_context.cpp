// SPDX-License-Identifier: GPL-3.0-or-later
#include "log_context.h"

#include <utility>

namespace closeout {

namespace {
thread_local LogContext current;
}

ScopedLogContext::ScopedLogContext(LogContext context)
    : previous_(std::exchange(current, std::move(context))) {}

ScopedLogContext::~ScopedLogContext() { current = std::move(previous_); }

const LogContext& current_log_context() { return current; }

}  // namespace closeout
