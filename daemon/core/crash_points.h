// SPDX-License-Identifier: GPL-3.0-or-later
// TEST ONLY: deterministic crash points, for the crash-at-every-step test (isync's way). A step is
// a SQLite commit that wrote something, an IMAP command answered, or an SMTP reply to a send.
// CLOSEOUTD_STEP_LOG=FILE appends "<n> <kind> <detail>" per step; CLOSEOUTD_CRASH_AFTER=N makes
// the process SIGKILL itself right after step N. Both are read once; unset, a step costs one test
// of a bool. Nothing here is fatal except the kill that was asked for.
#pragma once
#include <sqlite3.h>

#include <string_view>

namespace closeout::crash_points {

// True when either variable is set: a step must then be counted.
bool enabled() noexcept;

// Counts one step, logs it, and dies by SIGKILL (no clean-up) if it is the N-th.
void step(std::string_view kind, std::string_view detail) noexcept;

// The tagged response that ends an IMAP command has been read.
inline void imap_answered(std::string_view tagged_line) noexcept {
  if (enabled()) step("imap", tagged_line);
}

// The server's reply to a send has been read (end of DATA, or the refusal before it). The detail
// is the message's Message-ID, so a test can tell which mail was in the accept-commit window.
void smtp_replied_slow(std::string_view outcome, int code, std::string_view message) noexcept;
inline void smtp_replied(std::string_view outcome, int code, std::string_view message) noexcept {
  if (enabled()) smtp_replied_slow(outcome, code, message);
}

// sqlite3_wal_hook runs after each commit that appended frames to the WAL: the commit is then
// durable against a process crash, which is exactly the moment to stop. Installing a WAL hook
// replaces SQLite's automatic checkpoint (it is itself a WAL hook), so this one checkpoints at
// the same threshold (1000 pages). Inline, so the core library does not need SQLite to link: only
// the code that opens the database calls it.
constexpr int kAutoCheckpointPages = 1000;  // SQLITE_DEFAULT_WAL_AUTOCHECKPOINT

inline int on_wal_commit(void*, sqlite3* db, const char* name, int pages) {
  step("sqlite-commit", name);
  if (pages >= kAutoCheckpointPages) sqlite3_wal_checkpoint(db, name);
  return SQLITE_OK;
}

inline void watch_commits(sqlite3* db) noexcept {
  if (enabled()) sqlite3_wal_hook(db, &on_wal_commit, nullptr);
}

}  // namespace closeout::crash_points
