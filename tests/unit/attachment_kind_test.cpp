// SPDX-License-Identifier: GPL-3.0-or-later
// Which attachments go to which reader: the first bytes decide, then the name and the type.
#include "attachment_kind.h"

#include <gtest/gtest.h>

namespace closeout {
namespace {

using namespace std::string_literals;

TEST(AttachmentKind, MagicBytesBeatTheNameAndTheType) {
  EXPECT_EQ(attachment_kind("junk\r\n%PDF-1.7\n", "scan", "application/octet-stream"), "pdf");
  EXPECT_EQ(attachment_kind("\xff\xd8\xff\xe1 exif", "IMG_0042", "application/octet-stream"),
            "image");
  EXPECT_EQ(attachment_kind("\x89PNG\r\n\x1a\n", "form.pdf", "application/pdf"), "image");
  EXPECT_EQ(attachment_kind("GIF89a", "logo.gif", "image/gif"), "");
  EXPECT_EQ(attachment_kind("%!PS-Adobe", "form.pdf", "application/pdf"), "");
}

TEST(AttachmentKind, AWordDocumentIsKnownByItsNameTypeOrItsZipEntries) {
  const std::string zip = "PK\x03\x04 [Content_Types].xml ... "s;
  EXPECT_EQ(attachment_kind(zip, "Section2.DOCX", "application/octet-stream"), "docx");
  EXPECT_EQ(
      attachment_kind(zip, "s2",
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
      "docx");
  // Renamed and untyped: the central directory names word/document.xml.
  EXPECT_EQ(attachment_kind(zip + "PK\x01\x02 word/document.xml", "attachment",
                            "application/octet-stream"),
            "docx");
  EXPECT_EQ(attachment_kind(zip + "xl/workbook.xml", "book.xlsx", "application/octet-stream"), "");
  EXPECT_EQ(attachment_kind("no zip word/document.xml", "x.docx", ""), "");
}

TEST(AttachmentKind, WinmailDatByItsSignatureNameOrType) {
  EXPECT_EQ(attachment_kind("\x78\x9f\x3e\x22\x01\x00", "att.bin", "application/octet-stream"),
            "tnef");
  EXPECT_EQ(attachment_kind("broken", "WINMAIL.DAT", "application/octet-stream"), "tnef");
  EXPECT_EQ(attachment_kind("broken", "x.dat", "application/ms-tnef"), "tnef");
  EXPECT_EQ(attachment_kind("broken", "x.dat", "application/vnd.ms-tnef"), "tnef");
}

}  // namespace
}  // namespace closeout
