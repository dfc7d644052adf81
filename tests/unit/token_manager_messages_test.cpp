// SPDX-License-Identifier: GPL-3.0-or-later
// What an admin reads when the OAuth sign-in does not work: the mail servers' well-known
// refusals in plain words (Microsoft's 535 5.7.139, 535 5.7.3, 550 5.7.30, AADSTS65001), and a
// refused token naming both the token's user and the mailbox, never the token.
#include <gtest/gtest.h>

#include "server_settings.h"

namespace closeout::transport {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(OAuthRefusalWords, MicrosoftsSmtpRefusalsAreExplained) {
  auto disabled = explain_refusal(
      "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the "
      "Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.");
  EXPECT_TRUE(has(disabled, "SMTP AUTH is disabled")) << disabled;
  EXPECT_TRUE(has(disabled, "SmtpClientAuthenticationDisabled")) << disabled;
  auto basic = explain_refusal("535 5.7.3 Authentication unsuccessful");
  EXPECT_TRUE(has(basic, "Basic authentication")) << basic;
  auto basic30 =
      explain_refusal("550 5.7.30 Basic authentication is not supported for Client Submission.");
  EXPECT_TRUE(has(basic30, "Basic authentication")) << basic30;
  auto consent = explain_refusal(
      "invalid_grant: AADSTS65001: The user or administrator has not consented to use the "
      "application with ID '00000000-0000-0000-0000-000000000000'.");
  EXPECT_TRUE(has(consent, "admin consent")) << consent;
  EXPECT_EQ(explain_refusal("550 5.1.1 <nobody@dealer.test>: Recipient address rejected"), "");
}

TEST(OAuthRefusalWords, ARefusedTokenNamesTheTokensUserAndTheMailboxButNoSecret) {
  ServerSettings s;
  s.section = "imap";
  s.url = "imaps://outlook.office365.com/INBOX";
  s.username = "dispatch@dealer.example";
  s.oauth2 = true;
  s.secret = "eyJ-secret-access-token";
  s.token_user = "manager@dealer.example";
  auto e = error_from_curl(CURLE_LOGIN_DENIED, "", s);
  EXPECT_EQ(e.kind(), Failure::signin) << "waited out, not a reason to stop the daemon";
  std::string what = e.what();
  EXPECT_TRUE(has(what,
                  "the token is for manager@dealer.example, the mailbox is "
                  "dispatch@dealer.example"))
      << what;
  EXPECT_TRUE(has(what, "oauth login")) << what;
  EXPECT_FALSE(has(what, "eyJ-secret")) << "never the token";
}

TEST(OAuthRefusalWords, AServerWithoutOAuthMechanismsIsAConfigurationProblem) {
  ServerSettings s;
  s.section = "smtp";
  s.url = "smtp://127.0.0.1:587";
  s.username = "dispatch@dealer.example";
  s.oauth2 = true;
  auto e = error_from_curl(CURLE_LOGIN_DENIED, "No known authentication mechanisms supported", s);
  EXPECT_EQ(e.kind(), Failure::auth);
  EXPECT_TRUE(has(e.what(), "neither OAUTHBEARER nor XOAUTH2")) << e.what();
}

}  // namespace
}  // namespace closeout::transport
