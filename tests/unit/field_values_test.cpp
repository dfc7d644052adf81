// SPDX-License-Identifier: GPL-3.0-or-later
// Dates, times, hours and parts as technicians really write them.
#include "field_values.h"

#include <gtest/gtest.h>

namespace closeout {
namespace {

std::optional<std::string> date(std::string_view s) {
  auto d = parse_date(s);
  return d ? std::optional(iso_date(*d)) : std::nullopt;
}

std::optional<std::string> time_of(std::string_view s) {
  auto t = parse_time_of_day(s);
  return t ? std::optional(hh_mm(*t)) : std::nullopt;
}

TEST(FieldValuesDate, ReadsUsIsoAndWrittenForms) {
  EXPECT_EQ(date("11/24/2026"), "2026-11-24");
  EXPECT_EQ(date("1/5/2026"), "2026-01-05");
  EXPECT_EQ(date("11-24-26"), "2026-11-24");
  EXPECT_EQ(date("2026-11-24"), "2026-11-24");
  EXPECT_EQ(date("2026/11/24"), "2026-11-24");
  EXPECT_EQ(date("Nov 24, 2026"), "2026-11-24");
  EXPECT_EQ(date("November 24, 2026"), "2026-11-24");
  EXPECT_EQ(date("Nov. 24 2026"), "2026-11-24");
  EXPECT_EQ(date("Tuesday, November 24, 2026"), "2026-11-24");
  EXPECT_EQ(date("24 Nov 2026"), "2026-11-24");
  EXPECT_EQ(date("24-Nov-2026"), "2026-11-24");
  EXPECT_EQ(date("Sept 3rd, 2026"), "2026-09-03");
}

TEST(FieldValuesDate, RejectsWhatIsNotADate) {
  EXPECT_EQ(date("13/45/2026"), std::nullopt);
  EXPECT_EQ(date("2/30/2026"), std::nullopt);
  EXPECT_EQ(date("11/24"), std::nullopt);
  EXPECT_EQ(date("yesterday"), std::nullopt);
  EXPECT_EQ(date("TBD"), std::nullopt);
  EXPECT_EQ(date("11/24/1999"), std::nullopt);
  EXPECT_EQ(date(""), std::nullopt);
  EXPECT_EQ(date("Nov 2026"), std::nullopt);
  EXPECT_EQ(date(std::string(500, '1')), std::nullopt);
}

TEST(FieldValuesTime, ReadsTwelveAndTwentyFourHourForms) {
  EXPECT_EQ(time_of("9:30"), "09:30");
  EXPECT_EQ(time_of("09:30"), "09:30");
  EXPECT_EQ(time_of("9:30 AM"), "09:30");
  EXPECT_EQ(time_of("9:30am"), "09:30");
  EXPECT_EQ(time_of("9.30 a.m."), "09:30");
  EXPECT_EQ(time_of("2pm"), "14:00");
  EXPECT_EQ(time_of("3:45 PM"), "15:45");
  EXPECT_EQ(time_of("12:15 PM"), "12:15");
  EXPECT_EQ(time_of("12:15 AM"), "00:15");
  EXPECT_EQ(time_of("14:30"), "14:30");
  EXPECT_EQ(time_of("1430"), "14:30");
  EXPECT_EQ(time_of("1430 hrs"), "14:30");
  EXPECT_EQ(time_of("noon"), "12:00");
}

TEST(FieldValuesTime, RejectsAmbiguousOrImpossibleTimes) {
  EXPECT_EQ(time_of("9"), std::nullopt);  // morning or evening?
  EXPECT_EQ(time_of("25:00"), std::nullopt);
  EXPECT_EQ(time_of("9:75"), std::nullopt);
  EXPECT_EQ(time_of("13:00 PM"), std::nullopt);
  EXPECT_EQ(time_of("morning"), std::nullopt);
  EXPECT_EQ(time_of(""), std::nullopt);
}

TEST(FieldValuesHours, ReadsCommonForms) {
  EXPECT_DOUBLE_EQ(*parse_hours("1.5"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_hours("1.5 hrs"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_hours("2 hours"), 2.0);
  EXPECT_DOUBLE_EQ(*parse_hours("1h30m"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_hours("1 hour 45 minutes"), 1.75);
  EXPECT_DOUBLE_EQ(*parse_hours("1:30"), 1.5);
  EXPECT_DOUBLE_EQ(*parse_hours("90 min"), 1.5);
  EXPECT_EQ(parse_hours("two"), std::nullopt);
  EXPECT_EQ(parse_hours("1.2.3"), std::nullopt);
  EXPECT_EQ(parse_hours("3 days"), std::nullopt);
}

TEST(FieldValuesParts, ReadsTheUsualWaysOfWritingParts) {
  const auto& form = FormDefinition::builtin();
  auto list = parse_parts("QY6-0083 x1, FM4-8400-000 (2)\n- FC6-7083 qty 3\n2 x fl2-1234", form);
  EXPECT_TRUE(list.unreadable.empty());
  std::vector<Part> expected = {
      {"QY6-0083", 1}, {"FM4-8400-000", 2}, {"FC6-7083", 3}, {"FL2-1234", 2}};
  EXPECT_EQ(list.parts, expected);
}

TEST(FieldValuesParts, KeepsDescriptionsButReportsWhatIsNoPart) {
  const auto& form = FormDefinition::builtin();
  auto list = parse_parts("QY6-0083 printhead x1; new fuser; QY6-0083 1 2", form);
  ASSERT_EQ(list.parts.size(), 1u);
  EXPECT_EQ(list.parts[0], (Part{"QY6-0083", 1}));
  EXPECT_EQ(list.unreadable, (std::vector<std::string>{"new fuser", "QY6-0083 1 2"}));
}

TEST(FieldValuesParts, ZeroQuantityIsNotAPart) {
  auto list = parse_parts("QY6-0083 x0", FormDefinition::builtin());
  EXPECT_TRUE(list.parts.empty());
  EXPECT_EQ(list.unreadable.size(), 1u);
}

// A choice of words with a qualifier (issue 11): the known word first, then a separator and any
// words; two different choices in one value are never guessed between.
TEST(FieldValuesChoice, AKnownWordFollowedByAQualifierIsThatWord) {
  const auto& form = FormDefinition::builtin();
  for (const char* v : {"Pending - parts on order", "Pending \u2013 waiting on parts",
                        "Pending\u2014follow-up visit Friday", "pending: awaiting fuser",
                        "Parts on order (ETA 12/02)", "Follow up needed - second visit"}) {
    EXPECT_EQ(form.call_status(v), CallStatus::pending) << v;
  }
  for (const char* v : {"Completed - unit tested OK", "Completed (tested)", "completed, tested ok",
                        "Done. Customer signed off", "Completed / tested", "Fixed!"}) {
    EXPECT_EQ(form.call_status(v), CallStatus::completed) << v;
  }
  EXPECT_EQ(form.read_call_status("Pending - parts on order").qualifier, "parts on order");
  EXPECT_EQ(form.read_call_status("Completed (tested)").qualifier, "tested");
}

TEST(FieldValuesChoice, OtherTextAndTwoDifferentChoicesAreRefused) {
  const auto& form = FormDefinition::builtin();
  for (const char* v : {"Done-ish", "not completed", "Job completed", "completedtested",
                        "opened the cover", "maybe", "?"}) {
    auto r = form.read_call_status(v);
    EXPECT_FALSE(r.choice) << v;
    EXPECT_FALSE(r.ambiguous) << v;
  }
  for (const char* v : {"completed? pending parts", "Completed - pending parts",
                        "Pending - not done", "Completed, follow-up needed"}) {
    auto r = form.read_call_status(v);
    EXPECT_FALSE(r.choice) << v;
    EXPECT_TRUE(r.ambiguous) << v;
  }
  // A word inside another word is not that word: "incomplete" is pending, not "complete".
  EXPECT_EQ(form.call_status("Incomplete - customer away"), CallStatus::pending);
}

TEST(FieldValuesChoice, NoneWithAQualifierMeansNoPartsUnlessItNamesAPart) {
  const auto& form = FormDefinition::builtin();
  for (const char* v : {"None", "None - adjustment only", "none (cleaning only)",
                        "N/A \u2013 no parts needed", "No parts used, just a reset"}) {
    EXPECT_TRUE(form.means_no_parts(v)) << v;
  }
  for (const char* v :
       {"None, QY6-0083 x1", "none-such", "Nothing", "QY6-0083 x1", "nonetheless"}) {
    EXPECT_FALSE(form.means_no_parts(v)) << v;
  }
}

}  // namespace
}  // namespace closeout
