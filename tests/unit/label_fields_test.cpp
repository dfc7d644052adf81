// SPDX-License-Identifier: GPL-3.0-or-later
// "Label: value" lines as people and clients really write them.
#include "label_fields.h"

#include <gtest/gtest.h>

namespace closeout {
namespace {

std::vector<std::pair<std::string, std::string>> labels(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& lv : find_labeled_values(text, FormDefinition::builtin())) {
    out.emplace_back(lv.field->key, lv.value);
  }
  return out;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(LabelFields, SeparatorsCaseTabsAndEmphasis) {
  EXPECT_EQ(labels("technician name:Mike\n"
                   "DATE OF SERVICE\t11/23/2026\n"
                   "*Arrival Time:* 9:30 AM\n"
                   "Labour hours = 2\n"
                   "Call  Status  -  Completed\n"
                   "Tech: Jo\n"
                   "Parts Used | None |\n"),
            (Pairs{{"technician_name", "Mike"},
                   {"service_date", "11/23/2026"},
                   {"arrival_time", "9:30 AM"},
                   {"labor_hours", "2"},
                   {"call_status", "Completed"},
                   {"technician_name", "Jo"},
                   {"parts_used", "None"}}));
}

TEST(LabelFields, ContinuationLinesAndBareLabels) {
  EXPECT_EQ(labels("Problem Description: Error E194 at power on; head replaced by\n"
                   "  customer did not clear it.\n"
                   "Problem Found:\nFuser worn\nthermistor dirty\n\nCorrective Action:\n"
                   "Parts Used: QY6-0083 x1\nFM4-8400 x2\nCall Status: Completed\n"),
            (Pairs{{"problem_description",
                    "Error E194 at power on; head replaced by\ncustomer did not clear it."},
                   {"problem_found", "Fuser worn\nthermistor dirty"},
                   {"corrective_action", ""},
                   {"parts_used", "QY6-0083 x1\nFM4-8400 x2"},
                   {"call_status", "Completed"}}));
}

TEST(LabelFields, LabelWithoutSeparatorNeedsSeveralWordsAndAShortValue) {
  EXPECT_EQ(labels("Date of Service 11/24/2026\n"), (Pairs{{"service_date", "11/24/2026"}}));
  EXPECT_TRUE(labels("Tech support called twice\n").empty());
  EXPECT_TRUE(labels("Service provider must complete section 2 and return it to CITS\n").empty());
}

TEST(LabelFields, ProseAndUnknownLabelsAreIgnored) {
  EXPECT_TRUE(labels("Note: nothing here\nThanks,\nMike\n").empty());
  EXPECT_TRUE(labels("").empty());
}

}  // namespace
}  // namespace closeout
