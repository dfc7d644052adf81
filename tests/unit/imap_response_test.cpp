// SPDX-License-Identifier: GPL-3.0-or-later
// IMAP responses as servers send them, split at any byte, with literals that contain what looks
// like protocol, and hostile sizes.
#include "imap_response.h"

#include <gtest/gtest.h>

#include "imap_syntax.h"

namespace closeout::imap {
namespace {

std::vector<Response> read_all(std::string_view bytes, std::size_t step) {
  ResponseReader reader(1 << 20);
  std::vector<Response> out;
  for (std::size_t i = 0; i < bytes.size(); i += step) {
    reader.feed(bytes.substr(i, step));
    while (auto r = reader.next()) out.push_back(std::move(*r));
  }
  return out;
}

constexpr std::string_view kFetch =
    "* 2 FETCH (UID 17 RFC822.SIZE 31 FLAGS (\\Answered) BODY[] {31}\r\n"
    "Subject: x\r\n\r\nC1 OK not a tag\r\n)\r\n"
    "* 3 EXISTS\r\n"
    "C1 OK [READ-WRITE] Fetch completed.\r\n";

TEST(ImapResponse, FetchWithLiteralIsReadWhateverTheChunking) {
  for (std::size_t step : {1UL, 2UL, 7UL, 64UL, 4096UL}) {
    auto rs = read_all(kFetch, step);
    ASSERT_EQ(rs.size(), 3u) << "step " << step;
    auto item = parse_fetch(rs[0]);
    ASSERT_TRUE(item);
    EXPECT_EQ(item->sequence, 2u);
    EXPECT_EQ(item->uid, 17u);
    EXPECT_EQ(item->size, 31u);
    ASSERT_TRUE(item->body);
    EXPECT_EQ(rs[0].literals[*item->body], "Subject: x\r\n\r\nC1 OK not a tag\r\n");
    EXPECT_EQ(item->flags, std::vector<std::string>{"\\Answered"});
    EXPECT_EQ(parse_exists(rs[1]), 3u);
    EXPECT_EQ(rs[2].kind, Response::Kind::tagged);
    EXPECT_EQ(rs[2].tag, "C1");
    auto status = parse_status(rs[2]);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->ok());
    EXPECT_EQ(status->code, "READ-WRITE");
  }
}

TEST(ImapResponse, SelectCodesSearchCapabilityAndList) {
  auto rs = read_all(
      "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* OK [UIDNEXT 4392] Predicted next UID\r\n"
      "* SEARCH 2 84 882\r\n* SEARCH\r\n* CAPABILITY IMAP4rev1 idle MOVE\r\n"
      "* LIST (\\HasNoChildren) \"/\" \"Quar \\\"an\\\" tine\"\r\n+ idling\r\n",
      5);
  ASSERT_EQ(rs.size(), 7u);
  EXPECT_EQ(code_number(parse_status(rs[0])->code, "UIDVALIDITY"), 3857529045u);
  EXPECT_EQ(code_number(parse_status(rs[1])->code, "UIDNEXT"), 4392u);
  EXPECT_EQ(code_number(parse_status(rs[1])->code, "UIDVALIDITY"), std::nullopt);
  EXPECT_EQ(parse_search(rs[2]), (std::vector<std::uint32_t>{2, 84, 882}));
  EXPECT_EQ(parse_search(rs[3]), std::vector<std::uint32_t>{});
  EXPECT_EQ(parse_capabilities(rs[4]), (std::vector<std::string>{"IMAP4REV1", "IDLE", "MOVE"}));
  EXPECT_EQ(parse_list_name(rs[5]), "Quar \"an\" tine");
  EXPECT_EQ(rs[6].kind, Response::Kind::continuation);
}

TEST(ImapResponse, HostileSizesAreErrorsNotAllocations) {
  ResponseReader reader(1000, 4096);
  reader.feed("* 1 FETCH (BODY[] {99999999999}\r\n");
  EXPECT_THROW(reader.next(), ImapProtocolError);
  ResponseReader endless(1000, 4096);
  endless.feed(std::string(5000, 'x'));
  EXPECT_THROW(endless.next(), ImapProtocolError);
}

TEST(ImapResponse, GarbageIsNotAFetch) {
  auto rs = read_all("* 1 FETCH (UID\r\n* FETCH\r\n* 9 FETCH (X-ODD ((\"a\" {0}\r\n) b))\r\n", 3);
  ASSERT_EQ(rs.size(), 3u);
  auto odd = parse_fetch(rs[0]);
  EXPECT_TRUE(!odd || !odd->uid);
  EXPECT_FALSE(parse_fetch(rs[1]));
  auto skipped = parse_fetch(rs[2]);
  ASSERT_TRUE(skipped);
  EXPECT_FALSE(skipped->body);
}

// A hostile server's line: the reader must return an answer (or none), never crash or spin.
Response untagged(std::string line) {
  Response r;
  r.kind = Response::Kind::untagged;
  r.line = std::move(line);
  return r;
}

TEST(ImapResponse, DeepNestingIsReadWithoutRecursion) {
  // Close to the longest line the reader takes (1 MiB): deep enough to overflow any stack
  // if each level were a call.
  const std::string deep(1000000, '(');
  // Unterminated: not a FETCH, whatever follows.
  auto rs = read_all("* 1 FETCH (X-ODD " + deep + "\r\n", 4096);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_FALSE(parse_fetch(rs[0]));
  EXPECT_FALSE(parse_list_name(untagged("LIST " + deep + " \"/\" INBOX")));
  // Balanced, however deep: skipped, and the items after it still read.
  auto balanced =
      parse_fetch(untagged("1 FETCH (X-ODD " + deep + std::string(1000000, ')') + " UID 5)"));
  ASSERT_TRUE(balanced);
  EXPECT_EQ(balanced->uid, 5u);
}

TEST(ImapResponse, StrayBracesAndEmptyFlagsDoNotStopTheParser) {
  // "{5}" inside a line announces no literal (only a line's end does): it is skipped.
  auto braces = parse_fetch(untagged("1 FETCH (X-ODD ({5} a) UID 9)"));
  ASSERT_TRUE(braces);
  EXPECT_EQ(braces->uid, 9u);
  EXPECT_FALSE(braces->body);
  EXPECT_FALSE(parse_fetch(untagged("1 FETCH (FLAGS (() ) UID 3)")));
  EXPECT_FALSE(parse_fetch(untagged("1 FETCH (FLAGS (\\Seen")));
}

// Dovecot's greeting carries its capabilities in a status code. (The list used to be read from
// a Status that had already gone: the ASan build and the fuzz target catch a relapse.)
TEST(ImapResponse, CapabilitiesInAGreetingsStatusCode) {
  auto rs = read_all(
      "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
      "AUTH=PLAIN AUTH=LOGIN] Dovecot (Debian) ready.\r\n",
      4096);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(parse_capabilities(rs[0]),
            (std::vector<std::string>{"IMAP4REV1", "SASL-IR", "LOGIN-REFERRALS", "ID", "ENABLE",
                                      "IDLE", "LITERAL+", "STARTTLS", "AUTH=PLAIN", "AUTH=LOGIN"}));
}

TEST(ImapSyntax, MailboxNamesAreQuotedAndEncoded) {
  EXPECT_EQ(mailbox_argument("Processed"), "\"Processed\"");
  EXPECT_EQ(mailbox_argument("Geprüft"), "\"Gepr&APw-ft\"");
  EXPECT_EQ(mailbox_argument("A&B"), "\"A&-B\"");
  EXPECT_EQ(mailbox_argument("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
  EXPECT_EQ(mailbox_argument("日本語"), "\"&ZeVnLIqe-\"");  // RFC 3501's own example
  EXPECT_EQ(mailbox_argument("bad\r\nA1 DELETE INBOX"), std::nullopt);
  EXPECT_EQ(mailbox_argument(""), std::nullopt);
  EXPECT_EQ(mailbox_argument("\xff"), std::nullopt);
}

TEST(ImapSyntax, UidSetsAreCompact) {
  EXPECT_EQ(uid_set({9, 1, 2, 3, 7, 10, 3}), "1:3,7,9:10");
  EXPECT_EQ(uid_set({5}), "5");
  EXPECT_EQ(uid_set({}), "");
}

}  // namespace
}  // namespace closeout::imap
