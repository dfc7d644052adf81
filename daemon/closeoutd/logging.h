// Where closeoutd's log goes: stderr (which systemd puts in the journal), or a rotating file
// when log.file is set; at log.level. Lines never carry a secret: transport errors are redacted
// before they get here.
#pragma once
#include "config.h"

namespace closeout {

// Throws ConfigError when log.file cannot be opened.
void setup_logging(const Config& config);

}  // namespace closeout
