// SPDX-License-Identifier: GPL-3.0-or-later
// check-config's offline part for auth = "oauth2": an admin who has not run `oauth login` yet, or
// whose sign-in was revoked, is told so with the exact command, before any server is contacted.
#include "oauth_check.h"

#include <ostream>

#include "config_check.h"
#include "exit_codes.h"
#include "oauth_provider.h"
#include "token_store.h"

namespace closeout {

int check_oauth_sign_in_offline(const Config& config, bool say_ok, std::ostream& out,
                                std::ostream& err) {
  if (!uses_oauth2(config)) return exit_code::ok;
  const std::string login = "closeoutctl --config " + config.source + " oauth login";
  const std::string path = oauth::token_store_path(config);
  std::optional<oauth::TokenSet> tokens;
  try {
    // The keys, and the client secret read as the daemon will (never printed).
    (void)oauth::resolve_endpoints(config);
    tokens = oauth::load_token_store(path);
  } catch (const ConfigError& e) {
    err << "closeoutctl: " << e.what() << '\n';
    return exit_code::config;
  } catch (const oauth::TokenStoreError& e) {
    out << "OAuth   " << path << ": FAILED (token store)\n";
    err << "closeoutctl: " << e.what() << '\n';
    return exit_code::config;
  }
  if (!tokens) {
    out << "OAuth   " << path << ": not signed in\n";
    err << "closeoutctl: OAuth: not signed in yet: run " << login << '\n';
    return exit_code::config;
  }
  if (tokens->needs_login || tokens->refresh_token.empty()) {
    out << "OAuth   " << path << ": sign-in needed\n";
    err << "closeoutctl: OAuth: sign-in needed"
        << (tokens->last_error.empty() ? "" : ": " + tokens->last_error) << ": run " << login
        << '\n';
    return exit_code::config;
  }
  if (!say_ok) return exit_code::ok;
  out << "OAuth   " << config.oauth.provider << ": token store " << path << " (signed in as "
      << tokens->username << ")\n";
  return exit_code::ok;
}

}  // namespace closeout
