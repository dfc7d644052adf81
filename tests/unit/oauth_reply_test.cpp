// SPDX-License-Identifier: GPL-3.0-or-later
// Token and device endpoint replies as Microsoft Entra ID, Google and RFC servers send them
// (issue 12): grants, device codes, errors with AADSTS codes, and which errors need a new login.
// Tokens are compared in code, never printed.
#include "oauth_reply.h"

#include <gtest/gtest.h>

#include <string>

namespace closeout::oauth {
namespace {

// base64url without padding, for building id_tokens in the tests.
std::string b64url(const std::string& in) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (unsigned char c : in) {
    value = (value << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += abc[(value >> bits) & 63];
    }
  }
  if (bits > 0) out += abc[(value << (6 - bits)) & 63];
  return out;
}

std::string id_token(const std::string& claims) {
  return b64url(R"({"alg":"RS256","kid":"x"})") + "." + b64url(claims) + ".c2lnbmF0dXJl";
}

TokenGrant grant_of(long status, const std::string& body) {
  auto reply = read_token_reply(status, body);
  if (auto* error = std::get_if<OAuthError>(&reply)) {
    ADD_FAILURE() << "an error: " << error->plain();
    return {};
  }
  return std::get<TokenGrant>(reply);
}

OAuthError error_of(long status, const std::string& body) {
  auto reply = read_token_reply(status, body);
  if (!std::holds_alternative<OAuthError>(reply)) {
    ADD_FAILURE() << "a grant, not an error";
    return {};
  }
  return std::get<OAuthError>(reply);
}

// The shape Entra ID's v2.0 token endpoint answers a device-code or refresh grant with.
TEST(OAuthReply, MicrosoftGrantWithIdTokenGivesTokensLifetimeAndWhoSignedIn) {
  const std::string body =
      R"({"token_type":"Bearer","scope":"https://outlook.office.com/IMAP.AccessAsUser.All )"
      R"(https://outlook.office.com/SMTP.Send","expires_in":4799,"ext_expires_in":4799,)"
      R"("access_token":"eyJ0eXAiOiJKV1QiLCJub25jZSI6ImFjY2Vzcw","refresh_token":"0.AXoA-rt",)"
      R"("id_token":")" +
      id_token(R"({"aud":"c","iss":"https://login.microsoftonline.com/t/v2.0",)"
               R"("name":"Dispatch Desk","oid":"o","preferred_username":"dispatch@dealer.example",)"
               R"("tid":"t","ver":"2.0"})") +
      R"("})";
  TokenGrant grant = grant_of(200, body);
  EXPECT_TRUE(grant.access_token == "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImFjY2Vzcw");
  ASSERT_TRUE(grant.refresh_token.has_value());
  EXPECT_TRUE(*grant.refresh_token == "0.AXoA-rt");
  EXPECT_EQ(grant.expires_in.count(), 4799);
  EXPECT_EQ(grant.scope,
            "https://outlook.office.com/IMAP.AccessAsUser.All "
            "https://outlook.office.com/SMTP.Send");
  EXPECT_EQ(grant.username, "dispatch@dealer.example");
}

// Google's refresh reply carries no refresh_token (the old one stays valid) and an id_token
// only when openid was asked for; its id_token names the user by email.
TEST(OAuthReply, GoogleRefreshWithoutRefreshTokenKeepsTheOldOne) {
  TokenGrant grant = grant_of(200, R"({"access_token": "ya29.a0AfH6SM", "expires_in": 3599,
      "scope": "https://mail.google.com/", "token_type": "Bearer"})");
  EXPECT_TRUE(grant.access_token == "ya29.a0AfH6SM");
  EXPECT_FALSE(grant.refresh_token.has_value());
  EXPECT_EQ(grant.expires_in.count(), 3599);
  EXPECT_EQ(grant.username, "");

  TokenGrant with_id = grant_of(
      200, R"({"access_token":"ya29.b","expires_in":3599,"token_type":"Bearer","id_token":")" +
               id_token(R"({"iss":"https://accounts.google.com","email":"desk@gmail.example",)"
                        R"("email_verified":true})") +
               R"("})");
  EXPECT_EQ(with_id.username, "desk@gmail.example");
}

// An app whose consent screen is still in "Testing" gets refresh tokens that end in 7 days, and
// Google says so in the grant.
TEST(OAuthReply, GoogleTestingAppSaysHowLongTheRefreshTokenLives) {
  TokenGrant grant =
      grant_of(200, R"({"access_token":"ya29.a0","expires_in":3599,"refresh_token":"1//0gRt",)"
                    R"("scope":"https://mail.google.com/","token_type":"Bearer",)"
                    R"("refresh_token_expires_in":604799})");
  ASSERT_TRUE(grant.refresh_expires_in.has_value());
  EXPECT_EQ(grant.refresh_expires_in->count(), 604799);
  EXPECT_FALSE(grant_of(200, R"({"access_token":"a","refresh_token":"r"})").refresh_expires_in);
}

TEST(OAuthReply, ExpiresInAsStringAndAbsentAreRead) {
  EXPECT_EQ(grant_of(200, R"({"access_token":"a","token_type":"bearer","expires_in":"3600"})")
                .expires_in.count(),
            3600);
  EXPECT_EQ(grant_of(200, R"({"access_token":"a"})").expires_in.count(), 3600);
  EXPECT_EQ(grant_of(200, R"({"access_token":"a","expires_in":120})").expires_in.count(), 120);
}

TEST(OAuthReply, AnIdTokenThatIsNotAJwtGivesNoUsernameAndStillAGrant) {
  TokenGrant grant = grant_of(200, R"({"access_token":"a","id_token":"not-a-jwt"})");
  EXPECT_EQ(grant.username, "");
  grant = grant_of(200, R"({"access_token":"a","id_token":"a.%%%.b"})");
  EXPECT_EQ(grant.username, "");
  grant =
      grant_of(200, R"({"access_token":"a","id_token":")" + id_token(R"({"upn":"u@x"})") + R"("})");
  EXPECT_EQ(grant.username, "u@x");
}

// Entra ID's access tokens for outlook.office.com are JWTs naming the user (upn, unique_name);
// Google's are opaque.
TEST(OAuthReply, JwtUsernameReadsTheClaimsOrGivesNothing) {
  EXPECT_EQ(
      jwt_username(id_token(R"({"aud":"https://outlook.office.com","upn":"delegate@d.example",)"
                            R"("unique_name":"other@d.example"})")),
      "delegate@d.example");
  EXPECT_EQ(jwt_username(id_token(R"({"unique_name":"u@d.example"})")), "u@d.example");
  EXPECT_EQ(jwt_username(id_token(R"({"sub":"1234"})")), "");
  EXPECT_EQ(jwt_username("ya29.a0AfH6SMBx"), "");
  EXPECT_EQ(jwt_username(""), "");
}

// Entra ID's answer to a refresh token unused for 90 days.
TEST(OAuthReply, MicrosoftExpiredRefreshTokenNeedsANewLoginAndSaysWhy) {
  OAuthError e = error_of(
      400, R"({"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has )"
           R"(expired due to inactivity. The token was issued on 2026-08-01T10:00:00.0000000Z and )"
           R"(was inactive for 90.00:00:00.\r\nTrace ID: 0b1c\r\nCorrelation ID: 5e6f\r\n)"
           R"(Timestamp: 2026-11-30 10:00:00Z","error_codes":[700082],"timestamp":"2026-11-30 )"
           R"(10:00:00Z","trace_id":"0b1c","correlation_id":"5e6f","error_uri":)"
           R"("https://login.microsoftonline.com/error?code=700082"})");
  EXPECT_EQ(e.code, OAuthErrorCode::invalid_grant);
  EXPECT_EQ(e.http_status, 400);
  EXPECT_EQ(e.error, "invalid_grant");
  EXPECT_EQ(e.aadsts, "AADSTS700082");
  EXPECT_EQ(e.description.find('\r'), std::string::npos);
  EXPECT_EQ(e.description.find('\n'), std::string::npos);
  EXPECT_NE(e.description.find("was inactive for 90.00:00:00. Trace ID: 0b1c"), std::string::npos)
      << e.description;
  EXPECT_TRUE(needs_new_login(e));
  EXPECT_EQ(e.plain(),
            "the refresh token has expired (unused for too long) (AADSTS700082): run closeoutctl "
            "oauth login");
}

// Microsoft answers a consent problem with invalid_grant too; the code says what to fix.
TEST(OAuthReply, MicrosoftMissingConsentIsExplained) {
  OAuthError e = error_of(
      400,
      R"({"error":"invalid_grant","error_description":"AADSTS65001: The user or )"
      R"(administrator has not consented to use the application with ID 'c' named 'closeoutd'.)"
      R"( Send an interactive authorization request for this user and resource.\r\nTrace ID:)"
      R"( a\r\nCorrelation ID: b\r\nTimestamp: 2026-11-30 10:00:00Z","error_codes":[65001]})");
  EXPECT_EQ(e.aadsts, "AADSTS65001");
  EXPECT_TRUE(needs_new_login(e));
  EXPECT_NE(e.plain().find("an admin must grant consent"), std::string::npos) << e.plain();
}

// Errors whose code is carried only in error_codes (some Entra ID endpoints).
TEST(OAuthReply, AadstsFromErrorCodesWhenTheDescriptionHasNone) {
  OAuthError e = error_of(400, R"({"error":"invalid_request","error_description":"x",)"
                               R"("error_codes":[50076]})");
  EXPECT_EQ(e.aadsts, "AADSTS50076");
  EXPECT_TRUE(needs_new_login(e));
}

// Google's answer to a revoked refresh token, or one from an app in "Testing" after 7 days.
TEST(OAuthReply, GoogleRevokedRefreshTokenNeedsANewLogin) {
  OAuthError e =
      error_of(400, R"({"error": "invalid_grant", "error_description": "Token has been expired )"
                    R"(or revoked."})");
  EXPECT_EQ(e.code, OAuthErrorCode::invalid_grant);
  EXPECT_EQ(e.aadsts, "");
  EXPECT_TRUE(needs_new_login(e));
  EXPECT_EQ(e.plain(),
            "the sign-in is no longer valid (the refresh token has expired or was revoked): run "
            "closeoutctl oauth login");
}

TEST(OAuthReply, GoogleWrongClientIsAConfigurationProblemNotALogin) {
  OAuthError e = error_of(401, R"({"error": "invalid_client", "error_description": "The )"
                               R"(OAuth client was not found."})");
  EXPECT_EQ(e.code, OAuthErrorCode::invalid_client);
  EXPECT_FALSE(needs_new_login(e));
  EXPECT_EQ(e.plain(),
            "the authorization server does not accept the client (check oauth.client_id and "
            "oauth.client_secret_file): The OAuth client was not found.");
}

TEST(OAuthReply, DeviceFlowPollingErrorsAreReadAndRetried) {
  for (auto [name, code] :
       {std::pair{"authorization_pending", OAuthErrorCode::authorization_pending},
        std::pair{"slow_down", OAuthErrorCode::slow_down},
        std::pair{"access_denied", OAuthErrorCode::access_denied},
        std::pair{"expired_token", OAuthErrorCode::expired_token}}) {
    OAuthError e = error_of(400, std::string(R"({"error":")") + name + R"("})");
    EXPECT_EQ(e.code, code) << name;
    EXPECT_FALSE(needs_new_login(e)) << name;
  }
  // Entra ID's pending poll: AADSTS70016 is not a reason to log in again.
  OAuthError pending = error_of(
      400,
      R"({"error":"authorization_pending","error_description":"AADSTS70016: OAuth 2.0 )"
      R"(device flow error. Authorization is pending. Continue polling.","error_codes":[70016]})");
  EXPECT_EQ(pending.code, OAuthErrorCode::authorization_pending);
  EXPECT_EQ(pending.aadsts, "AADSTS70016");
  EXPECT_FALSE(needs_new_login(pending));
}

TEST(OAuthReply, ServerErrorsAndJunkAreRetriedNeverALogin) {
  OAuthError e503 = error_of(503, "<html><body>Service Unavailable</body></html>");
  EXPECT_EQ(e503.code, OAuthErrorCode::server_error);
  EXPECT_EQ(e503.http_status, 503);
  EXPECT_FALSE(needs_new_login(e503));
  EXPECT_EQ(e503.plain(),
            "the authorization server is unavailable (HTTP 503); it will be tried again");
  // Even a 5xx claiming invalid_grant is the server's trouble, not a revoked sign-in.
  EXPECT_FALSE(needs_new_login(error_of(500, R"({"error":"invalid_grant"})")));
  EXPECT_EQ(error_of(503, R"({"error":"temporarily_unavailable"})").code,
            OAuthErrorCode::temporarily_unavailable);
  EXPECT_EQ(error_of(429, "slow down").code, OAuthErrorCode::temporarily_unavailable);
  EXPECT_EQ(error_of(200, "<html>login portal</html>").code, OAuthErrorCode::malformed_reply);
  EXPECT_EQ(error_of(200, R"({"token_type":"Bearer"})").code, OAuthErrorCode::malformed_reply);
  EXPECT_EQ(error_of(200, R"({"access_token":"a","token_type":"mac"})").code,
            OAuthErrorCode::malformed_reply);
  EXPECT_EQ(error_of(200, R"({"access_token":"a","expires_in":-5})").code,
            OAuthErrorCode::malformed_reply);
  EXPECT_EQ(error_of(200, "[1,2]").code, OAuthErrorCode::malformed_reply);
  EXPECT_EQ(error_of(404, "Not Found").code, OAuthErrorCode::malformed_reply);
  EXPECT_EQ(error_of(200, "").code, OAuthErrorCode::malformed_reply);
  EXPECT_FALSE(needs_new_login(error_of(404, "Not Found")));
}

TEST(OAuthReply, AnErrorInATwoHundredIsAnError) {
  OAuthError e = error_of(200, R"({"error":"access_denied"})");
  EXPECT_EQ(e.code, OAuthErrorCode::access_denied);
}

TEST(OAuthReply, UnknownErrorsKeepTheirNameAndAShortDescription) {
  OAuthError e = error_of(400, R"({"error":"interaction_required","error_description":")" +
                                   std::string(1000, 'x') + R"(\u0007"})");
  EXPECT_EQ(e.code, OAuthErrorCode::other);
  EXPECT_EQ(e.error, "interaction_required");
  EXPECT_LE(e.description.size(), 300u);
  EXPECT_FALSE(needs_new_login(e));
  EXPECT_EQ(e.plain().rfind("the authorization server refused: interaction_required: xxx", 0), 0u);
}

TEST(OAuthReply, DescriptionIsCutOnACharacterBoundary) {
  std::string text(299, 'a');
  text += "\xC3\xA9\xC3\xA9";  // "éé": the cut at 300 falls inside the first
  OAuthError e = error_of(400, R"({"error":"x","error_description":")" + text + R"("})");
  EXPECT_EQ(e.description, std::string(299, 'a'));
}

// Entra ID's devicecode endpoint.
TEST(OAuthReply, MicrosoftDeviceAuthorization) {
  auto reply = read_device_authorization(
      200, R"({"user_code":"FJ8XKP3QM","device_code":"FAQABAAEAAAD--DLA3VO7QrddgJg7Wevr",)"
           R"("verification_uri":"https://microsoft.com/devicelogin","expires_in":900,)"
           R"("interval":5,"message":"To sign in, use a web browser to open the page )"
           R"(https://microsoft.com/devicelogin and enter the code FJ8XKP3QM to authenticate."})");
  ASSERT_TRUE(std::holds_alternative<DeviceAuthorization>(reply));
  const auto& d = std::get<DeviceAuthorization>(reply);
  EXPECT_TRUE(d.device_code == "FAQABAAEAAAD--DLA3VO7QrddgJg7Wevr");
  EXPECT_EQ(d.user_code, "FJ8XKP3QM");
  EXPECT_EQ(d.verification_uri, "https://microsoft.com/devicelogin");
  EXPECT_EQ(d.verification_uri_complete, "");
  EXPECT_EQ(d.expires_in.count(), 900);
  EXPECT_EQ(d.interval.count(), 5);
}

// Google's device endpoint says verification_url and sends expires_in 1800.
TEST(OAuthReply, GoogleDeviceAuthorizationWithVerificationUrl) {
  auto reply = read_device_authorization(
      200, R"({"device_code":"AH-1Ng","user_code":"GQVQ-JKEC",)"
           R"("verification_url":"https://www.google.com/device","expires_in":1800,"interval":5})");
  ASSERT_TRUE(std::holds_alternative<DeviceAuthorization>(reply));
  EXPECT_EQ(std::get<DeviceAuthorization>(reply).verification_uri, "https://www.google.com/device");
  EXPECT_EQ(std::get<DeviceAuthorization>(reply).expires_in.count(), 1800);
}

TEST(OAuthReply, DeviceAuthorizationDefaultsAndRefusals) {
  auto reply = read_device_authorization(
      200, R"({"device_code":"d","user_code":"u","verification_uri":"https://x/v",)"
           R"("verification_uri_complete":"https://x/v?c=u"})");
  ASSERT_TRUE(std::holds_alternative<DeviceAuthorization>(reply));
  EXPECT_EQ(std::get<DeviceAuthorization>(reply).interval.count(), 5);
  EXPECT_EQ(std::get<DeviceAuthorization>(reply).expires_in.count(), 900);
  EXPECT_EQ(std::get<DeviceAuthorization>(reply).verification_uri_complete, "https://x/v?c=u");
  // interval 0 would poll in a tight loop
  reply = read_device_authorization(
      200, R"({"device_code":"d","user_code":"u","verification_uri":"https://x/v","interval":0})");
  EXPECT_EQ(std::get<DeviceAuthorization>(reply).interval.count(), 1);

  auto missing = read_device_authorization(200, R"({"device_code":"d","user_code":"u"})");
  ASSERT_TRUE(std::holds_alternative<OAuthError>(missing));
  EXPECT_EQ(std::get<OAuthError>(missing).code, OAuthErrorCode::malformed_reply);
  // Google refuses the device flow for Gmail's scope.
  auto refused = read_device_authorization(
      400, R"({"error":"invalid_scope","error_description":"Invalid device flow scope: )"
           R"(https://mail.google.com/"})");
  ASSERT_TRUE(std::holds_alternative<OAuthError>(refused));
  EXPECT_EQ(std::get<OAuthError>(refused).code, OAuthErrorCode::invalid_scope);
  EXPECT_NE(std::get<OAuthError>(refused).plain().find("Invalid device flow scope"),
            std::string::npos);
}

// No message built from a reply holds the tokens it carried.
TEST(OAuthReply, PlainNeverRepeatsATokenFromTheBody) {
  OAuthError e = error_of(400, R"({"error":"invalid_grant","refresh_token":"SECRET-RT",)"
                               R"("access_token":"SECRET-AT"})");
  EXPECT_EQ(e.plain().find("SECRET"), std::string::npos);
  EXPECT_EQ(e.description.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace closeout::oauth
