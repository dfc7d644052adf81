// SPDX-License-Identifier: GPL-3.0-or-later
// check-config's offline look at the OAuth sign-in (auth = "oauth2"): the [oauth] keys, the
// client secret file, and a token store that exists, is 0600, reads, and is not marked as
// needing a new login. A problem is exit 78 with the command to run. The online login with the
// token is done elsewhere (check_config_command.cpp, sign_in_for_probes).
#pragma once
#include <iosfwd>

#include "config.h"

namespace closeout {

// On a problem one "OAuth   ..." line to out and one "closeoutctl: ..." line to err; when fine,
// an "OAuth   ..." line only if say_ok (online, the probes' sign-in says it). Returns 0, or 78
// (exit_code::config). Does nothing (0) when no section uses oauth2.
int check_oauth_sign_in_offline(const Config& config, bool say_ok, std::ostream& out,
                                std::ostream& err);

}  // namespace closeout
