// SPDX-License-Identifier: GPL-3.0-or-later
// Where closeoutd's log goes, at log.level: a rotating file when log.file is set; else the
// journal, with structured fields, when systemd connected stderr to it; else stderr. Lines never
// carry a secret: transport errors are redacted before they get here.
#pragma once
#include "config.h"

namespace closeout {

// Throws ConfigError when log.file cannot be opened.
void setup_logging(const Config& config);

}  // namespace closeout
