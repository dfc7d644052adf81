// SPDX-License-Identifier: GPL-3.0-or-later
// How closeout-extract ends, as its parent (daemon/core/attachment_helper.cpp) reads it: part of
// the helper's protocol beside the reading's JSON (attachment_reading.h). Any other exit, or a
// signal, is an "unreadable" attachment with the reason.
#pragma once

namespace closeout::extract_exit {
inline constexpr int ok = 0;       // the reading is on standard output
inline constexpr int usage = 64;   // a bad command line (a bug of the parent's)
inline constexpr int failed = 65;  // no reading could be written (the reason is on stderr)
// An allocation failed: the address space the parent allowed (extract_memory) ran out.
inline constexpr int out_of_memory = 70;
}  // namespace closeout::extract_exit
