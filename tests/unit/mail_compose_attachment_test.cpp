// SPDX-License-Identifier: GPL-3.0-or-later
// Outgoing mail with a file: multipart/mixed, the text part exactly as a plain mail would carry
// it, the file base64 in lines a mail server accepts, and names that cannot break a header.
#include <gtest/gtest.h>

#include "mail_compose.h"
#include "mime_parts.h"

namespace closeout {
namespace {

OutgoingMail sample() {
  OutgoingMail m;
  m.from = {"Acme Service", "service@dealer.example"};
  m.to = {{"", "isgservice@closeout.example"}};
  m.subject = "[CITS #4417702] Service Dispatch 4417702";
  m.date = "Wed, 25 Nov 2026 09:00:00 +0000";
  m.message_id = "<closeoutd.1795600000.00ff@dealer.example>";
  m.body = "Technician Name: José\nCall Status: Completed\n";
  return m;
}

TEST(MailComposeAttachment, TextThenPdfInMultipartMixed) {
  auto m = sample();
  std::string pdf = "%PDF-1.4\n";
  for (int i = 0; i < 3000; ++i) pdf += static_cast<char>(i * 7 % 256);
  m.attachments.push_back({"Service-Dispatch-4417702.pdf", "application/pdf", pdf});
  auto mail = compose_mail(m);
  auto parts = testing::mime_parts(mail);
  ASSERT_TRUE(parts.has_value()) << mail.substr(0, 800);
  ASSERT_EQ(parts->size(), 2U);
  EXPECT_EQ((*parts)[0].header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ((*parts)[0].header("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_NE((*parts)[0].body.find("Technician Name: Jos=C3=A9"), std::string::npos);
  EXPECT_EQ((*parts)[1].header("Content-Type"),
            "application/pdf; name=\"Service-Dispatch-4417702.pdf\"");
  EXPECT_EQ((*parts)[1].header("Content-Disposition"),
            "attachment; filename=\"Service-Dispatch-4417702.pdf\"");
  EXPECT_EQ((*parts)[1].body, pdf);
  // Every line within RFC 5322's limit, every line end CRLF.
  std::size_t start = 0;
  for (auto end = mail.find('\n'); end != std::string::npos; end = mail.find('\n', start)) {
    ASSERT_GT(end, start);
    EXPECT_EQ(mail[end - 1], '\r');
    EXPECT_LE(end - start - 1, 78U) << mail.substr(start, end - start);
    start = end + 1;
  }
}

TEST(MailComposeAttachment, WithoutAttachmentsTheMailIsUnchanged) {
  auto plain = compose_mail(sample());
  EXPECT_FALSE(testing::mime_parts(plain).has_value());
  EXPECT_NE(plain.find("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                       "Content-Transfer-Encoding: quoted-printable\r\n\r\nTechnician Name: "),
            std::string::npos);
}

TEST(MailComposeAttachment, ABodyHoldingTheBoundaryGetsAnotherOne) {
  auto m = sample();
  m.body = "--=_closeoutd_closeoutd_1795600000_00f\n";
  m.attachments.push_back({"a.pdf", "application/pdf", "%PDF-1.4"});
  auto parts = testing::mime_parts(compose_mail(m));
  ASSERT_TRUE(parts.has_value());
  ASSERT_EQ(parts->size(), 2U);
  EXPECT_EQ((*parts)[1].body, "%PDF-1.4");
}

TEST(MailComposeAttachment, UnsafeNamesAndTypesAreRefused) {
  auto m = sample();
  m.attachments.push_back({"x\"\r\nBcc: evil@example.com", "application/pdf", "x"});
  EXPECT_THROW(compose_mail(m), ComposeError);
  m.attachments[0] = {"a.pdf", "application/pdf\r\nBcc: evil@example.com", "x"};
  EXPECT_THROW(compose_mail(m), ComposeError);
}

}  // namespace
}  // namespace closeout
