// SPDX-License-Identifier: GPL-3.0-or-later
// The providers' well-known endpoints and scopes, and the configured overrides. Only the dealer's
// own app registration is used (no borrowed client IDs). A configuration that cannot sign in is a
// ConfigError naming the file and the key; the client secret is read here and never printed.
#include "oauth_provider.h"

#include <algorithm>

#include "config_check.h"
#include "server_settings.h"

namespace closeout::oauth {

namespace {

const char* const kMicrosoftScopes[] = {"https://outlook.office.com/IMAP.AccessAsUser.All",
                                        "https://outlook.office.com/SMTP.Send", "offline_access"};
const char* const kGoogleScope = "https://mail.google.com/";

void override_with(std::string& endpoint, const std::string& configured) {
  if (!configured.empty()) endpoint = configured;
}

}  // namespace

OAuthEndpoints resolve_endpoints(const Config& config) {
  check_oauth_config(config);
  const OAuthConfig& o = config.oauth;
  OAuthEndpoints e;
  e.provider = o.provider;
  e.client_id = o.client_id;
  e.ca_file = o.ca_file;
  if (o.provider == "microsoft") {
    const std::string base = "https://login.microsoftonline.com/" + o.tenant + "/oauth2/v2.0/";
    e.device_authorization = base + "devicecode";
    e.authorization = base + "authorize";
    e.token = base + "token";
    e.scopes.assign(std::begin(kMicrosoftScopes), std::end(kMicrosoftScopes));
  } else if (o.provider == "google") {
    e.authorization = "https://accounts.google.com/o/oauth2/v2/auth";
    e.token = "https://oauth2.googleapis.com/token";
    e.scopes = {kGoogleScope};
    e.device_flow_default = false;
  }
  override_with(e.device_authorization, o.device_authorization_endpoint);
  override_with(e.authorization, o.authorization_endpoint);
  override_with(e.token, o.token_endpoint);
  if (!o.scopes.empty()) e.scopes = o.scopes;
  // Without offline_access Entra ID gives no refresh token, and closeoutd would need a login
  // every hour.
  if (o.provider == "microsoft" &&
      std::find(e.scopes.begin(), e.scopes.end(), "offline_access") == e.scopes.end())
    e.scopes.emplace_back("offline_access");
  if (!o.client_secret_file.empty()) {
    try {
      e.client_secret =
          transport::read_secret_file(o.client_secret_file, "oauth.client_secret_file");
    } catch (const ConfigError& error) {
      throw ConfigError(config.source + ": " + error.what());
    }
  }
  return e;
}

}  // namespace closeout::oauth
