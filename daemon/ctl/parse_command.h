// SPDX-License-Identifier: GPL-3.0-or-later
// `closeoutctl parse FILE...`: offline classification, extraction and validation of mail files,
// for admins checking what closeoutd would make of a message. No network, no database.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace closeout {

struct ParseCommandOptions {
  std::optional<std::string> config_path;
  std::vector<std::string> files;  // "-" is standard input
  bool json = false;
  std::optional<std::string> today;  // YYYY-MM-DD; default: the local date
};

// Returns the process exit code (SPEC "Commands"); results go to stdout, errors to stderr.
int run_parse_command(const ParseCommandOptions& options);

}  // namespace closeout
