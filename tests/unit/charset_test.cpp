// SPDX-License-Identifier: GPL-3.0-or-later
// Charset conversion and header decoding on what real mail carries.
#include <gtest/gtest.h>

#include "address.h"
#include "charset.h"
#include "header_decode.h"

namespace closeout {
namespace {

TEST(Charset, ConvertsCommonMailCharsets) {
  EXPECT_EQ(to_utf8("Caf\xE9", "iso-8859-1"), "Café");
  EXPECT_EQ(to_utf8("it\x92s", "windows-1252"), "it\u2019s");
  EXPECT_EQ(to_utf8("it\x92s", "ISO-8859-1"), "it\u2019s");  // what senders mean by latin-1
  EXPECT_EQ(to_utf8("\x93quoted\x94", "\"cp1252\""), "\u201Cquoted\u201D");
  EXPECT_EQ(to_utf8("\x82\xA0\x82\xA2", "shift_jis"), "あい");
  EXPECT_EQ(to_utf8("\x1B$B$\"$$\x1B(B", "iso-2022-jp"), "あい");
  EXPECT_EQ(to_utf8("Jos\xC3\xA9", "utf-8"), "José");
}

TEST(Charset, UnknownOrMissingCharsetGuessesUtf8ThenCp1252) {
  EXPECT_EQ(to_utf8("Jos\xC3\xA9", ""), "José");
  EXPECT_EQ(to_utf8("Jos\xE9", "us-ascii"), "José");
  EXPECT_EQ(to_utf8("Jos\xE9", "x-bogus"), "José");
}

TEST(Charset, OutputIsAlwaysValidUtf8) {
  EXPECT_EQ(repair_utf8("a\xC0\xAFz"), "a\uFFFD\uFFFDz");            // overlong '/'
  EXPECT_EQ(repair_utf8("a\xED\xA0\x80z"), "a\uFFFD\uFFFD\uFFFDz");  // surrogate
  EXPECT_EQ(repair_utf8("end\xE2\x82"), "end\uFFFD\uFFFD");          // truncated
  EXPECT_TRUE(is_valid_utf8(to_utf8("bad \xFF\xFE bytes", "utf-8")));
  EXPECT_TRUE(is_valid_utf8(to_utf8("\x81\x8D\x8F", "windows-1252")));  // cp1252's holes
  EXPECT_TRUE(is_valid_utf8(to_utf8("\x82\xFF", "shift_jis")));
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

TEST(HeaderDecode, EncodedWords) {
  EXPECT_EQ(decode_header_value("=?iso-8859-1?Q?Caf=E9_Dupr=E9?="), "Café Dupré");
  EXPECT_EQ(decode_header_value("=?UTF-8?B?8J+Rjea3tw==?="), "👍混");
  EXPECT_EQ(decode_header_value("Re: =?utf-8?q?Jos=C3=A9?= Pe\xC3\xB1"
                                "a"),
            "Re: José Peña");
  EXPECT_EQ(decode_header_value("=?utf-8*en?q?Hello?="), "Hello");
  EXPECT_EQ(decode_header_value("=?ISO-2022-JP?B?GyRCJCIkJBsoQg==?="), "あい");
}

TEST(HeaderDecode, AdjacentWordsJoinEvenInsideACharacter) {
  // "é" (C3 A9) split across two encoded words, with folding white space between them.
  EXPECT_EQ(decode_header_value("=?utf-8?Q?Jos=C3?=\r\n =?utf-8?Q?=A9?="), "José");
  EXPECT_EQ(decode_header_value("=?utf-8?q?a?= =?utf-8?q?b?= c"), "ab c");
  EXPECT_EQ(decode_header_value("=?utf-8?q?a?= =?iso-8859-1?q?=E9?="), "aé");
}

TEST(HeaderDecode, FoldingAndControlsAreRemoved) {
  EXPECT_EQ(decode_header_value("Service Dispatch\r\n\t7012345678"), "Service Dispatch 7012345678");
  EXPECT_EQ(decode_header_value("=?utf-8?Q?a=0D=0ABcc:_x@y?="), "a Bcc: x@y");
  EXPECT_EQ(decode_header_value(std::string("a\0b", 3)), "a b");
}

TEST(HeaderDecode, MalformedWordsStayLiteral) {
  EXPECT_EQ(decode_header_value("=?utf-8?X?abc?="), "=?utf-8?X?abc?=");
  EXPECT_EQ(decode_header_value("=?utf-8?q?never closed"), "=?utf-8?q?never closed");
  EXPECT_EQ(decode_header_value("50% =? off"), "50% =? off");
}

TEST(HeaderDecode, HostileLengthStaysLinear) {
  std::string raw;
  for (int i = 0; i < 100000; ++i) raw += "=?utf-8?q?";  // 1 MB of unterminated words
  std::string out = decode_header_value(raw);
  EXPECT_TRUE(is_valid_utf8(out));
  EXPECT_EQ(out.size(), raw.size());
}

TEST(Address, AddrSpecFromHeaderValues) {
  EXPECT_EQ(address_of("\"Dana W\" <dana@x.example>"), "dana@x.example");
  EXPECT_EQ(address_of("dana@x.example (Dana)"), "dana@x.example");
  EXPECT_EQ(address_of("\"Ross, Mike <mike@evil.example>\" <mike@dealer.example>"),
            "mike@dealer.example");
  EXPECT_EQ(address_of("<>"), "");
  EXPECT_EQ(address_of("MAILER-DAEMON"), "");
  EXPECT_EQ(address_of("CITS Service Dispatch <dispatch@cits.canon.com>"),
            "dispatch@cits.canon.com");
}

TEST(Address, MessageIds) {
  EXPECT_EQ(message_ids("<a@x> <b@y>\r\n <a@x>"), (std::vector<std::string>{"<a@x>", "<b@y>"}));
  EXPECT_TRUE(message_ids("no ids here").empty());
}

TEST(Address, GlobMatchIgnoresCase) {
  EXPECT_TRUE(address_matches("Dispatch@CITS.canon.com", {"*@cits.canon.com"}));
  EXPECT_TRUE(address_matches("tech1@dealer.example", {"x@y", "tech?@dealer.example"}));
  EXPECT_FALSE(address_matches("dispatch@cits.canon.com.evil.example", {"*@cits.canon.com"}));
  EXPECT_FALSE(address_matches("", {"*"}));
}

}  // namespace
}  // namespace closeout
