// SPDX-License-Identifier: GPL-3.0-or-later
// The string helpers every label, value and choice word goes through: blanks of every kind
// collapse to one space, the ends are trimmed, and line breaks of every kind split lines.
#include "text_util.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace closeout {
namespace {

TEST(CollapseSpaces, RunsOfBlanksOfEveryKindBecomeOneSpaceAndTheEndsAreTrimmed) {
  EXPECT_EQ(collapse_spaces("  Mike \t\r\n  Ross \f"), "Mike Ross");
  EXPECT_EQ(collapse_spaces("Completed\xC2\xA0(tested\xC2\xA0\xC2\xA0OK)"),
            "Completed (tested OK)");
  EXPECT_EQ(collapse_spaces("\xC2\xA0 x"), "x") << "a leading no-break space is trimmed too";
  EXPECT_EQ(collapse_spaces(" \t\xC2\xA0\n"), "");
  EXPECT_EQ(collapse_spaces(""), "");
  EXPECT_EQ(collapse_spaces("Ab"), "Ab") << "case is kept";
}

TEST(CollapseSpaces, AByteOfANoBreakSpaceAloneIsText) {
  // Half of U+00A0 (a cut or mis-decoded value) is not a blank and must not be dropped.
  EXPECT_EQ(collapse_spaces("a\xC2"), "a\xC2");
  EXPECT_EQ(collapse_spaces("\xA0 b"), "\xA0 b");
  EXPECT_EQ(collapse_spaces("caf\xC3\xA9  cr\xC3\xA8me"), "caf\xC3\xA9 cr\xC3\xA8me");
}

TEST(CollapseSpacesLower, IsCollapseSpacesInAsciiLowerCase) {
  for (std::string_view s : {"  Labor   HOURS: ", "Parts\xC2\xA0Used", "E-TAG\t#", "", " \xC2\xA0 ",
                             "\xC3\x89TAT  OK"}) {
    EXPECT_EQ(collapse_spaces_lower(s), to_lower_ascii(collapse_spaces(s))) << s;
  }
  EXPECT_EQ(collapse_spaces_lower("  Labor   HOURS: "), "labor hours:");
  EXPECT_EQ(collapse_spaces_lower("\xC3\x89TAT"), "\xC3\x89tat") << "non-ASCII bytes untouched";
}

TEST(SplitLines, CrLfLfAndALoneCrEachEndALine) {
  EXPECT_EQ(split_lines("a\r\nb\nc\rd"), (std::vector<std::string_view>{"a", "b", "c", "d"}));
  EXPECT_EQ(split_lines("a\n\nb\n"), (std::vector<std::string_view>{"a", "", "b"}));
  EXPECT_EQ(split_lines("one"), (std::vector<std::string_view>{"one"}));
  EXPECT_TRUE(split_lines("").empty());
}

}  // namespace
}  // namespace closeout
