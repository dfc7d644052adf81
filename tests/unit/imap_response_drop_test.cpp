// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP reader's drop mode: a literal over the limit is read past, not kept and not fatal,
// so the responses after it (the rest of a FETCH batch) still arrive, whatever the chunking.
#include <gtest/gtest.h>

#include "imap_response.h"

namespace closeout::imap {
namespace {

TEST(ImapResponseDrop, AnOversizeLiteralIsSkippedAndTheStreamStaysInStep) {
  std::string big(5000, 'x');
  std::string stream = "* 1 FETCH (UID 4 BODY[] {5000}\r\n" + big +
                       ")\r\n* 2 FETCH (UID 5 BODY[] {3}\r\nabc)\r\nC7 OK done\r\n";
  for (std::size_t step : {1UL, 7UL, 4096UL, stream.size()}) {
    ResponseReader reader(1000, 4096, true);
    std::vector<Response> out;
    for (std::size_t i = 0; i < stream.size(); i += step) {
      reader.feed(std::string_view(stream).substr(i, step));
      while (auto r = reader.next()) out.push_back(std::move(*r));
    }
    ASSERT_EQ(out.size(), 3U) << "step " << step;
    auto first = parse_fetch(out[0]);
    ASSERT_TRUE(first && first->body);
    EXPECT_EQ(first->uid, 4U);
    EXPECT_TRUE(out[0].literals[*first->body].empty()) << "not kept";
    ASSERT_EQ(out[0].dropped.size(), 1U);
    EXPECT_EQ(out[0].dropped[0].index, *first->body);
    EXPECT_EQ(out[0].dropped[0].size, 5000U);
    auto second = parse_fetch(out[1]);
    ASSERT_TRUE(second && second->body);
    EXPECT_EQ(out[1].literals[*second->body], "abc");
    EXPECT_TRUE(out[1].dropped.empty());
    EXPECT_EQ(out[2].tag, "C7");
  }
}

TEST(ImapResponseDrop, WithoutDropModeAnOversizeLiteralIsStillAnError) {
  ResponseReader reader(1000, 4096);
  reader.feed("* 1 FETCH (BODY[] {5000}\r\n");
  EXPECT_THROW(reader.next(), ImapProtocolError);
}

}  // namespace
}  // namespace closeout::imap
