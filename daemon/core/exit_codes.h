// SPDX-License-Identifier: GPL-3.0-or-later
// Process exit codes shared by closeoutd and closeoutctl (sysexits.h values, as SPEC "Commands"
// fixes them).
#pragma once

namespace closeout::exit_code {
inline constexpr int ok = 0;
inline constexpr int usage = 64;       // EX_USAGE: bad command line
inline constexpr int data_error = 65;  // EX_DATAERR: input is not a readable message
inline constexpr int no_input = 66;    // EX_NOINPUT: an input file is missing
inline constexpr int unavailable =
    69;  // EX_UNAVAILABLE: a server unreachable, TLS or certificate failure
inline constexpr int software = 70;     // EX_SOFTWARE: a bug of ours; the message says what
inline constexpr int cant_create = 73;  // EX_CANTCREAT: an output file cannot be written
inline constexpr int io_error = 74;     // EX_IOERR: the database is corrupt, full or read-only
inline constexpr int temp_fail = 75;    // EX_TEMPFAIL: another closeoutd works on this database
inline constexpr int config = 78;       // EX_CONFIG: bad configuration, authentication refused
}  // namespace closeout::exit_code
