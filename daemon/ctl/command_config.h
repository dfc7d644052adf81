// SPDX-License-Identifier: GPL-3.0-or-later
// The configuration for a closeoutctl command that needs nothing else opened first (backup,
// oauth status, oauth logout). Not fatal here: a ConfigError is printed as the one line the
// command ends with, and the caller returns exit_code::config (78).
#pragma once
#include <optional>
#include <ostream>
#include <string>

#include "config.h"

namespace closeout {

std::optional<Config> load_command_config(const std::string& config_path, std::ostream& err);

}  // namespace closeout
