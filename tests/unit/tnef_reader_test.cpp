// SPDX-License-Identifier: GPL-3.0-or-later
// The winmail.dat reader on the files in tests/data/attachments/tnef (written to MS-OXTNEF by
// make_tnef.py, see its README.md) and on streams built here: the files inside read as if
// attached directly, one level deep; damage keeps what came before it and never reads past it.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>

#include "read_attachment.h"
#include "tnef_stream.h"

namespace closeout::extract {
namespace {

std::string data_file(const std::string& path) {
  std::ifstream in(std::string(CLOSEOUT_TEST_DATA) + "/attachments/" + path, std::ios::binary);
  EXPECT_TRUE(in) << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

AttachmentReading read_bytes(const std::string& bytes, const std::string& name = "winmail.dat") {
  ExtractRequest request;
  request.kind = "tnef";
  request.filename = name;
  return read_attachment(bytes, request);
}

AttachmentReading read(const std::string& name) {
  return read_bytes(data_file("tnef/" + name), name);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(TnefReader, TheWordFormInsideIsReadAsIfAttachedDirectly) {
  auto r = read("winmail-docx.dat");
  EXPECT_EQ(r.read, AttachmentRead::text) << r.reason;
  EXPECT_EQ(r.type, "tnef");
  EXPECT_EQ(r.filename, "winmail-docx.dat");
  EXPECT_EQ(r.text, "Hi,\n\nSection 2 is in the attached form.\n\nMike\n");  // attBody
  EXPECT_EQ(r.reason, "2 files inside: table-form.docx, parts.txt");
  ASSERT_EQ(r.inner.size(), 2u);
  // Named by PR_ATTACH_LONG_FILENAME, not the 8.3 attAttachTitle "TABLE-~1.DOC".
  EXPECT_EQ(r.inner[0].filename, "table-form.docx");
  EXPECT_EQ(r.inner[0].type, "docx");
  EXPECT_EQ(r.inner[0].read, AttachmentRead::text) << r.inner[0].reason;
  EXPECT_TRUE(has(r.inner[0].text, "\nTechnician Name: Mike Ross\nDate of Service: 11/24/2026\n"))
      << r.inner[0].text;
  EXPECT_EQ(r.inner[1].filename, "parts.txt");
  EXPECT_EQ(r.inner[1].read, AttachmentRead::skipped);
  EXPECT_EQ(r.inner[1].reason, "not a kind closeoutd reads");
}

TEST(TnefReader, UnicodeNamesAndTheBodyFromMessageProperties) {
  auto r = read("winmail-unicode.dat");
  EXPECT_EQ(r.read, AttachmentRead::text) << r.reason;
  // PR_BODY in UTF-16, found after a named property and a time in attMsgProps.
  EXPECT_EQ(r.text, "Formulaire ci-joint, r\u00e9par\u00e9.\n");
  ASSERT_EQ(r.inner.size(), 1u);
  EXPECT_EQ(r.inner[0].filename, "Formulaire r\u00e9par\u00e9.docx");
  EXPECT_EQ(r.inner[0].type, "docx");
  EXPECT_EQ(r.inner[0].read, AttachmentRead::text) << r.inner[0].reason;
}

TEST(TnefReader, AWinmailInsideAWinmailIsListedNotOpened) {
  auto r = read("winmail-nested.dat");
  EXPECT_EQ(r.read, AttachmentRead::text) << r.reason;
  ASSERT_EQ(r.inner.size(), 2u);
  EXPECT_EQ(r.inner[0].filename, "winmail.dat");
  EXPECT_EQ(r.inner[0].type, "tnef");
  EXPECT_EQ(r.inner[0].read, AttachmentRead::skipped);
  EXPECT_EQ(r.inner[0].reason, "a winmail.dat inside a winmail.dat is not opened");
  EXPECT_TRUE(r.inner[0].inner.empty());
  EXPECT_EQ(r.inner[1].read, AttachmentRead::text) << r.inner[1].reason;
}

TEST(TnefReader, ACutStreamKeepsTheBodyReadBeforeTheCut) {
  auto r = read("winmail-truncated.dat");
  EXPECT_EQ(r.read, AttachmentRead::text) << r.reason;
  EXPECT_EQ(r.text, "Hi,\n\nSection 2 is in the attached form.\n\nMike\n");
  EXPECT_EQ(r.reason,
            "1 file inside: TABLE-~1.DOC; the rest is damaged (cut short at byte 228 (an "
            "attribute of 5507 bytes))");
  ASSERT_EQ(r.inner.size(), 1u);
  EXPECT_EQ(r.inner[0].read, AttachmentRead::skipped);
  EXPECT_EQ(r.inner[0].reason, "no data (the winmail.dat is damaged)");
}

// ---------------------------------------------------------------- streams built here

std::string le(std::uint64_t v, int bytes) {
  std::string out;
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  return out;
}

std::string attribute(int level, std::uint32_t id, const std::string& data,
                      std::uint32_t claimed_length = UINT32_MAX) {
  std::uint32_t sum = 0;
  for (unsigned char c : data) sum += c;
  return le(level, 1) + le(id, 4) +
         le(claimed_length == UINT32_MAX ? data.size() : claimed_length, 4) + data +
         le(sum & 0xFFFF, 2);
}

std::string stream(const std::string& attributes) {
  return le(0x223E9F78, 4) + le(1, 2) + attributes;
}

const std::string kBody = attribute(1, 0x0002800C, "Call Status: Completed\r\n");

std::string file(const std::string& title, const std::string& data) {
  return attribute(2, 0x00069002, std::string(14, '\0')) + attribute(2, 0x00018010, title + '\0') +
         attribute(2, 0x0006800F, data);
}

TEST(TnefReader, NotATnefStreamIsUnreadable) {
  auto r = read_bytes("PK\x03\x04 not a winmail");
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_EQ(r.reason, "not a winmail.dat (no TNEF signature)");
}

TEST(TnefReader, ALengthPastTheEndStopsTheWalkAndReadsNothingPastIt) {
  auto start = std::chrono::steady_clock::now();
  auto r = read_bytes(stream(kBody + attribute(2, 0x0006800F, "PK", 0xFFFFFFF0)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_EQ(r.read, AttachmentRead::text);
  EXPECT_EQ(r.text, "Call Status: Completed\n");
  EXPECT_TRUE(has(r.reason,
                  "the rest is damaged (cut short at byte 41 (an attribute of "
                  "4294967280 bytes))"))
      << r.reason;
}

TEST(TnefReader, ABadChecksumStopsTheWalk) {
  std::string damaged = kBody;
  damaged[9] = 'c';  // "call" for "Call": the data no longer sums to its checksum
  auto r = read_bytes(stream(damaged));
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_EQ(r.reason, "damaged: checksum wrong at byte 6");
  EXPECT_TRUE(r.text.empty());
}

TEST(TnefReader, AHugePropertyCountEndsQuietlyAtTheEndOfItsAttribute) {
  // attAttachment claiming 4 billion properties, holding one: the file keeps its title.
  std::string props = le(0xFFFFFFFF, 4) + le(0x001E, 2) + le(0x3707, 2) + le(1, 4) + le(8, 4) +
                      std::string("long.txt");
  auto r = read_bytes(stream(file("SHORT.TXT", "hello") + attribute(2, 0x00069005, props)));
  ASSERT_EQ(r.inner.size(), 1u);
  EXPECT_EQ(r.inner[0].filename, "long.txt");
  EXPECT_EQ(r.inner[0].read, AttachmentRead::skipped);
}

TEST(TnefReader, OnlySoManyFilesAreReadFromOneWinmail) {
  const std::string docx = data_file("docx/table-form.docx");
  std::string files;
  for (int i = 0; i < 10; ++i) files += file("FORM" + std::to_string(i) + ".DOCX", docx);
  auto r = read_bytes(stream(files));
  ASSERT_EQ(r.inner.size(), 10u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(r.inner[i].read, AttachmentRead::text) << i;
  EXPECT_EQ(r.inner[8].read, AttachmentRead::skipped);
  EXPECT_EQ(r.inner[8].reason, "more than 8 files to read");
  EXPECT_EQ(r.limits_tripped, std::vector<std::string>{"max_tnef_files"});
}

TEST(TnefStream, AFileWithoutRenddataStillGetsItsOwnEntry) {
  std::string error;
  // The parse refers into the bytes, so they outlive it.
  const std::string bytes = stream(attribute(2, 0x00018010, std::string("A.PDF") + '\0') +
                                   attribute(2, 0x0006800F, "%PDF-1.4 a") +
                                   attribute(2, 0x00018010, std::string("B.PDF") + '\0') +
                                   attribute(2, 0x0006800F, "%PDF-1.4 b"));
  auto m = parse_tnef(bytes, &error);
  ASSERT_TRUE(m) << error;
  ASSERT_EQ(m->attachments.size(), 2u);
  EXPECT_EQ(m->attachments[0].name, "A.PDF");
  EXPECT_EQ(m->attachments[0].data, "%PDF-1.4 a");
  EXPECT_EQ(m->attachments[1].name, "B.PDF");
  EXPECT_EQ(m->attachments[1].data, "%PDF-1.4 b");
  EXPECT_TRUE(m->damage.empty());
}

}  // namespace
}  // namespace closeout::extract
