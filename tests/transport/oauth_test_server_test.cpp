// SPDX-License-Identifier: GPL-3.0-or-later
// The test authorization server (tests/oauth/test_auth_server.py) does what the OAuth tests rely
// on: each fault it is told to inject comes back as RFC 6749 / 8628 says, rotation and revocation
// take effect, PKCE and state are checked, and concurrent /token requests are counted.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "mail_stack.h"
#include "oauth_test_server.h"

namespace closeout::testing {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;
constexpr const char* kDeviceGrant = "urn:ietf:params:oauth:grant-type:device_code";
constexpr const char* kUser = "dispatch@dealer.test";

std::string base64url_decode(std::string_view in) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : in) {
    auto at = alphabet.find(c);
    if (at == std::string::npos) break;
    value = (value << 6) | static_cast<unsigned>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((value >> bits) & 0xff);
    }
  }
  return out;
}

nlohmann::json jwt_claims(const std::string& jwt) {
  auto first = jwt.find('.');
  auto second = jwt.find('.', first + 1);
  return nlohmann::json::parse(base64url_decode(jwt.substr(first + 1, second - first - 1)));
}

// The query value of name in a URL ("" when absent); values here are URL-safe.
std::string query_value(const std::string& url, const std::string& name) {
  for (char sep : {'?', '&'}) {
    auto at = url.find(sep + name + "=");
    if (at == std::string::npos) continue;
    auto start = at + name.size() + 2;
    return url.substr(start, url.find('&', start) - start);
  }
  return "";
}

class OAuthTestServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new OAuthTestServer;
    server_->start(stack().dir, &start_error_);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(server_->pid() > 0) << start_error_;
    server_->control("reset");
  }

  OAuthTestServer::Reply poll(const std::string& device_code) {
    return server_->post_form("/token", {{"grant_type", kDeviceGrant},
                                         {"client_id", OAuthTestServer::kClientId},
                                         {"device_code", device_code}});
  }
  OAuthTestServer::Reply refresh(const std::string& refresh_token) {
    return server_->post_form("/token", {{"grant_type", "refresh_token"},
                                         {"client_id", OAuthTestServer::kClientId},
                                         {"refresh_token", refresh_token}});
  }
  static std::string error_of(const OAuthTestServer::Reply& r) {
    return r.body.is_object() ? r.body.value("error", "") : "(not JSON)";
  }

  static OAuthTestServer* server_;
  static std::string start_error_;
};

OAuthTestServer* OAuthTestServerTest::server_ = nullptr;
std::string OAuthTestServerTest::start_error_;

TEST_F(OAuthTestServerTest, DeviceFlowAnswersPendingAndSlowDownThenSignedTokensOnce) {
  server_->control("set", {{"interval", 1}, {"device_expires_in", 42}});
  auto device = server_->post_form(
      "/device", {{"client_id", OAuthTestServer::kClientId}, {"scope", "mail offline_access"}});
  ASSERT_EQ(device.status, 200);
  EXPECT_EQ(device.body["interval"], 1);
  EXPECT_EQ(device.body["expires_in"], 42);
  EXPECT_EQ(device.body["verification_uri"], server_->base_url() + "/verify");
  std::string code = device.body["device_code"];
  EXPECT_EQ(error_of(poll(code)), "authorization_pending");
  server_->control("set", {{"slow_down", 1}, {"pending", 1}});
  EXPECT_EQ(error_of(poll(code)), "slow_down");
  server_->control("approve", {{"user_code", device.body["user_code"]}, {"username", kUser}});
  auto pending = poll(code);
  EXPECT_EQ(pending.status, 400);
  EXPECT_EQ(error_of(pending), "authorization_pending");
  auto granted = poll(code);
  ASSERT_EQ(granted.status, 200) << error_of(granted);
  EXPECT_EQ(granted.body["token_type"], "Bearer");
  EXPECT_EQ(granted.body["expires_in"], 3600);
  EXPECT_TRUE(granted.body.contains("refresh_token"));
  auto claims = jwt_claims(granted.body["access_token"]);
  EXPECT_EQ(claims["iss"], server_->issuer());
  EXPECT_EQ(claims["sub"], kUser);
  EXPECT_EQ(claims["email"], kUser);
  EXPECT_EQ(claims["aud"], OAuthTestServer::kClientId);
  EXPECT_EQ(claims["exp"].get<long>() - claims["iat"].get<long>(), 3600);
  EXPECT_EQ(jwt_claims(granted.body["id_token"])["preferred_username"], kUser);
  EXPECT_EQ(error_of(poll(code)), "invalid_grant") << "a device code works once";
  auto stats = server_->stats();
  EXPECT_EQ(stats["device_polls"], 5);
  EXPECT_EQ(stats["token_requests"], 5);
}

TEST_F(OAuthTestServerTest, DeniedAndExpiredDeviceCodesAreFinal) {
  auto denied = server_->post_form("/device", {{"client_id", OAuthTestServer::kClientId}});
  server_->control("deny", {{"user_code", denied.body["user_code"]}});
  EXPECT_EQ(error_of(poll(denied.body["device_code"])), "access_denied");
  auto expired = server_->post_form("/device", {{"client_id", OAuthTestServer::kClientId}});
  server_->control("approve", {{"user_code", expired.body["user_code"]}, {"username", kUser}});
  server_->control("expire_devices");
  EXPECT_EQ(error_of(poll(expired.body["device_code"])), "expired_token");
  EXPECT_THROW(server_->control("approve", {{"user_code", "NOPE-NOPE"}, {"username", kUser}}),
               std::runtime_error);
}

TEST_F(OAuthTestServerTest, RefreshRotatesAndTheOldRefreshTokenDies) {
  auto first = server_->device_sign_in(kUser);
  auto second = refresh(first["refresh_token"]);
  ASSERT_EQ(second.status, 200) << error_of(second);
  ASSERT_TRUE(second.body.contains("refresh_token"));
  EXPECT_FALSE(second.body["refresh_token"] == first["refresh_token"]);
  EXPECT_FALSE(second.body["access_token"] == first["access_token"]);
  auto reused = refresh(first["refresh_token"]);
  EXPECT_EQ(reused.status, 400);
  EXPECT_EQ(error_of(reused), "invalid_grant");
  EXPECT_EQ(refresh(second.body["refresh_token"]).status, 200);
  auto stats = server_->stats();
  EXPECT_EQ(stats["refresh_requests"], 3);
  EXPECT_EQ(stats["refresh_granted"], 2);
  EXPECT_EQ(stats["refresh_times"].size(), 3u);
}

TEST_F(OAuthTestServerTest, WithoutRotationTheRefreshTokenStaysAndNoneIsReturned) {
  server_->control("set", {{"rotate", false}, {"access_lifetime", 5}});
  auto first = server_->device_sign_in(kUser);
  auto again = refresh(first["refresh_token"]);
  ASSERT_EQ(again.status, 200);
  EXPECT_FALSE(again.body.contains("refresh_token"));
  EXPECT_EQ(again.body["expires_in"], 5);
  EXPECT_EQ(refresh(first["refresh_token"]).status, 200);
}

TEST_F(OAuthTestServerTest, RevocationAndInjectedErrorsAnswerInvalidGrantWithAadsts) {
  auto tokens = server_->device_sign_in(kUser);
  server_->control("set", {{"refresh_error", "invalid_grant"}});
  auto injected = refresh(tokens["refresh_token"]);
  EXPECT_EQ(injected.status, 400);
  EXPECT_EQ(error_of(injected), "invalid_grant");
  EXPECT_NE(injected.body.value("error_description", "").find("AADSTS70008"), std::string::npos);
  server_->control("set", {{"refresh_error", ""}});
  server_->control("revoke");
  auto revoked = refresh(tokens["refresh_token"]);
  EXPECT_EQ(error_of(revoked), "invalid_grant");
  EXPECT_THROW(server_->control("set", {{"no_such_setting", 1}}), std::runtime_error);
  EXPECT_THROW(server_->control("set", {{"delay", 1}, {"access_lifetime", "soon"}}),
               std::runtime_error);
  EXPECT_EQ(server_->stats()["settings"]["delay"], 0) << "a refused set changes nothing";
}

TEST_F(OAuthTestServerTest, FiveHundredsAndDowntimeAnswer503ThenRecover) {
  auto tokens = server_->device_sign_in(kUser);
  std::string rt = tokens["refresh_token"];
  server_->control("set", {{"fail_5xx", 2}});
  EXPECT_EQ(refresh(rt).status, 503);
  EXPECT_EQ(refresh(rt).status, 503);
  auto ok = refresh(rt);
  ASSERT_EQ(ok.status, 200) << "a 503 must not use up the refresh token";
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  server_->control("set", {{"down_until", now + 60}});
  EXPECT_EQ(refresh(ok.body["refresh_token"]).status, 503);
  server_->control("set", {{"down_until", 0}});
  EXPECT_EQ(refresh(ok.body["refresh_token"]).status, 200);
}

TEST_F(OAuthTestServerTest, SlowAnswersAreCountedWhileInFlight) {
  server_->control("set", {{"rotate", false}});
  std::string rt = server_->device_sign_in(kUser)["refresh_token"];
  auto before = server_->stats();
  server_->control("set", {{"delay", 0.5}});
  auto started = std::chrono::steady_clock::now();
  std::vector<long> statuses(3);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < statuses.size(); ++i)
    threads.emplace_back([&, i] { statuses[i] = refresh(rt).status; });
  for (auto& t : threads) t.join();
  auto took = std::chrono::steady_clock::now() - started;
  for (long s : statuses) EXPECT_EQ(s, 200);
  EXPECT_GE(took, std::chrono::milliseconds(500));
  EXPECT_LT(took, std::chrono::milliseconds(1400)) << "the three were answered one by one";
  EXPECT_EQ(server_->stats()["concurrent_max"], 3);
  EXPECT_EQ(before["concurrent_max"], 1);
}

TEST_F(OAuthTestServerTest, AuthorizationCodeNeedsTheRightPkceVerifierAndKeepsState) {
  // RFC 7636 appendix B: this verifier has this S256 challenge.
  const std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  const std::string challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
  const std::string redirect = "http://127.0.0.1:9/";
  auto url = [&](const std::string& state) {
    return server_->base_url() +
           "/authorize?response_type=code&client_id=closeoutd-test&redirect_uri=http%3A%2F%2F127."
           "0.0.1%3A9%2F&scope=mail&state=" +
           state + "&code_challenge=" + challenge + "&code_challenge_method=S256";
  };
  auto exchange = [&](const std::string& code, const std::string& v) {
    return server_->post_form("/token", {{"grant_type", "authorization_code"},
                                         {"client_id", OAuthTestServer::kClientId},
                                         {"code", code},
                                         {"redirect_uri", redirect},
                                         {"code_verifier", v}});
  };
  auto location = server_->authorize(url("st1"));
  ASSERT_EQ(location.rfind(redirect + "?", 0), 0u) << "no redirect to the client";
  EXPECT_EQ(query_value(location, "state"), "st1");
  EXPECT_EQ(server_->stats()["last_authorize"]["code_challenge_method"], "S256");
  auto wrong = exchange(query_value(location, "code"), verifier + "x");
  EXPECT_EQ(error_of(wrong), "invalid_grant");
  location = server_->authorize(url("st2"));
  auto right = exchange(query_value(location, "code"), verifier);
  ASSERT_EQ(right.status, 200) << error_of(right);
  EXPECT_EQ(jwt_claims(right.body["access_token"])["email"], kUser);
  EXPECT_EQ(error_of(exchange(query_value(location, "code"), verifier)), "invalid_grant")
      << "a code works once";

  server_->control("browser", {{"deny", true}});
  location = server_->authorize(url("st3"));
  EXPECT_EQ(query_value(location, "error"), "access_denied");
  EXPECT_EQ(query_value(location, "state"), "st3");
  server_->control("browser", {{"deny", false}, {"username", "service@dealer.test"}});
  server_->control("set", {{"wrong_state", true}});
  location = server_->authorize(url("st4"));
  EXPECT_NE(query_value(location, "state"), "st4");
  auto other = exchange(query_value(location, "code"), verifier);
  EXPECT_EQ(jwt_claims(other.body["access_token"])["email"], "service@dealer.test");
}

TEST_F(OAuthTestServerTest, ClientSecretWhenSetIsRequired) {
  server_->control("set", {{"client_secret", "test-secret"}});
  auto refused = server_->post_form("/device", {{"client_id", OAuthTestServer::kClientId}});
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(error_of(refused), "invalid_client");
  auto accepted = server_->post_form(
      "/device", {{"client_id", OAuthTestServer::kClientId}, {"client_secret", "test-secret"}});
  EXPECT_EQ(accepted.status, 200);
  auto basic = server_->post_form("/device", {}, "closeoutd-test:test-secret");
  EXPECT_EQ(basic.status, 200) << "HTTP Basic client authentication (RFC 6749 2.3.1)";
  auto wrong = server_->post_form("/device", {}, "closeoutd-test:other");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(server_->stats()["settings"]["client_secret"], "set") << "stats never show it";
}

TEST_F(OAuthTestServerTest, ConfigSectionPointsAtThisServer) {
  auto toml = server_->oauth_config_toml();
  EXPECT_NE(toml.find("provider = \"custom\""), std::string::npos);
  EXPECT_NE(toml.find("token_endpoint = \"" + server_->base_url() + "/token\""), std::string::npos);
  EXPECT_NE(toml.find("device_authorization_endpoint = \"" + server_->base_url() + "/device\""),
            std::string::npos);
  EXPECT_NE(toml.find("ca_file = \"" + stack().ca_file + "\""), std::string::npos);
}

}  // namespace
}  // namespace closeout::testing
