// SPDX-License-Identifier: GPL-3.0-or-later
// One form POST to an OAuth endpoint on a libcurl easy handle, HTTPS only. The request body holds
// secrets (client secret, codes, refresh token): it lives only in this object, is wiped when the
// object goes, and no error text is built from it. Transport failures are values, not throws.
#include "token_request.h"

#include <openssl/crypto.h>

#include <cstring>
#include <stdexcept>

#include "version.h"

namespace closeout::oauth {

namespace {

constexpr std::size_t kMaxReplyBytes = 1 << 20;
constexpr long kTimeoutSeconds = 30;

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    char* n = curl_easy_escape(nullptr, name.data(), static_cast<int>(name.size()));
    char* v = curl_easy_escape(nullptr, value.data(), static_cast<int>(value.size()));
    if (!n || !v) {
      curl_free(n);
      curl_free(v);
      throw std::bad_alloc();
    }
    if (!body.empty()) body += '&';
    body += n;
    body += '=';
    body += v;
    if (v) OPENSSL_cleanse(v, std::strlen(v));
    curl_free(n);
    curl_free(v);
  }
  return body;
}

// The endpoint as messages name it: no query (a misconfigured URL might carry one).
std::string where(const std::string& url) { return url.substr(0, url.find('?')); }

std::string joined_scopes(const OAuthEndpoints& e) {
  std::string scopes;
  for (const auto& s : e.scopes) scopes += (scopes.empty() ? "" : " ") + s;
  return scopes;
}

void add_client(std::vector<std::pair<std::string, std::string>>& fields, const OAuthEndpoints& e) {
  fields.emplace_back("client_id", e.client_id);
  if (!e.client_secret.empty()) fields.emplace_back("client_secret", e.client_secret);
}

}  // namespace

// fields by value (the fixed interface): its secret values are wiped here once encoded.
// NOLINTNEXTLINE(performance-unnecessary-value-param)
TokenRequest::TokenRequest(std::string url, std::vector<std::pair<std::string, std::string>> fields,
                           const std::string& ca_file)
    : url_(std::move(url)), post_body_(form_encode(fields)), ca_file_(ca_file) {
  for (auto& [name, value] : fields) OPENSSL_cleanse(value.data(), value.size());
  easy_ = curl_easy_init();
  if (!easy_) throw std::runtime_error("libcurl could not create a handle");
  headers_ = curl_slist_append(nullptr, "Accept: application/json");
  curl_easy_setopt(easy_, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(easy_, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(easy_, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(easy_, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy_, CURLOPT_TIMEOUT, kTimeoutSeconds);
  curl_easy_setopt(easy_, CURLOPT_CONNECTTIMEOUT, kTimeoutSeconds);
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(easy_, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_file_.empty()) curl_easy_setopt(easy_, CURLOPT_CAINFO, ca_file_.c_str());
  curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
  curl_easy_setopt(easy_, CURLOPT_POST, 1L);
  // libcurl sends Content-Type: application/x-www-form-urlencoded for POSTFIELDS.
  curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, post_body_.c_str());
  curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE, static_cast<long>(post_body_.size()));
  curl_easy_setopt(easy_, CURLOPT_USERAGENT,
                   ("closeoutd/" + std::string(closeout::version())).c_str());
  curl_easy_setopt(easy_, CURLOPT_ERRORBUFFER, error_);
  curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &TokenRequest::on_body);
  curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
}

TokenRequest::~TokenRequest() {
  if (easy_) curl_easy_cleanup(easy_);
  curl_slist_free_all(headers_);
  OPENSSL_cleanse(post_body_.data(), post_body_.size());
  OPENSSL_cleanse(body_.data(), body_.size());
}

CURL* TokenRequest::easy() { return easy_; }

size_t TokenRequest::on_body(char* data, size_t size, size_t count, void* self) {
  auto* request = static_cast<TokenRequest*>(self);
  const size_t bytes = size * count;
  if (request->body_.size() + bytes > kMaxReplyBytes) {
    request->too_big_ = true;
    return 0;  // libcurl ends the transfer with CURLE_WRITE_ERROR
  }
  request->body_.append(data, bytes);
  return bytes;
}

HttpReply TokenRequest::reply(CURLcode result) const {
  HttpReply r;
  r.curl = result;
  if (result == CURLE_OK) {
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &r.status);
    r.body = body_;
    return r;
  }
  const std::string words = error_[0] ? error_ : curl_easy_strerror(result);
  const std::string url = where(url_);
  switch (result) {
    case CURLE_UNSUPPORTED_PROTOCOL:
      r.transport_error = url + ": only https:// endpoints are used (" + words + ")";
      break;
    case CURLE_WRITE_ERROR:
      r.transport_error = too_big_ ? url +
                                         ": the reply was larger than 1 MB; not an OAuth "
                                         "endpoint (check the oauth endpoints)"
                                   : url + ": " + words;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      r.transport_error = url + ": cannot resolve the host (" + words + "); check the network";
      break;
    case CURLE_COULDNT_CONNECT:
      r.transport_error = url + ": cannot connect (" + words + "); check the network, a proxy " +
                          "or firewall, and the endpoint";
      break;
    case CURLE_OPERATION_TIMEDOUT:
      r.transport_error = url + ": no answer within " + std::to_string(kTimeoutSeconds) + " s";
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
      r.transport_error = url + ": TLS failed (" + words + "); check oauth.ca_file and the clock";
      break;
    default:
      r.transport_error = url + ": " + words;
      break;
  }
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

HttpReply perform_blocking(TokenRequest& request) {
  return request.reply(curl_easy_perform(request.easy()));
}

std::unique_ptr<TokenRequest> device_authorization_request(const OAuthEndpoints& endpoints) {
  std::vector<std::pair<std::string, std::string>> fields;
  add_client(fields, endpoints);
  if (const std::string scopes = joined_scopes(endpoints); !scopes.empty())
    fields.emplace_back("scope", scopes);
  return std::make_unique<TokenRequest>(endpoints.device_authorization, std::move(fields),
                                        endpoints.ca_file);
}

std::unique_ptr<TokenRequest> device_token_request(const OAuthEndpoints& endpoints,
                                                   const std::string& device_code) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"grant_type", "urn:ietf:params:oauth:grant-type:device_code"}, {"device_code", device_code}};
  add_client(fields, endpoints);
  return std::make_unique<TokenRequest>(endpoints.token, std::move(fields), endpoints.ca_file);
}

std::unique_ptr<TokenRequest> authorization_code_request(const OAuthEndpoints& endpoints,
                                                         const std::string& code,
                                                         const std::string& redirect_uri,
                                                         const std::string& code_verifier) {
  std::vector<std::pair<std::string, std::string>> fields = {{"grant_type", "authorization_code"},
                                                             {"code", code},
                                                             {"redirect_uri", redirect_uri},
                                                             {"code_verifier", code_verifier}};
  add_client(fields, endpoints);
  return std::make_unique<TokenRequest>(endpoints.token, std::move(fields), endpoints.ca_file);
}

std::unique_ptr<TokenRequest> refresh_request(const OAuthEndpoints& endpoints,
                                              const std::string& refresh_token) {
  std::vector<std::pair<std::string, std::string>> fields = {{"grant_type", "refresh_token"},
                                                             {"refresh_token", refresh_token}};
  add_client(fields, endpoints);
  // Entra ID's v2.0 endpoint wants the scopes again on a refresh; others accept them.
  if (const std::string scopes = joined_scopes(endpoints); !scopes.empty())
    fields.emplace_back("scope", scopes);
  return std::make_unique<TokenRequest>(endpoints.token, std::move(fields), endpoints.ca_file);
}

}  // namespace closeout::oauth
