// SPDX-License-Identifier: GPL-3.0-or-later
// Words placed on a page as a PDF text layer or OCR gives them, laid out into the lines the
// label finder reads: tables, labels above values, colons, multi-word labels, several pages.
#include "layout_text.h"

#include <gtest/gtest.h>

#include "label_fields.h"

namespace closeout {
namespace {

// A run of words starting at x on the baseline band [y, y + 10]: 5 units a character and
// 3 units between words, as a 10-point font would set them.
void put(std::vector<PlacedWord>& words, int page, double x, double y, std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    std::string word(text.substr(start, end - start));
    if (!word.empty()) {
      double width = 5.0 * static_cast<double>(word.size());
      words.push_back(PlacedWord{word, page, x, y, x + width, y + 10});
      x += width + 3;
    }
    start = end + 1;
  }
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs labels(std::string_view text) {
  Pairs out;
  for (const auto& lv : find_labeled_values(text, FormDefinition::builtin())) {
    out.emplace_back(lv.field->key, lv.value);
  }
  return out;
}

TEST(LayoutText, TwoColumnTableBecomesLabelValueLines) {
  std::vector<PlacedWord> w;
  put(w, 0, 50, 100, "Technician Name");
  put(w, 0, 200, 100, "Mike Rivera");
  put(w, 0, 50, 120, "Date of Service");
  put(w, 0, 200, 121, "11/24/2026");  // a baseline a point lower, as table cells often are
  put(w, 0, 50, 140, "Labour Hours");
  put(w, 0, 200, 140, "1.5");
  put(w, 0, 50, 160, "Call Status");
  put(w, 0, 200, 160, "Completed");
  std::string text = lay_out_lines(w, FormDefinition::builtin());
  EXPECT_EQ(text,
            "Technician Name: Mike Rivera\n"
            "Date of Service: 11/24/2026\n"
            "Labour Hours: 1.5\n"
            "Call Status: Completed\n");
  EXPECT_EQ(labels(text), (Pairs{{"technician_name", "Mike Rivera"},
                                 {"service_date", "11/24/2026"},
                                 {"labor_hours", "1.5"},
                                 {"call_status", "Completed"}}));
}

TEST(LayoutText, WordsGivenOutOfOrderAreSortedIntoReadingOrder) {
  std::vector<PlacedWord> w;
  put(w, 0, 200, 120, "QY6-0083 x1");
  put(w, 0, 50, 100, "Model");
  put(w, 0, 50, 120, "Parts Used");
  put(w, 0, 200, 100, "iR-ADV C5535");
  std::reverse(w.begin(), w.end());
  EXPECT_EQ(lay_out_lines(w, FormDefinition::builtin()),
            "Model: iR-ADV C5535\n"
            "Parts Used: QY6-0083 x1\n");
}

TEST(LayoutText, LabelAboveItsValueInTwoColumns) {
  std::vector<PlacedWord> w;
  put(w, 0, 50, 100, "Technician Name");
  put(w, 0, 300, 100, "Date of Service");
  put(w, 0, 50, 114, "Mike Rivera");
  put(w, 0, 300, 114, "11/24/2026");
  put(w, 0, 50, 140, "Arrival Time");
  put(w, 0, 300, 140, "Completion Time");
  put(w, 0, 52, 154, "9:30 AM");
  put(w, 0, 302, 154, "11:15 AM");
  std::string text = lay_out_lines(w, FormDefinition::builtin());
  EXPECT_EQ(text,
            "Technician Name: Mike Rivera\n"
            "Date of Service: 11/24/2026\n"
            "Arrival Time: 9:30 AM\n"
            "Completion Time: 11:15 AM\n");
}

TEST(LayoutText, AValueBelowMustBeCloseAndMustNotBeALabel) {
  std::vector<PlacedWord> w;
  put(w, 0, 50, 100, "Technician Name");
  put(w, 0, 50, 114, "Date of Service");              // the next label, not the technician's value
  put(w, 0, 50, 200, "Thank you for your business");  // far below: not a value either
  std::string text = lay_out_lines(w, FormDefinition::builtin());
  // A label left without a value is followed by a blank line, so the label finder does not
  // take the next printed line for its value.
  EXPECT_EQ(text,
            "Technician Name:\n\n"
            "Date of Service:\n\n"
            "Thank you for your business\n");
  EXPECT_EQ(labels(text), (Pairs{{"technician_name", ""}, {"service_date", ""}}));
}

TEST(LayoutText, ColonLabelsAndValuesInOneCellStayApart) {
  std::vector<PlacedWord> w;
  // A label with its colon and a wide gap before the value; then two "Label: value" cells
  // on one line, which must not run into each other.
  put(w, 0, 50, 100, "Serial Number:");
  put(w, 0, 200, 100, "XYZ01234");
  put(w, 0, 50, 120, "Dispatch Number: 7012345678");
  put(w, 0, 300, 120, "Dispatch Date: 11/20/2026");
  std::string text = lay_out_lines(w, FormDefinition::builtin());
  EXPECT_EQ(text,
            "Serial Number: XYZ01234\n"
            "Dispatch Number: 7012345678\n"
            "Dispatch Date: 11/20/2026\n");
  EXPECT_EQ(labels(text), (Pairs{{"serial_number", "XYZ01234"},
                                 {"dispatch_number", "7012345678"},
                                 {"dispatch_date", "11/20/2026"}}));
}

TEST(LayoutText, MultiWordLabelsAndPlainLines) {
  std::vector<PlacedWord> w;
  put(w, 0, 50, 60, "Section 2 - to be completed by the technician");
  put(w, 0, 50, 100, "Corrective Action Taken");
  put(w, 0, 250, 100, "Replaced fuser unit, ran test prints");
  put(w, 0, 50, 120, "e-Tag Number");
  put(w, 0, 250, 120, "ET-55512");
  std::string text = lay_out_lines(w, FormDefinition::builtin());
  EXPECT_EQ(text,
            "Section 2 - to be completed by the technician\n"
            "Corrective Action Taken: Replaced fuser unit, ran test prints\n"
            "e-Tag Number: ET-55512\n");
  EXPECT_EQ(labels(text), (Pairs{{"corrective_action", "Replaced fuser unit, ran test prints"},
                                 {"etag_number", "ET-55512"}}));
}

TEST(LayoutText, PagesDoNotMixAndALabelDoesNotTakeTheNextPagesTop) {
  std::vector<PlacedWord> w;
  put(w, 1, 50, 100, "Meter Reading");
  put(w, 1, 200, 100, "123456");
  put(w, 0, 50, 100, "Model");
  put(w, 0, 200, 100, "iR-ADV C5535");
  put(w, 0, 50, 700, "Customer Name");
  put(w, 1, 50, 20, "Acme Dental");  // at the top of page 2, as high as the label is low
  w.push_back(PlacedWord{"", 1, 50, 30, 50, 40});  // an empty box is ignored
  std::string text = lay_out_lines(w, FormDefinition::builtin());
  EXPECT_EQ(text,
            "Model: iR-ADV C5535\n"
            "Customer Name:\n\n"
            "Acme Dental\n"
            "Meter Reading: 123456\n");
  EXPECT_EQ(labels(text),
            (Pairs{{"model", "iR-ADV C5535"}, {"customer_name", ""}, {"meter_reading", "123456"}}));
}

TEST(LayoutText, NoWordsNoText) { EXPECT_EQ(lay_out_lines({}, FormDefinition::builtin()), ""); }

}  // namespace
}  // namespace closeout
