// SPDX-License-Identifier: GPL-3.0-or-later
// How to reach one mail server (the [imap] or [smtp] section) and how libcurl is told: URL, TLS
// policy, CA file, credentials. The secret is read from its file here and only ever handed to
// libcurl; nothing here logs or prints it.
#pragma once
#include <curl/curl.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "config.h"
#include "transport_error.h"

namespace closeout::transport {

struct ServerSettings {
  std::string section;  // "imap" or "smtp", for messages that name the key to fix
  std::string url;
  bool starttls_required = true;
  std::string username;
  bool xoauth2 = false;    // auth = "xoauth2": SASL XOAUTH2 with the token from token_file
  bool oauth2 = false;     // auth = "oauth2": the built-in sign-in; the token is set (secret)
                           // from the TokenManager just before each connection's login
  std::string secret;      // password or bearer token
  std::string token_file;  // xoauth2: where the token came from, read again before each login
  std::string token_user;  // oauth2: who signed in; may differ from username (shared mailbox)
  std::string ca_file;
  bool tls_verify = true;
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds response_timeout{60000};

  std::string where() const;  // "IMAP imaps://host:993/INBOX", userinfo removed
  std::string host() const;
  bool implicit_tls() const;  // imaps:// or smtps://
  bool bearer() const { return xoauth2 || oauth2; }
  // "the token is for X, the mailbox is Y" for refusals that may come from a wrong sign-in.
  std::string token_mismatch_hint() const;
};

// Reads the password or token file. A name without a "/" is a systemd credential, looked up in
// $CREDENTIALS_DIRECTORY. Throws ConfigError naming the key and the file, never its content.
std::string read_secret_file(const std::string& name, const std::string& key);

// The settings for one section; reads the secret. Throws ConfigError.
ServerSettings server_settings(const MailServerConfig& config, std::string_view section);

// An OAuth token expires within the hour and a helper rewrites its file: a connection made later
// must log in with the new one. Re-reads token_file (xoauth2 only); when it cannot be read, keeps
// the token it had and returns the error, which names the file, never its content.
std::optional<std::string> refresh_token(ServerSettings& settings);

// Sets URL, TLS, credentials and timeouts on a fresh easy handle. oauth2 lets libcurl pick
// OAUTHBEARER or XOAUTH2, whichever the server offers, and nothing else: left to itself,
// libcurl 7.88 prefers EXTERNAL, DIGEST-MD5 and CRAM-MD5 to both, and would send those without
// the token. xoauth2 (an external helper's token file) stays XOAUTH2 only, as it always was.
void apply_server_settings(CURL* easy, const ServerSettings& settings, char* error_buffer);

// The server's refusal of a login or of our sender in plain words, for the real-world replies an
// admin cannot read: Microsoft's 535 5.7.139 (SMTP AUTH disabled for the mailbox or tenant),
// 535 5.7.3 / 550 5.7.30 (Basic authentication refused), 5.7.57, and missing consent
// (AADSTS65001). "" when the reply is not one of those.
std::string explain_refusal(std::string_view server_reply);

// libcurl's result in an admin's words: what failed and what to change.
TransportError error_from_curl(CURLcode code, const char* error_buffer,
                               const ServerSettings& settings);

}  // namespace closeout::transport
