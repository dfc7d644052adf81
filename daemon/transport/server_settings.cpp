// SPDX-License-Identifier: GPL-3.0-or-later
#include "server_settings.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "text_util.h"

namespace closeout::transport {

namespace {

// Loopback is an address, not a spelling: a literal IPv4 address in 127.0.0.0/8 (all four
// octets), the IPv6 loopback, or "localhost". "127.evil.example" is a name anyone can own.
bool is_loopback_host(std::string_view host) {
  if (iequals(host, "localhost")) return true;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    in6_addr v6{};
    return inet_pton(AF_INET6, std::string(host).c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
  }
  in_addr v4{};
  if (inet_pton(AF_INET, std::string(host).c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, std::string(host).c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

std::string scheme_of(std::string_view url) {
  auto colon = url.find("://");
  return colon == std::string_view::npos ? "" : to_lower_ascii(url.substr(0, colon));
}

}  // namespace

std::string ServerSettings::where() const {
  return to_upper_ascii(section) + " " + redact_url(url);
}

std::string ServerSettings::host() const {
  auto clean = redact_url(url);
  auto start = clean.find("://");
  if (start == std::string::npos) return "";
  start += 3;
  auto end = clean.find_first_of("/?", start);
  auto authority = clean.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (authority.starts_with('[')) return authority.substr(0, authority.find(']') + 1);
  return authority.substr(0, authority.find(':'));
}

bool ServerSettings::implicit_tls() const {
  auto scheme = scheme_of(url);
  return scheme == "imaps" || scheme == "smtps";
}

std::string read_secret_file(const std::string& name, const std::string& key) {
  std::string path = name;
  if (name.find('/') == std::string::npos) {
    const char* credentials = std::getenv("CREDENTIALS_DIRECTORY");
    if (!credentials)
      throw ConfigError(key + ": \"" + name +
                        "\" names a systemd credential, but CREDENTIALS_DIRECTORY is not set "
                        "(give a path, or use LoadCredential=)");
    path = std::string(credentials) + "/" + name;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(key + ": cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  std::string secret = text.str();
  // Editors and `echo` add a final newline that is not part of the password.
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty()) throw ConfigError(key + ": " + path + " is empty");
  if (secret.find_first_of("\r\n") != std::string::npos)
    throw ConfigError(key + ": " + path + " holds more than one line");
  return secret;
}

ServerSettings server_settings(const MailServerConfig& config, std::string_view section) {
  ServerSettings s;
  s.section = std::string(section);
  std::string prefix = s.section + ".";
  s.url = config.url;
  auto scheme = scheme_of(s.url);
  bool imap = section == "imap";
  if (s.url.empty()) throw ConfigError(prefix + "url: missing");
  if ((imap && scheme != "imap" && scheme != "imaps") ||
      (!imap && scheme != "smtp" && scheme != "smtps"))
    throw ConfigError(prefix + "url: \"" + redact_url(s.url) + "\" must start with " +
                      (imap ? "imaps:// or imap://" : "smtps:// or smtp://"));
  s.starttls_required = config.starttls != "none";
  if (!s.starttls_required && !s.implicit_tls() && !is_loopback_host(s.host()))
    throw ConfigError(prefix +
                      "starttls: \"none\" sends the password in clear; it is allowed "
                      "only for a server on this machine (127.0.0.1)");
  s.username = config.username;
  if (s.username.empty()) throw ConfigError(prefix + "username: missing");
  s.xoauth2 = config.auth == "xoauth2";
  s.oauth2 = config.auth == "oauth2";
  if (s.oauth2) {
    // The token comes from the token store through the TokenManager, before each login.
  } else if (s.xoauth2) {
    if (config.token_file.empty())
      throw ConfigError(prefix + "token_file: missing (auth = \"xoauth2\" needs it)");
    s.secret = read_secret_file(config.token_file, prefix + "token_file");
    s.token_file = config.token_file;
  } else {
    if (config.password_file.empty()) throw ConfigError(prefix + "password_file: missing");
    s.secret = read_secret_file(config.password_file, prefix + "password_file");
  }
  s.ca_file = config.ca_file;
  s.tls_verify = config.tls_verify;
  return s;
}

void apply_server_settings(CURL* easy, const ServerSettings& s, char* error_buffer) {
  curl_easy_setopt(easy, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_USE_SSL,
                   static_cast<long>(s.starttls_required ? CURLUSESSL_ALL : CURLUSESSL_TRY));
  if (!s.starttls_required && !s.implicit_tls())
    curl_easy_setopt(easy, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_NONE));
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, s.tls_verify ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, s.tls_verify ? 2L : 0L);
  if (!s.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, s.ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_USERNAME, s.username.c_str());
  if (s.oauth2) {
    curl_easy_setopt(easy, CURLOPT_XOAUTH2_BEARER, s.secret.c_str());
    curl_easy_setopt(easy, CURLOPT_LOGIN_OPTIONS, "AUTH=OAUTHBEARER;AUTH=XOAUTH2");
  } else if (s.xoauth2) {
    curl_easy_setopt(easy, CURLOPT_XOAUTH2_BEARER, s.secret.c_str());
    curl_easy_setopt(easy, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
  } else {
    curl_easy_setopt(easy, CURLOPT_PASSWORD, s.secret.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.connect_timeout.count()));
  curl_easy_setopt(easy, CURLOPT_SERVER_RESPONSE_TIMEOUT,
                   static_cast<long>((s.response_timeout.count() + 999) / 1000));
}

TransportError error_from_curl(CURLcode code, const char* error_buffer, const ServerSettings& s) {
  std::string detail = error_buffer && *error_buffer ? error_buffer : curl_easy_strerror(code);
  std::string key = s.section + ".";
  std::string at = s.where() + ": ";
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return {Failure::unreachable, at + "unknown host: " + detail};
    case CURLE_COULDNT_CONNECT:
      return {Failure::unreachable, at + "cannot connect: " + detail};
    case CURLE_OPERATION_TIMEDOUT:
      return {Failure::timeout, at + "the server did not answer in time: " + detail};
    case CURLE_PEER_FAILED_VERIFICATION:
      return {Failure::certificate, at + "certificate not trusted (" + detail + "): set " + key +
                                        "ca_file or fix the server"};
    case CURLE_SSL_CACERT_BADFILE:
      return {Failure::config, at + key + "ca_file cannot be used: " + detail};
    case CURLE_USE_SSL_FAILED:
      return {Failure::tls, at + "the server does not offer STARTTLS, and " + key +
                                "starttls = \"required\": use the TLS port or fix the server"};
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
      return {Failure::tls, at + "TLS handshake failed: " + detail};
    case CURLE_LOGIN_DENIED:
      if (s.oauth2) {
        // The server may offer neither OAuth mechanism: libcurl then says so in its buffer.
        if (detail.find("No known authentication") != std::string::npos)
          return {Failure::auth, at + "the server offers neither OAUTHBEARER nor XOAUTH2 (" + key +
                                     "auth = \"oauth2\" needs one of them)"};
        return {Failure::signin,
                at + "the server refused the OAuth token: " + s.token_mismatch_hint() +
                    "; sign in again with closeoutctl oauth login as a user "
                    "with access to the mailbox"};
      }
      return {Failure::auth, at + "the server refused the login for " + s.username + " (check " +
                                 key + (s.xoauth2 ? "token_file" : "password_file") + ")"};
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return {Failure::config, at + "bad " + key + "url: " + detail};
    case CURLE_ABORTED_BY_CALLBACK:
      return {Failure::cancelled, at + "stopped"};
    default:
      return {Failure::unreachable, at + detail};
  }
}

std::string ServerSettings::token_mismatch_hint() const {
  std::string who = token_user.empty() ? "the signed-in user" : token_user;
  return "the token is for " + who + ", the mailbox is " + username;
}

std::string explain_refusal(std::string_view reply) {
  auto has = [&](std::string_view part) { return reply.find(part) != std::string_view::npos; };
  if (has("5.7.139"))
    return "SMTP AUTH is disabled for this mailbox or for the whole tenant (Microsoft 365): an "
           "Exchange admin must allow authenticated SMTP for the mailbox "
           "(Set-CASMailbox -SmtpClientAuthenticationDisabled $false) or the tenant";
  if (has("AADSTS65001"))
    return "the app has no consent for these permissions: an Entra ID admin must grant admin "
           "consent to the app registration (API permissions: IMAP.AccessAsUser.All, SMTP.Send, "
           "offline_access), then sign in again";
  if (has("5.7.30") || has("5.7.3 ") || reply.ends_with("5.7.3"))
    return "the server refuses Basic authentication (a password) for this mailbox: use "
           "auth = \"oauth2\" and closeoutctl oauth login";
  if (has("5.7.57"))
    return "the server requires a successful login before MAIL FROM: check the smtp section's "
           "auth and sign-in";
  return "";
}

std::optional<std::string> refresh_token(ServerSettings& settings) {
  if (!settings.xoauth2 || settings.token_file.empty()) return std::nullopt;
  try {
    settings.secret = read_secret_file(settings.token_file, settings.section + ".token_file");
    return std::nullopt;
  } catch (const ConfigError& e) {
    return std::string(e.what());
  }
}

}  // namespace closeout::transport
