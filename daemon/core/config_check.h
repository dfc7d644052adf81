// SPDX-License-Identifier: GPL-3.0-or-later
// Whether a configuration that loaded can actually work: every address closeoutd writes to (or
// from) parses, the folders can be named to the server and differ, the store has a path. The
// one place this is decided, run at start-up and on reload before any mail is touched, and by
// check-config. A failure is a ConfigError (exit 78) naming the file and the key.
#pragma once
#include "config.h"

namespace closeout {

// Throws ConfigError "file: key: what is wrong" for the first key that cannot work.
void check_config_usable(const Config& config);

// Whether imap.auth or smtp.auth is "oauth2" (the built-in sign-in).
bool uses_oauth2(const Config& config);
// The [oauth] keys (check_config_usable runs this when either section uses oauth2): client_id
// set, endpoints https:// only, custom with its token endpoint and a login endpoint, a tenant
// that can be put in a URL. Throws ConfigError "file: oauth.key: what is wrong".
void check_oauth_config(const Config& config);

}  // namespace closeout
