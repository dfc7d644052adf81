// SPDX-License-Identifier: GPL-3.0-or-later
// Outgoing mail: nothing a value contains can add a header or a recipient, non-ASCII is encoded,
// long lines are folded or encoded.
#include "mail_compose.h"

#include <gtest/gtest.h>

#include "split_headers_for_tests.h"

namespace closeout {
namespace {

OutgoingMail sample() {
  OutgoingMail m;
  m.from = {"Acme Service", "service@dealer.example"};
  m.to = {{"", "techs@dealer.example"}};
  m.subject = "[CITS #7012345678] Dispatch notice";
  m.date = "Wed, 25 Nov 2026 09:00:00 +0000";
  m.message_id = "<n1@dealer.example>";
  m.body = "Hello\nworld\n";
  return m;
}

TEST(MailCompose, PlainMailIsSevenBitWithCrlf) {
  auto text = compose_mail(sample());
  auto headers = test::header_lines(text);
  EXPECT_EQ(test::header(headers, "From"), "Acme Service <service@dealer.example>");
  EXPECT_EQ(test::header(headers, "Subject"), "[CITS #7012345678] Dispatch notice");
  EXPECT_EQ(test::header(headers, "Content-Transfer-Encoding"), "7bit");
  EXPECT_NE(text.find("\r\n\r\nHello\r\nworld\r\n"), std::string::npos);
  EXPECT_EQ(text.find("\n\n"), std::string::npos);
}

TEST(MailCompose, LineBreaksInValuesCannotAddHeaders) {
  auto m = sample();
  m.subject = "Done\r\nBcc: thief@evil.example\nX-Evil: 1";
  m.from.name = "Acme\r\nBcc: thief@evil.example";
  m.extra_headers = {{"Auto-Submitted", "auto-replied\r\nBcc: x@evil.example"}};
  auto text = compose_mail(m);
  auto headers = test::header_lines(text);
  EXPECT_EQ(test::header(headers, "Bcc"), std::nullopt);
  EXPECT_EQ(test::header(headers, "X-Evil"), std::nullopt);
  EXPECT_NE(test::header(headers, "Subject")->find("Bcc: thief@evil.example"), std::string::npos);
}

TEST(MailCompose, UnsafeAddressesAndHeaderNamesAreRefused) {
  auto m = sample();
  m.to = {{"", "techs@dealer.example>, thief@evil.example"}};
  EXPECT_THROW(compose_mail(m), ComposeError);
  m = sample();
  m.extra_headers = {{"X-Bad\r\nBcc", "x"}};
  EXPECT_THROW(compose_mail(m), ComposeError);
  m = sample();
  m.message_id = "<no-domain-of-ours>";
  EXPECT_THROW(compose_mail(m), ComposeError) << "our own Message-ID stays strict";
  EXPECT_FALSE(is_envelope_safe("a b@c"));
  EXPECT_FALSE(is_envelope_safe("a@b\r\nRCPT TO:<x@y>"));
  EXPECT_FALSE(is_envelope_safe("nobody"));
  EXPECT_TRUE(is_envelope_safe("isgservice@closeout.test"));
}

TEST(MailCompose, RealWorldMessageIdsWithoutAnAtAreKeptInReplies) {
  // Seen from real mailers: no domain part, odd but harmless characters.
  auto m = sample();
  m.in_reply_to = "<20261130.LocalPart.NoDomain>";
  m.references = {"<cits.1@cits.canon.com>", "<20261130.LocalPart.NoDomain>",
                  "<odd!#$%&'*+/=?^_`{|}~\"(x)\"[y]:;,.z>"};
  auto headers = test::header_lines(compose_mail(m));
  EXPECT_EQ(test::header(headers, "In-Reply-To"), "<20261130.LocalPart.NoDomain>");
  EXPECT_EQ(test::header(headers, "References"),
            "<cits.1@cits.canon.com> <20261130.LocalPart.NoDomain> "
            "<odd!#$%&'*+/=?^_`{|}~\"(x)\"[y]:;,.z>");
}

TEST(MailCompose, AnUnsafeReferenceIsDroppedNeverARefusal) {
  auto m = sample();
  m.in_reply_to = "<a@b>\r\nBcc: x@y";
  m.references = {"<a@b>\r\nBcc: x@y", "<good@cits.canon.com>",
                  "<with space@x>",    "<a<b>",
                  "no-brackets@x",     "<>",
                  "<\x01ctl@x>",       "<" + std::string(300, 'a') + ">",
                  "<last@x>"};
  std::string text;
  ASSERT_NO_THROW(text = compose_mail(m));
  auto headers = test::header_lines(text);
  EXPECT_EQ(test::header(headers, "Bcc"), std::nullopt);
  EXPECT_EQ(test::header(headers, "In-Reply-To"), std::nullopt);
  EXPECT_EQ(test::header(headers, "References"), "<good@cits.canon.com> <last@x>");
  m.references = {"<with space@x>"};
  EXPECT_EQ(test::header(test::header_lines(compose_mail(m)), "References"), std::nullopt)
      << "no empty References header";
}

TEST(MailCompose, NonAsciiHeadersAreEncodedWordsOfAtMost75Characters) {
  auto m = sample();
  m.subject = std::string("Rückmeldung: ") + std::string(60, 'x') + " Überfällig — 完了";
  m.from.name = "Büro Süd";
  auto text = compose_mail(m);
  auto headers = test::header_lines(text);
  auto subject = test::raw_header(text, "Subject");
  EXPECT_NE(subject.find("=?UTF-8?B?"), std::string::npos);
  for (const auto& line : test::physical_lines(subject)) EXPECT_LE(line.size(), 78u) << line;
  EXPECT_EQ(test::decoded(subject.substr(9)), m.subject);
  EXPECT_EQ(test::decoded(*test::header(headers, "From")), "Büro Süd <service@dealer.example>");
}

TEST(MailCompose, BodyEncodingFollowsWhatTheServerAllows) {
  auto m = sample();
  m.body = "Techniker: Jürgen\n";
  EXPECT_NE(compose_mail(m).find("Content-Transfer-Encoding: quoted-printable"), std::string::npos);
  EXPECT_NE(compose_mail(m).find("J=C3=BCrgen"), std::string::npos);
  EXPECT_NE(compose_mail(m, {.eight_bit = true}).find("Content-Transfer-Encoding: 8bit"),
            std::string::npos);
  m.body = std::string(2000, 'a') + "\n";  // longer than SMTP's 998-byte line limit
  auto text = compose_mail(m, {.eight_bit = true});
  EXPECT_NE(text.find("quoted-printable"), std::string::npos);
  for (const auto& line : test::physical_lines(text)) EXPECT_LE(line.size(), 78u);
}

TEST(MailCompose, ParsesTheConfiguredFromAddress) {
  auto a = parse_mail_address("Acme Service <service@dealer.example>");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->name, "Acme Service");
  EXPECT_EQ(a->address, "service@dealer.example");
  EXPECT_EQ(parse_mail_address("\"Acme, Inc.\" <s@d.example>")->name, "Acme, Inc.");
  EXPECT_EQ(parse_mail_address("service@dealer.example")->name, "");
  EXPECT_FALSE(parse_mail_address("Acme Service"));
}

}  // namespace
}  // namespace closeout
