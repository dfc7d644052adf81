// SPDX-License-Identifier: GPL-3.0-or-later
// The rules a loaded configuration must meet before closeoutd touches mail. parse_config checks
// types and syntax; this checks meaning, because a config that cannot send a close-out must stop
// the daemon, not quarantine the dispatches it cannot answer.
#include "config_check.h"

#include <cctype>

#include "imap_syntax.h"
#include "mail_compose.h"

namespace closeout {

namespace {

[[noreturn]] void refuse(const Config& c, const std::string& key, const std::string& what) {
  throw ConfigError(c.source + ": " + key + ": " + what);
}

void one_address(const Config& c, const std::string& key, const std::string& value) {
  if (value.empty()) refuse(c, key, "is empty; closeoutd cannot send mail without it");
  auto parsed = parse_mail_address(value);
  if (!parsed || !is_envelope_safe(parsed->address))
    refuse(c, key,
           "\"" + value + "\" is not an address like \"Acme Service <service@dealer.example>\"");
}

// dealer.notify and dealer.admins are recipients: a pattern there would silently reach no one.
void address_list(const Config& c, const std::string& key, const std::vector<std::string>& list) {
  for (const auto& entry : list) {
    if (entry.find_first_of("*?") != std::string::npos)
      refuse(c, key, "\"" + entry + "\" is a pattern; this list needs real addresses");
    one_address(c, key, entry);
  }
}

// cits.senders and dealer.technicians are glob patterns; an empty one would match nothing.
void pattern_list(const Config& c, const std::string& key, const std::vector<std::string>& list) {
  for (const auto& entry : list) {
    if (entry.find_first_not_of(" \t") == std::string::npos)
      refuse(c, key, "has an empty entry; write a pattern such as \"*@dealer.example\"");
  }
}

void folder(const Config& c, const std::string& key, const std::string& name) {
  if (!imap::mailbox_argument(name)) refuse(c, key, "\"" + name + "\" cannot be a folder name");
  std::string upper;
  for (char ch : name) upper += static_cast<char>(ch >= 'a' && ch <= 'z' ? ch - 32 : ch);
  if (upper == "INBOX") refuse(c, key, "cannot be INBOX: mail moved there would be read again");
}

bool is_https_url(const std::string& url) {
  if (url.size() <= 8) return false;
  std::string scheme;
  for (std::size_t i = 0; i < 8; ++i)
    scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(url[i])));
  return scheme == "https://" && url.find_first_of(" \t\r\n") == std::string::npos;
}

// Tokens and the client secret travel to these: never in clear, not even to a test server
// (tests use the mail stack's CA through oauth.ca_file).
void https_endpoint(const Config& c, const std::string& key, const std::string& url) {
  if (!url.empty() && !is_https_url(url)) refuse(c, key, "\"" + url + "\" must be an https:// URL");
}

}  // namespace

bool uses_oauth2(const Config& c) { return c.imap.auth == "oauth2" || c.smtp.auth == "oauth2"; }

void check_oauth_config(const Config& c) {
  const OAuthConfig& o = c.oauth;
  if (o.provider != "microsoft" && o.provider != "google" && o.provider != "custom")
    refuse(c, "oauth.provider",
           "is \"" + o.provider + "\"; it must be microsoft, google or custom");
  if (o.client_id.empty())
    refuse(c, "oauth.client_id",
           "missing: auth = \"oauth2\" needs the client ID of your app registration (see the "
           "README, \"Microsoft 365 and Google (OAuth 2.0)\")");
  if (o.client_id.find_first_of(" \t\r\n") != std::string::npos)
    refuse(c, "oauth.client_id", "must not contain spaces or line breaks");
  https_endpoint(c, "oauth.device_authorization_endpoint", o.device_authorization_endpoint);
  https_endpoint(c, "oauth.authorization_endpoint", o.authorization_endpoint);
  https_endpoint(c, "oauth.token_endpoint", o.token_endpoint);
  if (o.provider == "microsoft") {
    if (o.tenant.empty() ||
        o.tenant.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789.-") != std::string::npos)
      refuse(c, "oauth.tenant",
             "\"" + o.tenant +
                 "\" is not a tenant ID or domain (e.g. \"organizations\" or "
                 "\"dealer.onmicrosoft.com\")");
  }
  if (o.provider == "custom") {
    if (o.token_endpoint.empty())
      refuse(c, "oauth.token_endpoint", "missing: provider = \"custom\" needs it");
    if (o.device_authorization_endpoint.empty() && o.authorization_endpoint.empty())
      refuse(c, "oauth.device_authorization_endpoint",
             "missing: provider = \"custom\" needs it or oauth.authorization_endpoint");
  }
  for (const auto& scope : o.scopes)
    if (scope.empty() || scope.find_first_of(" \t\r\n\"") != std::string::npos)
      refuse(c, "oauth.scopes", "\"" + scope + "\" is not one scope (one per list entry)");
}

void check_config_usable(const Config& c) {
  one_address(c, "smtp.from", c.smtp.from);
  one_address(c, "cits.closeout_address", c.cits.closeout_address);
  address_list(c, "dealer.notify", c.dealer.notify);
  address_list(c, "dealer.admins", c.dealer.admins);
  pattern_list(c, "cits.senders", c.cits.senders);
  pattern_list(c, "dealer.technicians", c.dealer.technicians);
  if (c.cits.senders.empty())
    refuse(c, "cits.senders", "is empty; no dispatch would be recognised");
  folder(c, "imap.processed_folder", c.imap.processed_folder);
  folder(c, "imap.quarantine_folder", c.imap.quarantine_folder);
  if (c.imap.processed_folder == c.imap.quarantine_folder)
    refuse(c, "imap.quarantine_folder", "must differ from imap.processed_folder");
  if (c.store.path.empty()) refuse(c, "store.path", "is empty");
  if (uses_oauth2(c)) check_oauth_config(c);
}

}  // namespace closeout
