// SPDX-License-Identifier: GPL-3.0-or-later
// decode_message's binary leaves (issue 13): what the attachment reader gets, and what it never
// gets (text parts stay text, oversize parts keep only their size, a flood of parts is capped).
#include "mime_decode.h"

#include <gtest/gtest.h>

namespace closeout {
namespace {

// base64 of "%PDF-1.4\n\x00\xff\xfe binary\n" (non-text bytes on purpose).
const char* const kPdfBase64 = "JVBERi0xLjQKAP/+IGJpbmFyeQo=";
const std::string kPdfBytes = std::string("%PDF-1.4\n\0\xff\xfe binary\n", 20);

std::string mixed(const std::string& parts) {
  return "From: Mike <mike@dealer.example>\nSubject: Re: [CITS #7012345678]\nMIME-Version: 1.0\n"
         "Content-Type: multipart/mixed; boundary=\"m\"\n\n--m\n"
         "Content-Type: text/plain\n\nSection 2 attached.\n" +
         parts + "--m--\n";
}

DecodedMessage decode(const std::string& raw, const DecodeLimits& limits = {}) {
  auto out = decode_message(raw, limits);
  EXPECT_TRUE(out.message) << out.error;
  return out.message.value_or(DecodedMessage{});
}

TEST(MimeDecode, APdfAttachmentIsABinaryPartWithItsDecodedBytes) {
  auto m = decode(mixed(std::string("--m\nContent-Type: Application/PDF; name=\"ignored.pdf\"\n"
                                    "Content-Disposition: attachment; filename=\"Section2.pdf\"\n"
                                    "Content-Transfer-Encoding: base64\n\n") +
                        kPdfBase64 + "\n"));
  ASSERT_EQ(m.binary_parts.size(), 1u);
  const BinaryPart& p = m.binary_parts[0];
  EXPECT_EQ(p.filename, "Section2.pdf");
  EXPECT_EQ(p.content_type, "application/pdf");
  EXPECT_EQ(p.bytes, kPdfBytes);
  EXPECT_EQ(p.size, kPdfBytes.size());
  EXPECT_FALSE(p.too_large);
  ASSERT_EQ(m.parts.size(), 1u);  // the body only: the PDF is not text
  EXPECT_FALSE(m.parts[0].attachment);
}

TEST(MimeDecode, BinaryFileNamesAreDecodedLikeTextOnesAndOrderIsKept) {
  auto m =
      decode(mixed("--m\nContent-Type: image/jpeg; name=\"=?utf-8?Q?Scan_S=C3=A9ction_2.jpg?=\"\n"
                   "Content-Transfer-Encoding: base64\n\n/9j/4AAQ\n"
                   "--m\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: "
                   "quoted-printable\n\nPK=03=04rest\n"
                   "--m\nContent-Type: image/gif\nContent-Disposition: inline\n\nGIF89a\n"));
  ASSERT_EQ(m.binary_parts.size(), 3u);
  EXPECT_EQ(m.binary_parts[0].filename,
            "Scan S\xc3\xa9"
            "ction 2.jpg");
  EXPECT_EQ(m.binary_parts[0].bytes, std::string("\xff\xd8\xff\xe0\x00\x10", 6));
  EXPECT_EQ(m.binary_parts[1].content_type, "application/octet-stream");
  EXPECT_EQ(m.binary_parts[1].filename, "");
  EXPECT_EQ(m.binary_parts[1].bytes.substr(0, 6), std::string("PK\x03\x04re", 6));
  EXPECT_EQ(m.binary_parts[2].content_type, "image/gif");
}

TEST(MimeDecode, TextAttachmentsStayTextAndAttachedMailIsNotAPart) {
  auto m = decode(mixed(
      "--m\nContent-Type: text/plain; name=\"Section2.txt\"\n"
      "Content-Disposition: attachment; filename=\"Section2.txt\"\n\nTechnician Name: Mike\n"
      "--m\nContent-Type: text/html\nContent-Disposition: attachment; filename=\"s2.html\"\n\n"
      "<p>x</p>\n"
      "--m\nContent-Type: message/rfc822\n\nFrom: a@b.example\nSubject: old\n\nold mail\n"));
  EXPECT_TRUE(m.binary_parts.empty());
  ASSERT_EQ(m.parts.size(), 3u);
  EXPECT_TRUE(m.parts[1].attachment);
  EXPECT_EQ(m.parts[1].filename, "Section2.txt");
}

TEST(MimeDecode, AnAttachmentOverTheLimitKeepsOnlyItsSize) {
  DecodeLimits limits;
  limits.max_attachment_bytes = 10;
  auto m = decode(mixed(std::string("--m\nContent-Type: application/pdf; name=\"big.pdf\"\n"
                                    "Content-Transfer-Encoding: base64\n\n") +
                        kPdfBase64 + "\n"),
                  limits);
  ASSERT_EQ(m.binary_parts.size(), 1u);
  EXPECT_TRUE(m.binary_parts[0].too_large);
  EXPECT_TRUE(m.binary_parts[0].bytes.empty());
  EXPECT_EQ(m.binary_parts[0].size, kPdfBytes.size());
  EXPECT_EQ(m.binary_parts[0].filename, "big.pdf");
}

TEST(MimeDecode, OnlyTheFirstMaxBinaryPartsAreKept) {
  DecodeLimits limits;
  limits.max_binary_parts = 2;
  std::string parts;
  for (int i = 0; i < 5; ++i)
    parts += "--m\nContent-Type: image/png; name=\"p" + std::to_string(i) + ".png\"\n\nx\n";
  auto m = decode(mixed(parts), limits);
  ASSERT_EQ(m.binary_parts.size(), 2u);
  EXPECT_EQ(m.binary_parts[0].filename, "p0.png");
  EXPECT_EQ(m.binary_parts[1].filename, "p1.png");
  EXPECT_EQ(m.parts.size(), 1u);
}

}  // namespace
}  // namespace closeout
