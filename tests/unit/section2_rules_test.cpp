// SPDX-License-Identifier: GPL-3.0-or-later
// The Section 2 rules of SPEC, one behaviour per test, on raw values as extracted from mail.
#include "section2_rules.h"

#include <gtest/gtest.h>

#include <set>

namespace closeout {
namespace {

using namespace std::chrono;
constexpr year_month_day kToday{year{2026}, November, day{24}};

RawFields complete() {
  RawFields raw;
  raw.offer("technician_name", "Mike Ross");
  raw.offer("service_date", "11/23/2026");
  raw.offer("arrival_time", "9:30 AM");
  raw.offer("completion_time", "11:15 AM");
  raw.offer("problem_found", "Printhead contacts corroded");
  raw.offer("corrective_action", "Replaced printhead, ran nozzle check");
  raw.offer("parts_used", "QY6-0083 x1");
  raw.offer("etag_number", "ET123456");
  raw.offer("call_status", "Completed");
  return raw;
}

DispatchFacts facts() {
  DispatchFacts f;
  f.tag_number = "7012345678";
  f.dispatch_date = year_month_day{year{2026}, November, day{23}};
  f.serial_number = "AAB01234";
  return f;
}

// Replaces a value (RawFields keeps the first non-empty one, so rebuild).
RawFields with(const RawFields& base, const std::string& key, const std::string& value) {
  RawFields raw;
  raw.offer(key, value);
  for (const auto& [k, v] : base.entries()) {
    if (k != key) raw.offer(k, v);
  }
  return raw;
}

RawFields without(const RawFields& base, const std::string& key) {
  RawFields raw;
  for (const auto& [k, v] : base.entries()) {
    if (k != key) raw.offer(k, v);
  }
  return raw;
}

std::set<std::pair<std::string, std::string>> codes(const Section2Check& c) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& p : c.problems) out.emplace(p.field, p.code);
  return out;
}

using Codes = std::set<std::pair<std::string, std::string>>;

Section2Check check(const RawFields& raw, const DispatchFacts& f = facts()) {
  return check_section2(raw, f, kToday, FormDefinition::builtin());
}

TEST(Section2Rules, CompleteFormIsValidAndNormalised) {
  auto c = check(complete());
  EXPECT_TRUE(c.problems.empty());
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(c.call_status, CallStatus::completed);
  EXPECT_EQ(std::get<std::string>(find_field(c.fields, "service_date")->value), "2026-11-23");
  EXPECT_EQ(std::get<std::string>(find_field(c.fields, "arrival_time")->value), "09:30");
  EXPECT_EQ(std::get<std::string>(find_field(c.fields, "completion_time")->value), "11:15");
  EXPECT_DOUBLE_EQ(std::get<double>(find_field(c.fields, "labor_hours")->value), 1.75);
  EXPECT_EQ(std::get<std::vector<Part>>(find_field(c.fields, "parts_used")->value),
            (std::vector<Part>{{"QY6-0083", 1}}));
  EXPECT_EQ(std::get<std::string>(find_field(c.fields, "dispatch_number")->value), "7012345678");
  // Fields come in the form's order.
  EXPECT_EQ(c.fields.front().key, "dispatch_number");
  EXPECT_EQ(c.fields.back().key, "call_status");
}

TEST(Section2Rules, EveryProblemIsReportedAtOnce) {
  RawFields raw;
  raw.offer("technician_name", "TBD");
  raw.offer("service_date", "?");
  raw.offer("problem_found", "see above");
  raw.offer("call_status", "maybe");
  auto c = check(raw);
  EXPECT_EQ(codes(c), (Codes{{"technician_name", "placeholder"},
                             {"service_date", "placeholder"},
                             {"arrival_time", "missing"},
                             {"completion_time", "missing"},
                             {"problem_found", "placeholder"},
                             {"corrective_action", "missing"},
                             {"parts_used", "missing"},
                             {"call_status", "invalid"}}));
  for (const auto& p : c.problems) EXPECT_FALSE(p.message.empty());
}

TEST(Section2Rules, PlaceholdersCountAsMissing) {
  for (const char* v : {"TBD", "N/A", "n/a", "?", "-", "see above", "xxx", "XX", "???", "  "}) {
    auto c = check(with(complete(), "problem_found", v));
    EXPECT_EQ(codes(c),
              (Codes{{"problem_found", v == std::string("  ") ? "missing" : "placeholder"}}))
        << v;
  }
}

TEST(Section2Rules, NaInPartsUsedMeansNoParts) {
  for (const char* v : {"None", "N/A", "no parts", "none."}) {
    auto c = check(without(with(complete(), "parts_used", v), "etag_number"));
    EXPECT_TRUE(c.problems.empty()) << v;
    EXPECT_TRUE(c.warnings.empty()) << v;  // no parts, so no e-Tag is needed
    EXPECT_TRUE(std::get<std::vector<Part>>(find_field(c.fields, "parts_used")->value).empty());
  }
}

TEST(Section2Rules, ServiceDateMustBeBetweenDispatchAndToday) {
  EXPECT_EQ(codes(check(with(complete(), "service_date", "11/22/2026"))),
            (Codes{{"service_date", "invalid"}}));
  EXPECT_EQ(codes(check(with(complete(), "service_date", "2026-12-01"))),
            (Codes{{"service_date", "invalid"}}));
  EXPECT_EQ(codes(check(with(complete(), "service_date", "13/45/2026"))),
            (Codes{{"service_date", "invalid"}}));
  EXPECT_TRUE(check(with(complete(), "service_date", "Nov 24, 2026")).problems.empty());
  DispatchFacts unknown_date = facts();
  unknown_date.dispatch_date.reset();
  EXPECT_TRUE(check(with(complete(), "service_date", "11/01/2026"), unknown_date).problems.empty());
}

TEST(Section2Rules, CompletionMustFollowArrival) {
  auto c = check(with(complete(), "completion_time", "8:00 AM"));
  EXPECT_EQ(codes(c), (Codes{{"completion_time", "invalid"}}));
  EXPECT_EQ(find_field(c.fields, "labor_hours"), nullptr);  // nothing to derive from
}

TEST(Section2Rules, LaborHoursReplaceCompletionTimeAndAreRangeChecked) {
  auto hours_only = with(without(complete(), "completion_time"), "labor_hours", "1.5 hrs");
  auto c = check(hours_only);
  EXPECT_TRUE(c.problems.empty());
  EXPECT_DOUBLE_EQ(std::get<double>(find_field(c.fields, "labor_hours")->value), 1.5);
  EXPECT_EQ(codes(check(with(hours_only, "labor_hours", "30"))),
            (Codes{{"labor_hours", "invalid"}}));
  EXPECT_EQ(codes(check(with(hours_only, "labor_hours", "0"))),
            (Codes{{"labor_hours", "invalid"}}));
  EXPECT_EQ(codes(check(with(hours_only, "labor_hours", "a while"))),
            (Codes{{"labor_hours", "invalid"}}));
  EXPECT_EQ(codes(check(without(complete(), "completion_time"))),
            (Codes{{"completion_time", "missing"}}));
}

TEST(Section2Rules, BadArrivalIsBlamedOnce) {
  EXPECT_EQ(codes(check(with(complete(), "arrival_time", "morning"))),
            (Codes{{"arrival_time", "invalid"}}));
  EXPECT_EQ(codes(check(with(complete(), "arrival_time", "TBD"))),
            (Codes{{"arrival_time", "placeholder"}}));
}

TEST(Section2Rules, SerialNumberIsOptionalButMustMatch) {
  EXPECT_TRUE(check(with(complete(), "serial_number", "aab 01234")).problems.empty());
  EXPECT_EQ(codes(check(with(complete(), "serial_number", "AAB09999"))),
            (Codes{{"serial_number", "mismatch"}}));
  DispatchFacts no_serial = facts();
  no_serial.serial_number.reset();
  EXPECT_TRUE(check(with(complete(), "serial_number", "AAB09999"), no_serial).problems.empty());
}

TEST(Section2Rules, DispatchNumberResolution) {
  // The subject tag wins; a different number in the body is a mismatch.
  auto c = check(with(complete(), "dispatch_number", "7012345679"));
  EXPECT_EQ(codes(c), (Codes{{"dispatch_number", "mismatch"}}));
  EXPECT_EQ(std::get<std::string>(find_field(c.fields, "dispatch_number")->value), "7012345678");

  DispatchFacts none;
  EXPECT_EQ(codes(check(complete(), none)), (Codes{{"dispatch_number", "missing"}}));
  auto from_body = check(with(complete(), "dispatch_number", "# 7012345679"), none);
  EXPECT_TRUE(from_body.problems.empty());
  EXPECT_EQ(std::get<std::string>(find_field(from_body.fields, "dispatch_number")->value),
            "7012345679");
  EXPECT_EQ(codes(check(with(complete(), "dispatch_number", "12AB"), none)),
            (Codes{{"dispatch_number", "invalid"}}));
  DispatchFacts history;
  history.history_number = "7012345670";
  EXPECT_TRUE(check(complete(), history).problems.empty());
}

TEST(Section2Rules, PartsWithoutETagWarnButDoNotInvalidate) {
  auto c = check(without(complete(), "etag_number"));
  EXPECT_TRUE(c.problems.empty());
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0].field, "etag_number");
  EXPECT_EQ(c.warnings[0].code, "missing");
}

TEST(Section2Rules, UnreadablePartsAreInvalid) {
  auto c = check(with(complete(), "parts_used", "QY6-0083 x1, a new fuser"));
  EXPECT_EQ(codes(c), (Codes{{"parts_used", "invalid"}}));
  EXPECT_NE(c.problems[0].message.find("a new fuser"), std::string::npos);
}

TEST(Section2Rules, PendingStatusIsRecognised) {
  for (const char* v : {"Pending", "parts on order", "Follow-up", "waiting for parts"}) {
    auto c = check(with(complete(), "call_status", v));
    EXPECT_TRUE(c.problems.empty()) << v;
    EXPECT_EQ(c.call_status, CallStatus::pending) << v;
  }
}

TEST(Section2Rules, ACallStatusWithAQualifierIsRead) {
  auto pending = check(with(complete(), "call_status", "Pending - parts on order"));
  EXPECT_TRUE(pending.problems.empty());
  EXPECT_EQ(pending.call_status, CallStatus::pending);
  EXPECT_EQ(std::get<std::string>(find_field(pending.fields, "call_status")->value), "pending");
  auto completed = check(with(complete(), "call_status", "Completed - unit tested OK"));
  EXPECT_TRUE(completed.problems.empty());
  EXPECT_EQ(completed.call_status, CallStatus::completed);
  auto none =
      check(without(with(complete(), "parts_used", "None - adjustment only"), "etag_number"));
  EXPECT_TRUE(none.problems.empty());
  EXPECT_TRUE(std::get<std::vector<Part>>(find_field(none.fields, "parts_used")->value).empty());
}

TEST(Section2Rules, ACallStatusStillRefusedIsQuotedBackWithTheChoices) {
  auto c = check(with(complete(), "call_status", "Done-ish"));
  ASSERT_EQ(codes(c), (Codes{{"call_status", "invalid"}}));
  EXPECT_NE(
      c.problems[0].message.find("Call Status \"Done-ish\" is not one of: Completed, Pending"),
      std::string::npos)
      << c.problems[0].message;
  EXPECT_FALSE(c.call_status);
  auto both = check(with(complete(), "call_status", "completed? pending parts"));
  ASSERT_EQ(codes(both), (Codes{{"call_status", "invalid"}}));
  EXPECT_NE(both.problems[0].message.find("\"completed? pending parts\" says both"),
            std::string::npos)
      << both.problems[0].message;
}

TEST(Section2Rules, ValuesQuotedBackAreBounded) {
  auto c = check(with(complete(), "call_status", std::string(5000, 'z')));
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_LT(c.problems[0].message.size(), 400u);
}

}  // namespace
}  // namespace closeout
