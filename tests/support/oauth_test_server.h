// SPDX-License-Identifier: GPL-3.0-or-later
// tests/oauth/test_auth_server.py as a test fixture: started as a child process for a running
// scripts/mailstack (its CA, JWT key and issuer), stopped by the destructor, driven through its
// control API with libcurl. Failures to start are a value (start() false and why); a refused
// control call throws std::runtime_error with the server's error, never a token.
#pragma once
#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace closeout::testing {

class OAuthTestServer {
 public:
  OAuthTestServer() = default;
  OAuthTestServer(const OAuthTestServer&) = delete;
  OAuthTestServer& operator=(const OAuthTestServer&) = delete;

  // Starts the server for a running stack dir; false (and a reason) when it cannot. The server
  // gets SIGTERM when the thread that called start() ends (PR_SET_PDEATHSIG): call it from the
  // test's main thread (SetUpTestSuite, a test body), not from a short-lived worker thread.
  bool start(const std::string& stack_dir, std::string* why = nullptr);
  void stop();
  ~OAuthTestServer();            // stops
  std::string base_url() const;  // "https://127.0.0.1:PORT"
  std::string ca_file() const;   // the stack's CA
  nlohmann::json control(const std::string& action, const nlohmann::json& body = {});  // POST
  nlohmann::json stats();  // GET /control/stats
  // The [oauth] section pointing at this server: provider "custom", client_id "closeoutd-test",
  // its /device, /authorize, /token, ca_file.
  std::string oauth_config_toml() const;

  // --- additions -----------------------------------------------------------------------------
  struct Reply {
    long status = 0;      // HTTP status; 0 when no reply came
    nlohmann::json body;  // the JSON reply (null when it was not JSON)
  };
  // One application/x-www-form-urlencoded POST to path ("/token", "/device"), as a client would;
  // basic_auth "client_id:secret" sends the client's credentials as HTTP Basic instead.
  Reply post_form(const std::string& path,
                  const std::vector<std::pair<std::string, std::string>>& fields,
                  const std::string& basic_auth = "");
  // A whole device-flow sign-in, approved for username: the /token reply (access_token,
  // refresh_token, expires_in, ...). Throws std::runtime_error (no secret in it) when refused.
  nlohmann::json device_sign_in(const std::string& username,
                                const std::string& scope = "mail offline_access");
  // An access token for username straight from the server's signing key (control "mint").
  std::string mint_access_token(const std::string& username, const nlohmann::json& extra = {});
  // The browser's part of the authorization-code flow: GETs authorization_url (this server's
  // /authorize with the client's query) without following the redirect; the Location it sends
  // (redirect_uri?code=...&state=... or ?error=...), "" when it did not redirect.
  std::string authorize(const std::string& authorization_url);
  // As authorize(), then GETs that Location as a browser would (the client's loopback listener).
  // The listener's HTTP status, 0 when it could not be reached; its page in *page.
  long browse(const std::string& authorization_url, std::string* page = nullptr);
  std::string issuer() const;  // OAUTH_ISSUER of the stack
  pid_t pid() const { return pid_; }

  static constexpr const char* kClientId = "closeoutd-test";

 private:
  Reply request(const std::string& path, const std::string& body, const char* content_type,
                const std::string& basic_auth = "");
  // A GET of url (absolute), no redirect followed: status, body and Location.
  long get(const std::string& url, std::string* body, std::string* location);

  pid_t pid_ = -1;
  std::string base_url_;
  std::string ca_file_;
  std::string issuer_;
};

}  // namespace closeout::testing
