// SPDX-License-Identifier: GPL-3.0-or-later
// Reads token and device-authorization endpoint replies (RFC 6749 5.1/5.2, RFC 8628 3.2/3.5)
// as Microsoft Entra ID, Google and RFC-following servers send them. Pure; never throws on a
// bad reply. The only secrets here are the tokens themselves: no message built here holds one.
#include "oauth_reply.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <optional>

namespace closeout::oauth {

namespace {

using nlohmann::json;

constexpr std::size_t kDescriptionMax = 300;

std::optional<json> object_of(std::string_view body) {
  json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

std::string string_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// expires_in and interval: a JSON number, or (older Entra ID endpoints) a number in a string.
// nullopt when absent; -1 when present but not a whole number.
std::optional<long long> seconds_field(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (it->is_number_integer()) return it->get<long long>();
  if (it->is_number_float()) return static_cast<long long>(it->get<double>());
  if (it->is_string()) {
    const std::string text = it->get<std::string>();
    if (text.empty() || text.size() > 12 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return -1;
    return std::stoll(text);
  }
  return -1;
}

// Control characters (Entra ID puts \r\n before its Trace ID) become one space; cut at a UTF-8
// character boundary so the line stays valid text.
std::string clean_description(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > kDescriptionMax) {
    std::size_t cut = kDescriptionMax;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

std::string aadsts_of(std::string_view description) {
  auto at = description.find("AADSTS");
  while (at != std::string_view::npos) {
    std::size_t end = at + 6;
    while (end < description.size() && description[end] >= '0' && description[end] <= '9') ++end;
    if (end > at + 6) return std::string(description.substr(at, end - at));
    at = description.find("AADSTS", at + 6);
  }
  return "";
}

OAuthErrorCode code_of(std::string_view error) {
  static const std::array<std::pair<std::string_view, OAuthErrorCode>, 12> names = {{
      {"authorization_pending", OAuthErrorCode::authorization_pending},
      {"slow_down", OAuthErrorCode::slow_down},
      {"access_denied", OAuthErrorCode::access_denied},
      {"expired_token", OAuthErrorCode::expired_token},
      {"invalid_grant", OAuthErrorCode::invalid_grant},
      {"invalid_client", OAuthErrorCode::invalid_client},
      {"invalid_request", OAuthErrorCode::invalid_request},
      {"invalid_scope", OAuthErrorCode::invalid_scope},
      {"unauthorized_client", OAuthErrorCode::unauthorized_client},
      {"unsupported_grant_type", OAuthErrorCode::unsupported_grant_type},
      {"server_error", OAuthErrorCode::server_error},
      {"temporarily_unavailable", OAuthErrorCode::temporarily_unavailable},
  }};
  for (const auto& [name, code] : names)
    if (error == name) return code;
  return OAuthErrorCode::other;
}

OAuthError malformed(long status) {
  OAuthError e;
  e.code = OAuthErrorCode::malformed_reply;
  e.http_status = status;
  return e;
}

// The reply is an error (a non-2xx status, or a 2xx carrying "error" as some servers send).
// A 5xx is always a server problem to retry, whatever its body claims.
OAuthError error_reply(long status, const std::optional<json>& object) {
  OAuthError e;
  e.http_status = status;
  if (object) {
    e.error = clean_description(string_field(*object, "error"));
    std::string description = string_field(*object, "error_description");
    e.aadsts = aadsts_of(description);
    e.description = clean_description(description);
    // Entra ID also lists the codes as numbers in "error_codes".
    auto codes = object->find("error_codes");
    if (e.aadsts.empty() && codes != object->end() && codes->is_array() && !codes->empty() &&
        codes->front().is_number_integer())
      e.aadsts = "AADSTS" + std::to_string(codes->front().get<long long>());
  }
  if (status >= 500) {
    e.code = e.error == "temporarily_unavailable" ? OAuthErrorCode::temporarily_unavailable
                                                  : OAuthErrorCode::server_error;
    return e;
  }
  if (status == 429 && e.error.empty()) {
    e.code = OAuthErrorCode::temporarily_unavailable;
    return e;
  }
  if (e.error.empty()) {
    OAuthError m = malformed(status);
    m.description = e.description;
    return m;
  }
  e.code = code_of(e.error);
  return e;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z')
      d = c - 'A';
    else if (c >= 'a' && c <= 'z')
      d = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      d = c - '0' + 52;
    else if (c == '-' || c == '+')
      d = 62;
    else if (c == '_' || c == '/')
      d = 63;
    else if (c == '=')
      break;
    else
      return std::nullopt;
    value = (value << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xFF);
    }
  }
  return out;
}

bool is_2xx(long status) { return status >= 200 && status < 300; }

// What an Entra ID code means for an admin; "" for codes without a plainer wording.
std::string_view aadsts_meaning(std::string_view aadsts) {
  static const std::array<std::pair<std::string_view, std::string_view>, 14> meanings = {{
      {"AADSTS700082", "the refresh token has expired (unused for too long)"},
      {"AADSTS70008", "the refresh token has expired or was revoked"},
      {"AADSTS700084", "the refresh token has expired"},
      {"AADSTS50173", "the sign-in was revoked (the password was changed or reset)"},
      {"AADSTS50133", "the sign-in was revoked (the password expired or was changed)"},
      {"AADSTS50076", "multi-factor authentication is now required"},
      {"AADSTS50079", "multi-factor authentication enrolment is now required"},
      {"AADSTS50078", "the multi-factor authentication has expired"},
      {"AADSTS65001",
       "consent is missing: an admin must grant consent to the app's API permissions"},
      {"AADSTS70000", "the grant is no longer valid"},
      {"AADSTS7000215", "the client secret is wrong (check oauth.client_secret_file)"},
      {"AADSTS700016", "the app (oauth.client_id) is not registered in this tenant"},
      {"AADSTS90002", "the tenant does not exist (check oauth.tenant)"},
      {"AADSTS7000218",
       "the app registration must allow public client flows (Entra ID: Authentication)"},
  }};
  for (const auto& [code, meaning] : meanings)
    if (aadsts == code) return meaning;
  return "";
}

// Entra ID's description goes on with "Trace ID: ... Correlation ID: ... Timestamp: ...".
std::string short_description(const std::string& description) {
  auto trace = description.find(" Trace ID:");
  return trace == std::string::npos ? description : description.substr(0, trace);
}

}  // namespace

std::string jwt_username(std::string_view jwt) {
  auto first = jwt.find('.');
  if (first == std::string_view::npos) return "";
  auto second = jwt.find('.', first + 1);
  if (second == std::string_view::npos) return "";
  auto payload = base64url_decode(jwt.substr(first + 1, second - first - 1));
  if (!payload) return "";
  auto claims = object_of(*payload);
  if (!claims) return "";
  for (const char* claim : {"preferred_username", "email", "upn", "unique_name"}) {
    std::string name = clean_description(string_field(*claims, claim));
    if (!name.empty()) return name;
  }
  return "";
}

std::string OAuthError::plain() const {
  std::string line;
  switch (code) {
    case OAuthErrorCode::authorization_pending:
      line = "the sign-in is not approved yet";
      break;
    case OAuthErrorCode::slow_down:
      line = "the authorization server asked to poll more slowly";
      break;
    case OAuthErrorCode::access_denied:
      line = "the sign-in was declined";
      break;
    case OAuthErrorCode::expired_token:
      line = "the sign-in code expired before it was approved";
      break;
    case OAuthErrorCode::invalid_grant:
      line = "the sign-in is no longer valid (the refresh token has expired or was revoked)";
      break;
    case OAuthErrorCode::invalid_client:
      line =
          "the authorization server does not accept the client (check oauth.client_id and "
          "oauth.client_secret_file)";
      break;
    case OAuthErrorCode::invalid_request:
      line = "the authorization server refused the request as invalid";
      break;
    case OAuthErrorCode::invalid_scope:
      line =
          "the requested scopes were refused (check oauth.scopes and the app's API "
          "permissions)";
      break;
    case OAuthErrorCode::unauthorized_client:
      line =
          "the app may not use this sign-in flow (Entra ID: allow public client flows; Google: "
          "use a Desktop app client)";
      break;
    case OAuthErrorCode::unsupported_grant_type:
      line = "the authorization server does not support this sign-in flow";
      break;
    case OAuthErrorCode::server_error:
    case OAuthErrorCode::temporarily_unavailable:
      line = "the authorization server is unavailable";
      if (http_status) line += " (HTTP " + std::to_string(http_status) + ")";
      line += "; it will be tried again";
      break;
    case OAuthErrorCode::malformed_reply:
      line = "the authorization server answered";
      if (http_status) line += " HTTP " + std::to_string(http_status);
      line += " with something that is not an OAuth reply (check the oauth endpoints)";
      break;
    case OAuthErrorCode::other:
      line = "the authorization server refused: " + error;
      break;
  }
  std::string_view meaning = aadsts_meaning(aadsts);
  if (!meaning.empty()) {
    line = std::string(meaning) + " (" + aadsts + ")";
  } else if (!aadsts.empty()) {
    line += " (" + aadsts + ")";
  }
  const bool detail = code == OAuthErrorCode::other || code == OAuthErrorCode::invalid_request ||
                      code == OAuthErrorCode::invalid_scope ||
                      code == OAuthErrorCode::invalid_client ||
                      code == OAuthErrorCode::unauthorized_client;
  if (detail && meaning.empty() && !description.empty())
    line += ": " + short_description(description);
  if (needs_new_login(*this)) line += ": run closeoutctl oauth login";
  return line;
}

std::variant<TokenGrant, OAuthError> read_token_reply(long http_status, std::string_view body) {
  // RFC 6749 5.2 has a 400 name its error, but glewlwyd 2.7 refuses a revoked, expired or
  // replayed refresh token with a bare 400. Resending the same request can only get the same
  // answer, so it is a refused grant: a new sign-in, not endless retries.
  if (http_status == 400 && body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    OAuthError refused;
    refused.code = OAuthErrorCode::invalid_grant;
    refused.http_status = http_status;
    refused.description = "HTTP 400 with an empty reply";
    return refused;
  }
  auto object = object_of(body);
  if (!is_2xx(http_status) || (object && object->contains("error")))
    return error_reply(http_status, object);
  if (!object) return malformed(http_status);
  TokenGrant grant;
  grant.access_token = string_field(*object, "access_token");
  if (grant.access_token.empty()) return malformed(http_status);
  std::string type = string_field(*object, "token_type");
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (!type.empty() && type != "bearer") return malformed(http_status);
  if (auto it = object->find("refresh_token");
      it != object->end() && it->is_string() && !it->get<std::string>().empty())
    grant.refresh_token = it->get<std::string>();
  if (auto expires = seconds_field(*object, "expires_in")) {
    if (*expires <= 0) return malformed(http_status);
    // Longer than a year is not a lifetime any real server gives; it would only overflow later.
    grant.expires_in = std::chrono::seconds(std::min<long long>(*expires, 366LL * 86400));
  }
  for (const char* key : {"refresh_token_expires_in", "refresh_expires_in"}) {
    if (auto refresh = seconds_field(*object, key); refresh && *refresh > 0) {
      grant.refresh_expires_in =
          std::chrono::seconds(std::min<long long>(*refresh, 3660LL * 86400));
      break;
    }
  }
  grant.scope = clean_description(string_field(*object, "scope"));
  // Who signed in: the id_token's claims; its signature is not checked, as it came straight
  // from the token endpoint over verified TLS (OpenID Connect Core 3.1.3.7, point 6).
  grant.username = jwt_username(string_field(*object, "id_token"));
  return grant;
}

std::variant<DeviceAuthorization, OAuthError> read_device_authorization(long http_status,
                                                                        std::string_view body) {
  auto object = object_of(body);
  if (!is_2xx(http_status) || (object && object->contains("error")))
    return error_reply(http_status, object);
  if (!object) return malformed(http_status);
  DeviceAuthorization device;
  device.device_code = string_field(*object, "device_code");
  device.user_code = string_field(*object, "user_code");
  device.verification_uri = string_field(*object, "verification_uri");
  // Google's device endpoint says verification_url.
  if (device.verification_uri.empty())
    device.verification_uri = string_field(*object, "verification_url");
  device.verification_uri_complete = string_field(*object, "verification_uri_complete");
  if (device.device_code.empty() || device.user_code.empty() || device.verification_uri.empty())
    return malformed(http_status);
  if (auto expires = seconds_field(*object, "expires_in")) {
    if (*expires <= 0) return malformed(http_status);
    device.expires_in = std::chrono::seconds(std::min<long long>(*expires, 86400));
  }
  if (auto interval = seconds_field(*object, "interval")) {
    if (*interval < 0) return malformed(http_status);
    // RFC 8628 3.2: default 5 s; a zero would poll in a tight loop, an hour is no flow at all.
    device.interval = std::chrono::seconds(std::clamp<long long>(*interval, 1, 600));
  }
  return device;
}

bool needs_new_login(const OAuthError& error) {
  switch (error.code) {
    case OAuthErrorCode::invalid_grant:
      return true;
    case OAuthErrorCode::server_error:
    case OAuthErrorCode::temporarily_unavailable:
    case OAuthErrorCode::malformed_reply:
      return false;
    default:
      break;
  }
  static const std::array<std::string_view, 12> login_codes = {
      "AADSTS50173", "AADSTS50076", "AADSTS50079",  "AADSTS50078",  "AADSTS50133",   "AADSTS65001",
      "AADSTS70000", "AADSTS70008", "AADSTS700082", "AADSTS700084", "AADSTS7000215", "AADSTS70043"};
  return std::find(login_codes.begin(), login_codes.end(), error.aadsts) != login_codes.end();
}

}  // namespace closeout::oauth
