// SPDX-License-Identifier: GPL-3.0-or-later
// Talking to systemd (Type=notify): READY, STATUS, WATCHDOG, STOPPING. Outside systemd
// (no NOTIFY_SOCKET) every call is a no-op.
#pragma once
#include <chrono>
#include <optional>
#include <string>

namespace closeout {

void notify_ready(const std::string& status);
void notify_status(const std::string& status);
void notify_stopping();
void notify_reloading();
void notify_watchdog();
// Half the WatchdogSec= systemd expects pings within; nullopt when no watchdog is set.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace closeout
