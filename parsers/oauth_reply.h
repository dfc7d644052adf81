// SPDX-License-Identifier: GPL-3.0-or-later
// What an OAuth 2.0 token or device-authorization endpoint answered (RFC 6749 5.1/5.2, RFC 8628
// 3.2/3.5), read into values. Pure: bytes in, values out, no I/O, no clock. Nothing here throws
// on a bad reply: a body that is not the expected JSON is an OAuthError (malformed_reply).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace closeout::oauth {

struct TokenGrant {
  std::string access_token;
  std::optional<std::string> refresh_token;  // absent: keep the old one
  std::chrono::seconds expires_in{3600};
  std::string scope;     // as granted ("" when not returned)
  std::string username;  // from id_token (preferred_username / email / upn) when present, else ""
  // How long the refresh token lives, when the server says (Google: refresh_token_expires_in,
  // sent for apps whose consent screen is still in "Testing": 7 days).
  std::optional<std::chrono::seconds> refresh_expires_in;
};

struct DeviceAuthorization {
  std::string device_code, user_code, verification_uri, verification_uri_complete;
  std::chrono::seconds expires_in{900};
  std::chrono::seconds interval{5};
};

enum class OAuthErrorCode {
  authorization_pending,
  slow_down,
  access_denied,
  expired_token,
  invalid_grant,
  invalid_client,
  invalid_request,
  invalid_scope,
  unauthorized_client,
  unsupported_grant_type,
  server_error,
  temporarily_unavailable,
  malformed_reply,
  other
};

struct OAuthError {
  OAuthErrorCode code = OAuthErrorCode::other;
  long http_status = 0;
  std::string error;          // the "error" string as sent
  std::string description;    // "error_description", cut to 300 chars, control chars removed
  std::string aadsts;         // "AADSTS700082" when the description carries one, else ""
  std::string plain() const;  // one line for an admin, e.g. "the refresh token has expired
                              // (AADSTS700082): run closeoutctl oauth login"
};

// 5xx, and 2xx bodies that are not the expected JSON, give malformed_reply / server_error.
std::variant<TokenGrant, OAuthError> read_token_reply(long http_status, std::string_view body);
std::variant<DeviceAuthorization, OAuthError> read_device_authorization(long http_status,
                                                                        std::string_view body);
// Who a JWT names (preferred_username, email, upn, unique_name), from its payload only, without
// a signature check: for display and messages, for tokens straight from the token endpoint over
// TLS. "" when it is not a JWT or names no one (Google's access tokens are opaque).
std::string jwt_username(std::string_view jwt);

// needs a new login (invalid_grant, and AADSTS codes that mean the same: 50173, 50076, 50079,
// 65001, 70000, 70008, 700082, 700084, 7000215 ...): true; everything else is retried.
bool needs_new_login(const OAuthError& error);

}  // namespace closeout::oauth
