// SPDX-License-Identifier: GPL-3.0-or-later
// `closeoutctl oauth login | status | logout` (SPEC "OAuth 2.0 sign-in"): signs the dealer's
// mailbox in with the device or browser flow and writes the token store, shows the sign-in
// without a token, removes it. Exit 0 stored, 77 declined, 75 expired, 69 endpoint unreachable,
// 78 configuration (and not signed in, for status).
#pragma once
#include <iosfwd>
#include <string>

namespace closeout {

struct OAuthLoginOptions {
  std::string config_path;
  bool device = false;
  bool browser = false;
  bool json = false;
};

int run_oauth_login(const OAuthLoginOptions& options, std::ostream& out, std::ostream& err);
int run_oauth_status(const std::string& config_path, bool json, std::ostream& out,
                     std::ostream& err);
int run_oauth_logout(const std::string& config_path, std::ostream& out, std::ostream& err);

}  // namespace closeout
