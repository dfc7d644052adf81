// SPDX-License-Identifier: GPL-3.0-or-later
// The "[CITS #n]" subject tag: what closeoutd writes, it must read back, in any client's mangling.
#include "dispatch_tag.h"

#include <gtest/gtest.h>

namespace closeout {
namespace {

TEST(DispatchTag, WrittenTagsReadBack) {
  EXPECT_EQ(make_dispatch_tag("7012345678"), "[CITS #7012345678]");
  EXPECT_EQ(find_dispatch_tag("RE: " + make_dispatch_tag("7012345678") + " Service Dispatch"),
            "7012345678");
}

TEST(DispatchTag, ToleratesCaseSpacesAndAMissingHash) {
  EXPECT_EQ(find_dispatch_tag("Re: Fwd: [cits #7012345678] x"), "7012345678");
  EXPECT_EQ(find_dispatch_tag("[CITS 7012345678]"), "7012345678");
  EXPECT_EQ(find_dispatch_tag("[CITS # 7012345678]"), "7012345678");
}

TEST(DispatchTag, MalformedTagsAreNotGuessed) {
  EXPECT_EQ(find_dispatch_tag("[CITS #]"), std::nullopt);
  EXPECT_EQ(find_dispatch_tag("[CITS #70123x]"), std::nullopt);
  EXPECT_EQ(find_dispatch_tag("[CITS #7012345678"), std::nullopt);
  EXPECT_EQ(find_dispatch_tag("CITS #7012345678"), std::nullopt);
  EXPECT_EQ(find_dispatch_tag("[CITS #" + std::string(40, '1') + "]"), std::nullopt);
  EXPECT_EQ(find_dispatch_tag(""), std::nullopt);
  // The first well-formed tag counts.
  EXPECT_EQ(find_dispatch_tag("[CITS #x] [CITS #7012345679]"), "7012345679");
}

}  // namespace
}  // namespace closeout
