// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutd's event loop: one io_context running the IMAP watcher, the outbox and reminder
// timer, the systemd watchdog and the signals. SIGTERM/SIGINT finish the message in hand and
// stop within 2 seconds; SIGHUP reloads the config and templates (a bad file is logged and the
// old set kept).
#pragma once
#include <string>

#include "runtime.h"

namespace closeout {

// Runs until a stop signal (exit 0) or a failure retrying cannot fix: a refused login or a bad
// configuration (exit 78). Logs the reason once.
int run_daemon(workflow::Runtime& runtime);

// --once: fetch all new mail and process it, sending each batch's mail while the next is read;
// queue due reminders, send what is left, exit.
// 0 when all of it worked; 69 or 78 when a server could not be used (what was done is kept).
int run_once(workflow::Runtime& runtime);

}  // namespace closeout
