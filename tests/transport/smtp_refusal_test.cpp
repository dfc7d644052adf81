// SPDX-License-Identifier: GPL-3.0-or-later
// A 5xx is a verdict on one message only at RCPT TO or DATA (issue 11). A server that refuses us
// (a 554 greeting, our own sender refused at MAIL FROM) is a connection failure: the outbox stops
// and keeps everything due. Postfix refuses refused-sender@ at MAIL FROM (scripts/mailstack); a
// scripted server gives the 554 greeting and a refusal of only the null reverse-path <>.
#include <gtest/gtest.h>

#include "fake_server.h"
#include "mail_compose.h"
#include "mail_stack.h"
#include "smtp_sender.h"

namespace closeout::testing {
namespace {

namespace asio = boost::asio;
using namespace closeout::transport;

std::string message(const std::string& subject) {
  OutgoingMail m;
  m.from = {"Acme Service", "service@dealer.test"};
  m.to = {{"", "closeout@closeout.test"}};
  m.subject = subject;
  m.date = "Wed, 25 Nov 2026 09:00:00 +0000";
  m.message_id = "<" + subject + "." + std::to_string(::getpid()) + "@dealer.test>";
  m.body = "Close-out.\n";
  return compose_mail(m);
}

SendResult send_one(ServerSettings settings, std::string from, std::string to,
                    std::string subject) {
  asio::io_context io;
  return run_to_completion(
      io,
      [](asio::io_context& io, ServerSettings s, std::string from, std::string to,
         std::string subject) -> asio::awaitable<SendResult> {
        SmtpSender sender(io, s);
        Envelope envelope{from, {to}};
        auto text = message(subject);
        co_return co_await sender.send(envelope, text);
      }(io, std::move(settings), std::move(from), std::move(to), std::move(subject)));
}

ServerSettings fake_settings(const FakeServer& fake) {
  ServerSettings s;
  s.section = "smtp";
  s.url = "smtp://127.0.0.1:" + std::to_string(fake.port());
  s.starttls_required = false;
  s.connect_timeout = std::chrono::milliseconds(5000);
  s.response_timeout = std::chrono::milliseconds(5000);
  return s;
}

TEST(SmtpRefusal, OurSenderRefusedAtMailFromIsAServerWideFailureNotAVerdict) {
  auto r = send_one(stack().smtp(), "refused-sender@dealer.test", "closeout@closeout.test",
                    "refused-sender");
  EXPECT_EQ(r.code, 553);
  ASSERT_TRUE(r.failure) << "a connection failure: the flush stops, nothing is marked failed";
  EXPECT_EQ(*r.failure, Failure::config);
  EXPECT_EQ(exit_code_for(*r.failure), 78);
  EXPECT_EQ(r.status, SendStatus::transient);
  EXPECT_NE(r.reply.find("sender address refused"), std::string::npos) << r.reply;
  EXPECT_NE(r.reply.find("MAIL"), std::string::npos) << r.reply;
}

TEST(SmtpRefusal, ARefusedRecipientIsStillAVerdictOnThatMessage) {
  auto r = send_one(stack().smtp(), "service@dealer.test", "reject@closeout.test", "rcpt-refused");
  EXPECT_EQ(r.status, SendStatus::permanent);
  EXPECT_EQ(r.code, 550);
  EXPECT_FALSE(r.failure);
}

TEST(SmtpRefusal, A554GreetingIsAServerWideFailure) {
  FakeServer fake(FakeServer::Mode::smtp_554_greeting);
  auto r =
      send_one(fake_settings(fake), "service@dealer.test", "closeout@closeout.test", "greeting");
  ASSERT_TRUE(r.failure) << r.reply;
  EXPECT_EQ(*r.failure, Failure::unreachable);
  EXPECT_EQ(exit_code_for(*r.failure), 69);
  EXPECT_EQ(r.status, SendStatus::transient);
  EXPECT_NE(r.reply.find("no SMTP service here"), std::string::npos) << r.reply;
}

TEST(SmtpRefusal, ARefusedNullSenderFailsOnlyThatAutomaticAnswer) {
  FakeServer fake(FakeServer::Mode::smtp_refusing_null_sender);
  auto answer = send_one(fake_settings(fake), "", "mike.ross@dealer.test", "null-sender");
  EXPECT_EQ(answer.status, SendStatus::permanent) << answer.reply;
  EXPECT_EQ(answer.code, 550);
  EXPECT_FALSE(answer.failure) << "close-outs from our own sender must not wait behind it";
  auto closeout =
      send_one(fake_settings(fake), "service@dealer.test", "closeout@closeout.test", "own-sender");
  EXPECT_EQ(closeout.status, SendStatus::accepted) << closeout.reply;
}

}  // namespace
}  // namespace closeout::testing
