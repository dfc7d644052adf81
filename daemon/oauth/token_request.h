// SPDX-License-Identifier: GPL-3.0-or-later
// The HTTP POSTs to the OAuth endpoints (device authorization, token), one libcurl easy handle
// each: HTTPS only, no redirects, 30 s, a 1 MB cap on the reply. A transport failure is a value
// (HttpReply::transport_error), never an exception; no secret ever reaches an error text.
#pragma once
#include <curl/curl.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "oauth_provider.h"

namespace closeout::oauth {

struct HttpReply {
  CURLcode curl = CURLE_OK;
  long status = 0;  // HTTP status; 0 when no reply
  std::string body;
  std::string transport_error;  // curl's words + what to check; "" when a reply came
};

// One application/x-www-form-urlencoded POST with Accept: application/json, HTTPS only
// (CURLOPT_PROTOCOLS_STR "https"), ca_file honoured, 30 s timeout, no redirects followed, body
// capped at 1 MB. Owns the easy handle and every buffer libcurl points into.
class TokenRequest {
 public:
  TokenRequest(std::string url, std::vector<std::pair<std::string, std::string>> fields,
               const std::string& ca_file);
  ~TokenRequest();
  TokenRequest(const TokenRequest&) = delete;
  TokenRequest& operator=(const TokenRequest&) = delete;
  CURL* easy();                            // for CurlMulti::perform in the daemon
  HttpReply reply(CURLcode result) const;  // after the transfer ended with result

 private:
  static size_t on_body(char* data, size_t size, size_t count, void* self);
  std::string url_;
  std::string post_body_;
  std::string ca_file_;
  std::string body_;
  bool too_big_ = false;
  char error_[CURL_ERROR_SIZE] = {};
  curl_slist* headers_ = nullptr;
  CURL* easy_ = nullptr;
};

HttpReply perform_blocking(TokenRequest& request);  // curl_easy_perform; for closeoutctl

// The requests (client_secret sent only when set).
std::unique_ptr<TokenRequest> device_authorization_request(const OAuthEndpoints& endpoints);
std::unique_ptr<TokenRequest> device_token_request(const OAuthEndpoints& endpoints,
                                                   const std::string& device_code);
std::unique_ptr<TokenRequest> authorization_code_request(const OAuthEndpoints& endpoints,
                                                         const std::string& code,
                                                         const std::string& redirect_uri,
                                                         const std::string& code_verifier);
std::unique_ptr<TokenRequest> refresh_request(const OAuthEndpoints& endpoints,
                                              const std::string& refresh_token);

}  // namespace closeout::oauth
