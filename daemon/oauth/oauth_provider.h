// SPDX-License-Identifier: GPL-3.0-or-later
// Which endpoints, client and scopes an OAuth sign-in uses: the provider's well-known ones
// (microsoft, google) or the configured ones (custom); a configured endpoint always wins.
// A configuration that cannot work is a ConfigError naming the key (exit 78).
#pragma once
#include <string>
#include <vector>

#include "config.h"

namespace closeout::oauth {

struct OAuthEndpoints {
  std::string provider;  // "microsoft" | "google" | "custom"
  std::string client_id;
  std::string client_secret;         // read from client_secret_file; "" when none; never logged
  std::string device_authorization;  // "" when the provider has no usable device flow
  std::string authorization;
  std::string token;
  std::vector<std::string> scopes;  // requested (always includes offline_access for microsoft)
  std::string ca_file;
  bool device_flow_default = true;  // false for google (Gmail scopes refuse the device flow)
};

// microsoft: https://login.microsoftonline.com/{tenant}/oauth2/v2.0/{devicecode,authorize,token},
//   scopes https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send
//   offline_access
// google: https://accounts.google.com/o/oauth2/v2/auth, https://oauth2.googleapis.com/token,
//   scope https://mail.google.com/ ; device flow: "" (refused by Google for that scope)
// custom: the configured endpoints. A configured endpoint always overrides the provider's.
// Throws ConfigError naming the key ("oauth.client_id: missing ...").
OAuthEndpoints resolve_endpoints(const Config& config);

}  // namespace closeout::oauth
