// SPDX-License-Identifier: GPL-3.0-or-later
// The one token set closeoutctl's login writes and closeoutd refreshes: a JSON file, mode 0600,
// replaced whole by fsync + rename so a crash leaves the old or the new file, never a torn one.
// A looser mode, an unreadable or malformed file is a TokenStoreError naming the path only.
#pragma once
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config.h"

namespace closeout::oauth {

struct TokenSet {
  std::string provider;
  std::string username;  // who signed in (may differ from the mailbox: shared
                         // mailboxes); from the grant, else imap.username
  std::vector<std::string> scopes;
  std::string access_token;   // secret
  std::string refresh_token;  // secret
  std::chrono::system_clock::time_point access_obtained_at{};
  std::chrono::system_clock::time_point access_expires_at{};
  std::chrono::system_clock::time_point refresh_obtained_at{};  // when this refresh token came
  std::chrono::system_clock::time_point last_refresh_at{};      // last successful refresh
  std::string last_error;    // "" when fine; plain words, never a token
  bool needs_login = false;  // invalid_grant seen: only `oauth login` clears it
};

class TokenStoreError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// oauth.token_store, or "oauth-tokens.json" in the directory of store.path.
std::string token_store_path(const Config& config);
// nullopt: no file (never signed in). Throws TokenStoreError when the file is readable by group
// or others (mode looser than 0600: "…: mode 0644, must be 0600 (chmod 600 …)"), unreadable or
// malformed; the message names the path, never the content.
std::optional<TokenSet> load_token_store(const std::string& path);
// Writes path.tmp with mode 0600, fsync, rename over path, fsync the directory. Throws
// TokenStoreError. Safe against a crash at any point (old or new file, never a torn one).
void save_token_store(const std::string& path, const TokenSet& tokens);
// Removes the file (logout). false when there was none.
bool remove_token_store(const std::string& path);
// JSON for `oauth status --json` (SPEC fields; never a token): {"provider","username","scopes",
// "access_expires_at","refresh_obtained_at","last_refresh_at","last_error"} plus "needs_login".
nlohmann::json token_status_json(const TokenSet& tokens);

}  // namespace closeout::oauth
