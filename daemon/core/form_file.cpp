// SPDX-License-Identifier: GPL-3.0-or-later
// Reads cits.form_definition from disk (the parsers themselves never touch files).
#include "form_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace closeout {

std::shared_ptr<const FormDefinition> load_form_definition(const Config& config) {
  const std::string& path = config.cits.form_definition;
  if (path.empty()) {
    return std::shared_ptr<const FormDefinition>(&FormDefinition::builtin(), [](auto*) {});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(config.source + ": cits.form_definition: cannot read " + path + ": " +
                      std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return std::make_shared<const FormDefinition>(FormDefinition::from_toml(text.str(), path));
  } catch (const FormError& e) {
    throw ConfigError(e.what());
  }
}

}  // namespace closeout
