// SPDX-License-Identifier: GPL-3.0-or-later
// The one place the program version is spelled, for --version and the mail headers.
#include "version.h"

namespace closeout {
std::string_view version() noexcept { return CLOSEOUT_VERSION; }
}  // namespace closeout
