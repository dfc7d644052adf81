// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutctl backup FILE: a consistent copy of the database while closeoutd runs, by SQLite's
// online backup (one read snapshot: writers are not held up, the copy is never half of two
// states). Written to FILE.tmp, checked, fsynced and renamed, so FILE is always a whole copy.
#pragma once
#include <iosfwd>
#include <string>

namespace closeout {

// 0 done; 64 FILE is the live database (or its -wal, -shm, .lock); 66 no database yet; 73
// FILE.tmp cannot be written; 74 the database cannot be read or the copy fails its check;
// 78 a bad configuration.
int run_backup(const std::string& config_path, const std::string& file, std::ostream& out,
               std::ostream& err);

}  // namespace closeout
