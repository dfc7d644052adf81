// SPDX-License-Identifier: GPL-3.0-or-later
// auth = "oauth2" meeting Exchange Online's refusal when SMTP AUTH is off for the tenant (535
// 5.7.139), which no local server can be made to say: a scripted server offers CRAM-MD5, PLAIN
// and XOAUTH2 and refuses. libcurl must try the OAuth mechanism only (left to itself 7.88 takes
// CRAM-MD5 first), and the admin must read what to change, not "login refused".
#include <gtest/gtest.h>

#include "fake_server.h"
#include "mail_stack.h"
#include "smtp_sender.h"

namespace closeout::testing {
namespace {

namespace asio = boost::asio;
using namespace closeout::transport;

TEST(OAuthSmtpRefusal, SmtpAuthDisabledForTheTenantIsExplainedAndOnlyOAuthIsTried) {
  FakeServer fake(FakeServer::Mode::smtp_oauth_auth_disabled);
  ServerSettings s;
  s.section = "smtp";
  s.url = "smtp://127.0.0.1:" + std::to_string(fake.port());
  s.starttls_required = false;
  s.connect_timeout = std::chrono::milliseconds(5000);
  s.response_timeout = std::chrono::milliseconds(5000);
  s.username = "dispatch@dealer.example";
  s.oauth2 = true;
  s.secret = "not-a-real-access-token";
  s.token_user = "dispatch@dealer.example";
  asio::io_context io;
  std::optional<TransportError> error;
  try {
    run_to_completion(io, [](asio::io_context& io, ServerSettings s) -> asio::awaitable<void> {
      SmtpSender sender(io, s);
      (void)co_await sender.check();
    }(io, s));
  } catch (const TransportError& e) {
    error = e;
  }
  ASSERT_TRUE(error) << "the login is refused";
  std::string what = error->what();
  EXPECT_TRUE(what.find("535 5.7.139") != std::string::npos) << what;
  EXPECT_TRUE(what.find("SMTP AUTH is disabled") != std::string::npos) << what;
  EXPECT_TRUE(what.find("not-a-real-access-token") == std::string::npos) << "never the token";
  EXPECT_EQ(fake.auth_mechanisms(), std::vector<std::string>{"XOAUTH2"});
}

}  // namespace
}  // namespace closeout::testing
