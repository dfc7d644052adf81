// SPDX-License-Identifier: GPL-3.0-or-later
#include "command_config.h"

namespace closeout {

std::optional<Config> load_command_config(const std::string& config_path, std::ostream& err) {
  try {
    return load_config(config_path);
  } catch (const ConfigError& e) {
    err << "closeoutctl: " << e.what() << '\n';
    return std::nullopt;
  }
}

}  // namespace closeout
