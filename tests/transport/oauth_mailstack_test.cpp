// SPDX-License-Identifier: GPL-3.0-or-later
// OAuth bearer tokens against the real Dovecot and Postfix of scripts/mailstack: a token from the
// test authorization server (tests/oauth) logs in to IMAP and SMTP through auth = "xoauth2" and
// its token_file; expired, forged, wrong-issuer and other-user tokens are refused on both; both
// SASL mechanisms (XOAUTH2, OAUTHBEARER) are offered and work with libcurl. No token is printed.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "imap_mailbox.h"
#include "mail_stack.h"
#include "oauth_test_server.h"
#include "smtp_sender.h"

namespace closeout::testing {
namespace {

namespace asio = boost::asio;
using namespace closeout::transport;
using std::chrono::seconds;

constexpr const char* kUser = "dispatch@dealer.test";

// What a login did: nullopt when it worked, else the failure; `text` is the error for the
// no-secret checks.
struct Outcome {
  std::optional<Failure> failure;
  std::string text;
};

class OAuthMailStack : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new OAuthTestServer;
    if (!server_->start(stack().dir, &start_error_)) {
      if (start_error_.empty()) start_error_ = "the test authorization server did not start";
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(start_error_.empty()) << start_error_;
    server_->control("reset");
    char pattern[] = "/tmp/closeoutd-oauth-token.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The [imap] or [smtp] section with auth = "xoauth2" and the token in its token_file, read by
  // the daemon's own server_settings() as in production.
  ServerSettings settings(const std::string& section, const std::string& token,
                          const std::string& username = kUser) {
    std::string file = dir_ + "/" + section + ".token";
    {
      std::ofstream out(file, std::ios::trunc);
      out << token << "\n";
    }
    ::chmod(file.c_str(), 0600);
    MailServerConfig c;
    c.url = section == "imap" ? "imaps://127.0.0.1:" + std::to_string(stack().imaps_port) + "/INBOX"
                              : "smtp://127.0.0.1:" + std::to_string(stack().smtp_port);
    c.username = username;
    c.auth = "xoauth2";
    c.token_file = file;
    c.ca_file = stack().ca_file;
    auto s = server_settings(c, section);
    s.connect_timeout = seconds(10);
    s.response_timeout = seconds(10);
    return s;
  }

  static Outcome imap_login(ServerSettings s) {
    asio::io_context io;
    try {
      run_to_completion(io, [](asio::io_context& io, ServerSettings s) -> asio::awaitable<void> {
        ImapConnection c(io, s, 1 << 20);
        co_await c.connect();
        // A real command after the login: the session works, not only the AUTHENTICATE.
        co_await c.command_ok("SELECT INBOX", "SELECT");
        co_await c.logout();
      }(io, std::move(s)));
    } catch (const TransportError& e) {
      return {e.kind(), e.what()};
    }
    return {};
  }

  static SendResult smtp_send(ServerSettings s, const std::string& subject) {
    asio::io_context io;
    return run_to_completion(io,
                             [](asio::io_context& io, ServerSettings s,
                                std::string subject) -> asio::awaitable<SendResult> {
                               SmtpSender sender(io, s);
                               Envelope envelope{"service@dealer.test", {kUser}};
                               auto message = test_message(subject);
                               co_return co_await sender.send(envelope, message);
                             }(io, std::move(s), subject));
  }

  static Outcome smtp_login(ServerSettings s) {
    auto r = smtp_send(std::move(s), "oauth-refusal-probe");
    if (r.status == SendStatus::accepted) return {};
    return {r.failure ? *r.failure : Failure::protocol, r.reply};
  }

  // Over IMAP with the token: is a message with this subject in the INBOX?
  bool arrived(const ServerSettings& imap, const std::string& subject) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      asio::io_context io;
      bool found = run_to_completion(
          io,
          [](asio::io_context& io, ServerSettings s, std::string subject) -> asio::awaitable<bool> {
            ImapConnection c(io, s, 1 << 20);
            co_await c.connect();
            co_await c.command_ok("SELECT INBOX", "SELECT");
            auto reply =
                co_await c.command_ok("UID SEARCH HEADER Subject \"" + subject + "\"", "SEARCH");
            co_await c.logout();
            for (const auto& r : reply.untagged)
              if (auto uids = imap::parse_search(r); uids && !uids->empty()) co_return true;
            co_return false;
          }(io, imap, subject));
      if (found) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  std::string token_for(const std::string& username) {
    return server_->device_sign_in(username).at("access_token").get<std::string>();
  }

  // Refused by IMAP and SMTP as an authentication failure, and the token is in neither error.
  void expect_refused_everywhere(const std::string& token, const std::string& username = kUser) {
    auto imap = imap_login(settings("imap", token, username));
    ASSERT_TRUE(imap.failure) << "IMAP accepted the token";
    EXPECT_EQ(*imap.failure, Failure::auth) << imap.text;
    EXPECT_TRUE(imap.text.find(token) == std::string::npos) << "the IMAP error carries the token";
    auto smtp = smtp_login(settings("smtp", token, username));
    ASSERT_TRUE(smtp.failure) << "SMTP accepted the token: " << smtp.text;
    EXPECT_EQ(*smtp.failure, Failure::auth) << smtp.text;
    EXPECT_TRUE(smtp.text.find(token) == std::string::npos) << "the SMTP error carries the token";
  }

  static OAuthTestServer* server_;
  static std::string start_error_;
  std::string dir_;
};

OAuthTestServer* OAuthMailStack::server_ = nullptr;
std::string OAuthMailStack::start_error_;

TEST_F(OAuthMailStack, DeviceFlowTokenLogsInToImapAndSmtpAndTheMailArrives) {
  auto token = token_for(kUser);
  auto imap = imap_login(settings("imap", token));
  EXPECT_FALSE(imap.failure) << imap.text;
  std::string subject = "oauth-send-" + std::to_string(::getpid());
  auto sent = smtp_send(settings("smtp", token), subject);
  EXPECT_EQ(sent.status, SendStatus::accepted) << sent.reply;
  EXPECT_TRUE(arrived(settings("imap", token), subject));
  auto stats = server_->stats();
  EXPECT_EQ(stats["device_requests"], 1);
  EXPECT_EQ(stats["tokens_issued"], 1);
}

TEST_F(OAuthMailStack, ExpiredTokenIsRefusedByImapAndSmtp) {
  // A 3 s life: long enough to see it work first on a loaded machine, then it expires.
  server_->control("set", {{"access_lifetime", 3}});
  auto issued = std::chrono::steady_clock::now();
  auto token = token_for(kUser);
  auto fresh = imap_login(settings("imap", token));
  ASSERT_FALSE(fresh.failure) << "a fresh token was refused: " << fresh.text;
  // Dovecot refuses once exp < now (whole seconds): wait past exp by more than a second.
  std::this_thread::sleep_until(issued + std::chrono::milliseconds(4500));
  expect_refused_everywhere(token);
}

TEST_F(OAuthMailStack, TokenSignedWithAnotherKeyIsRefused) {
  auto genuine = server_->mint_access_token(kUser);
  EXPECT_FALSE(imap_login(settings("imap", genuine)).failure);
  expect_refused_everywhere(server_->mint_access_token(kUser, {{"forge", true}}));
}

TEST_F(OAuthMailStack, TokenFromAnotherIssuerIsRefused) {
  EXPECT_FALSE(imap_login(settings("imap", server_->mint_access_token(kUser))).failure);
  expect_refused_everywhere(
      server_->mint_access_token(kUser, {{"issuer", "https://login.evil.example/"}}));
}

// Dovecot compares the SASL user name with the token's "email" claim (both lower-cased): a
// token for A presented as B is refused, even though its signature and issuer are fine.
TEST_F(OAuthMailStack, TokenForOneUserIsRefusedForAnother) {
  auto token = token_for(kUser);
  expect_refused_everywhere(token, "service@dealer.test");
  EXPECT_FALSE(imap_login(settings("imap", token, "Dispatch@Dealer.TEST")).failure)
      << "the user name is compared case-insensitively";
}

// libcurl directly, each mechanism forced by CURLOPT_LOGIN_OPTIONS, as the daemon may pick either.
struct CurlLogin {
  CURLcode result = CURLE_OK;
  std::string server;     // what the server said (capabilities, EHLO)
  std::string mechanism;  // the SASL mechanism our client named in its first auth command
};

int capture(CURL*, curl_infotype type, char* data, size_t size, void* out) {
  auto* login = static_cast<CurlLogin*>(out);
  std::string text(data, size);
  if (type == CURLINFO_HEADER_IN) login->server += text;
  if (type == CURLINFO_HEADER_OUT && login->mechanism.empty()) {
    // IMAP: "A002 AUTHENTICATE XOAUTH2 ..."; SMTP: "AUTH XOAUTH2 ...". Only the verb is kept.
    for (const char* mech : {"OAUTHBEARER", "XOAUTH2"}) {
      auto at = text.find(mech);
      if (at != std::string::npos && text.find("AUTH") < at) login->mechanism = mech;
    }
  }
  return 0;
}

CurlLogin curl_login(const std::string& url, const std::string& mechanism,
                     const std::string& token) {
  CurlLogin login;
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  CURL* e = easy.get();
  std::string options = "AUTH=" + mechanism;
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_CAINFO, stack().ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(e, CURLOPT_USERNAME, kUser);
  curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, token.c_str());
  curl_easy_setopt(e, CURLOPT_LOGIN_OPTIONS, options.c_str());
  curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);  // greeting, TLS, authentication: then stop
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, capture);
  curl_easy_setopt(e, CURLOPT_DEBUGDATA, &login);
  login.result = curl_easy_perform(e);
  return login;
}

TEST_F(OAuthMailStack, ImapAndSmtpOfferBothMechanismsAndEachLogsIn) {
  auto token = token_for(kUser);
  auto forged = server_->mint_access_token(kUser, {{"forge", true}});
  const std::string imap = "imaps://127.0.0.1:" + std::to_string(stack().imaps_port) + "/";
  const std::string smtp = "smtp://127.0.0.1:" + std::to_string(stack().smtp_port);
  for (const std::string& url : {imap, smtp}) {
    for (const char* mechanism : {"XOAUTH2", "OAUTHBEARER"}) {
      SCOPED_TRACE(url + " " + mechanism);
      const std::string mech = mechanism;
      auto ok = curl_login(url, mechanism, token);
      EXPECT_EQ(ok.result, CURLE_OK) << curl_easy_strerror(ok.result);
      EXPECT_EQ(ok.mechanism, mech);
      if (url == imap) {
        EXPECT_NE(ok.server.find("AUTH=XOAUTH2"), std::string::npos);
        EXPECT_NE(ok.server.find("AUTH=OAUTHBEARER"), std::string::npos);
      } else {
        // 250-AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER (Postfix lists what Dovecot SASL offers).
        auto line = ok.server.find("AUTH ");
        ASSERT_NE(line, std::string::npos);
        auto end = ok.server.find('\n', line);
        auto auth = ok.server.substr(line, end - line);
        EXPECT_NE(auth.find("XOAUTH2"), std::string::npos) << auth;
        EXPECT_NE(auth.find("OAUTHBEARER"), std::string::npos) << auth;
      }
      auto refused = curl_login(url, mechanism, forged);
      EXPECT_EQ(refused.result, CURLE_LOGIN_DENIED) << curl_easy_strerror(refused.result);
      EXPECT_EQ(refused.mechanism, mech);
    }
  }
}

// Dovecot's per-IP penalty (2, 4, 8, 15 s after each failure) would outlast Postfix's 10 s wait
// for Dovecot SASL, and a refused token would come back as a temporary 454: the stack turns the
// penalty off, so every refusal stays a prompt authentication failure, with either mechanism.
TEST_F(OAuthMailStack, RefusalsInARowStayPromptAuthenticationFailures) {
  const std::string smtp = "smtp://127.0.0.1:" + std::to_string(stack().smtp_port);
  for (const char* mechanism : {"XOAUTH2", "OAUTHBEARER"}) {
    for (int attempt = 1; attempt <= 3; ++attempt) {
      SCOPED_TRACE(std::string(mechanism) + " attempt " + std::to_string(attempt));
      auto forged = server_->mint_access_token(kUser, {{"forge", true}});
      auto started = std::chrono::steady_clock::now();
      auto refused = curl_login(smtp, mechanism, forged);
      auto took = std::chrono::steady_clock::now() - started;
      EXPECT_EQ(refused.result, CURLE_LOGIN_DENIED) << curl_easy_strerror(refused.result);
      // OAUTHBEARER: Dovecot's error challenge is acknowledged and the server says 535. XOAUTH2:
      // libcurl hangs up at the error challenge (status 401), so no 535 ever comes.
      if (std::string(mechanism) == "OAUTHBEARER")
        EXPECT_NE(refused.server.find("535 5.7.8"), std::string::npos) << refused.server;
      else
        EXPECT_NE(refused.server.find("334 eyJzdGF0dXMiOiI0MDEi"), std::string::npos)
            << refused.server;
      EXPECT_LT(took, seconds(2));
    }
  }
  auto smtp_refusal =
      smtp_login(settings("smtp", server_->mint_access_token(kUser, {{"forge", true}})));
  ASSERT_TRUE(smtp_refusal.failure);
  EXPECT_EQ(*smtp_refusal.failure, Failure::auth) << smtp_refusal.text;
  EXPECT_FALSE(imap_login(settings("imap", token_for(kUser))).failure);
}

}  // namespace
}  // namespace closeout::testing
