// SPDX-License-Identifier: GPL-3.0-or-later
// SMTP submission against the project's real Postfix: accepted mail reaches the mailbox, 4xx is
// transient and 5xx permanent with the server's words, a batch reuses one connection, and a
// refused password or untrusted certificate is reported as such.
#include <gtest/gtest.h>

#include <thread>

#include "imap_mailbox.h"
#include "mail_compose.h"
#include "mail_stack.h"
#include "smtp_sender.h"

namespace closeout::testing {
namespace {

namespace asio = boost::asio;
using namespace closeout::transport;

std::string mail_to(const std::string& to, const std::string& subject) {
  OutgoingMail m;
  m.from = {"Acme Service", "service@dealer.test"};
  m.to = {{"", is_envelope_safe(to) ? to : "closeout@closeout.test"}};
  m.subject = subject;
  m.date = "Wed, 25 Nov 2026 09:00:00 +0000";
  m.message_id = "<" + subject + "." + std::to_string(::getpid()) + "@dealer.test>";
  m.body = "Körper mit Umlaut.\n";
  return compose_mail(m);
}

std::vector<SendResult> send_all(ServerSettings settings,
                                 std::vector<std::pair<std::string, std::string>> mails) {
  asio::io_context io;
  return run_to_completion(io,
                           [](asio::io_context& io, ServerSettings s,
                              std::vector<std::pair<std::string, std::string>> mails)
                               -> asio::awaitable<std::vector<SendResult>> {
                             SmtpSender sender(io, s);
                             std::vector<SendResult> results;
                             for (const auto& [to, subject] : mails) {
                               // GCC 12 miscompiles braced temporaries inside co_await: name them.
                               Envelope envelope{"service@dealer.test", {to}};
                               auto message = mail_to(to, subject);
                               results.push_back(co_await sender.send(envelope, message));
                             }
                             co_return results;
                           }(io, std::move(settings), std::move(mails)));
}

// Waits until a message with this subject is in the closeout@ mailbox.
bool arrived(const std::string& subject) {
  auto s = stack().imaps();
  s.username = "closeout@closeout.test";
  for (int attempt = 0; attempt < 50; ++attempt) {
    asio::io_context io;
    auto found = run_to_completion(
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
        }(io, s, subject));
    if (found) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(SmtpTransport, AcceptedMailIsDeliveredAndTheBatchReusesOneConnection) {
  auto results = send_all(stack().smtp(), {{"closeout@closeout.test", "batch-one"},
                                           {"closeout@closeout.test", "batch-two"},
                                           {"closeout@closeout.test", "batch-three"}});
  ASSERT_EQ(results.size(), 3u);
  for (const auto& r : results) {
    EXPECT_EQ(r.status, SendStatus::accepted) << r.reply;
    EXPECT_EQ(r.code, 250);
  }
  EXPECT_TRUE(results[0].new_connection);
  EXPECT_FALSE(results[1].new_connection);
  EXPECT_FALSE(results[2].new_connection);
  EXPECT_TRUE(arrived("batch-one"));
  EXPECT_TRUE(arrived("batch-three"));
}

TEST(SmtpTransport, FourHundredIsTransientWithTheServersWords) {
  auto results = send_all(stack().smtp(), {{"tempfail@closeout.test", "tempfail"}});
  EXPECT_EQ(results[0].status, SendStatus::transient);
  EXPECT_EQ(results[0].code, 450);
  EXPECT_NE(results[0].reply.find("mailbox busy"), std::string::npos) << results[0].reply;
}

TEST(SmtpTransport, FiveHundredIsPermanentWithTheServersWords) {
  auto results = send_all(stack().smtp(), {{"reject@closeout.test", "reject"},
                                           {"closeout@closeout.test", "after-reject"}});
  EXPECT_EQ(results[0].status, SendStatus::permanent);
  EXPECT_EQ(results[0].code, 550);
  EXPECT_NE(results[0].reply.find("no such mailbox"), std::string::npos) << results[0].reply;
  // One refused recipient does not spoil the connection for the next mail.
  EXPECT_EQ(results[1].status, SendStatus::accepted) << results[1].reply;
}

TEST(SmtpTransport, UnsafeRecipientIsRefusedBeforeAnythingIsSent) {
  auto results = send_all(stack().smtp(),
                          {{"closeout@closeout.test>\r\nRCPT TO:<x@evil.example", "injection"}});
  EXPECT_EQ(results[0].status, SendStatus::permanent);
  EXPECT_EQ(results[0].code, 0);
}

TEST(SmtpTransport, WrongPasswordIsReportedAsAuthenticationWithoutTheSecret) {
  auto s = stack().smtp();
  s.secret = "wrong-smtp-password";
  auto results = send_all(s, {{"closeout@closeout.test", "wrong-password"}});
  EXPECT_EQ(results[0].status, SendStatus::transient);
  ASSERT_TRUE(results[0].failure);
  EXPECT_EQ(*results[0].failure, Failure::auth);
  EXPECT_EQ(results[0].reply.find("wrong-smtp-password"), std::string::npos);
}

TEST(SmtpTransport, UntrustedCertificateIsRefused) {
  auto s = stack().smtp();
  s.ca_file = "/etc/ssl/certs/ca-certificates.crt";
  auto results = send_all(s, {{"closeout@closeout.test", "untrusted"}});
  ASSERT_TRUE(results[0].failure);
  EXPECT_EQ(*results[0].failure, Failure::certificate) << results[0].reply;
}

TEST(SmtpTransport, CheckReportsTheExtensionsAfterStartTls) {
  asio::io_context io;
  auto login = run_to_completion(
      io, [](asio::io_context& io, ServerSettings s) -> asio::awaitable<SmtpLogin> {
        SmtpSender sender(io, s);
        co_return co_await sender.check();
      }(io, stack().smtp()));
  std::string joined;
  for (const auto& e : login.extensions) joined += e + " ";
  EXPECT_NE(joined.find("8BITMIME"), std::string::npos) << joined;
  EXPECT_NE(joined.find("AUTH"), std::string::npos) << joined;
  EXPECT_EQ(joined.find("STARTTLS"), std::string::npos) << "still the pre-TLS EHLO: " << joined;
}

}  // namespace
}  // namespace closeout::testing
