// SPDX-License-Identifier: GPL-3.0-or-later
// Golden tests: every tests/data/mail/NAME.eml is parsed and compared with NAME.expect.json,
// which was written by hand from the rules (see tests/data/mail/README.md). Only the keys an
// expectation names are checked; problems and warnings are compared as exact sets.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "analyze.h"
#include "result_json.h"

namespace closeout {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

const fs::path kMailDir = fs::path(CLOSEOUT_TEST_DATA) / "mail";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  if (!fs::exists(kMailDir)) return names;
  for (const auto& e : fs::directory_iterator(kMailDir)) {
    if (e.path().extension() == ".eml") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::set<std::pair<std::string, std::string>> codes(const Json& list) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& p : list) {
    if (p.is_array())
      out.emplace(p.at(0).get<std::string>(), p.at(1).get<std::string>());
    else
      out.emplace(p.at("field").get<std::string>(), p.at("code").get<std::string>());
  }
  return out;
}

std::string describe(const std::set<std::pair<std::string, std::string>>& s) {
  std::string out;
  for (const auto& [f, c] : s) out += "[" + f + " " + c + "] ";
  return out.empty() ? "(none)" : out;
}

class MailFixture : public testing::TestWithParam<std::string> {};

TEST_P(MailFixture, MatchesItsExpectation) {
  const std::string name = GetParam();
  const fs::path expect_path = kMailDir / (name + ".expect.json");
  ASSERT_TRUE(fs::exists(expect_path)) << name << " has no .expect.json";
  const Json expect = Json::parse(read_file(expect_path));

  AnalyzeOptions options;
  options.today = std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::November,
                                              std::chrono::day{24}};
  AnalyzeOutcome outcome = analyze_message(read_file(kMailDir / (name + ".eml")), options);
  ASSERT_TRUE(outcome.analysis) << name << ": " << outcome.error;
  const Json got = analysis_json(*outcome.analysis);
  SCOPED_TRACE(name + " parsed as " + got.dump(2));

  for (const char* key : {"kind", "dispatch_number", "valid", "subject", "from", "message_id"}) {
    if (expect.contains(key)) {
      EXPECT_EQ(got.at(key), expect.at(key)) << key;
    }
  }
  if (expect.contains("fields")) {
    for (const auto& [key, value] : expect.at("fields").items()) {
      ASSERT_TRUE(got.at("fields").contains(key)) << "missing field " << key;
      if (value.is_number() && got.at("fields").at(key).is_number()) {
        EXPECT_NEAR(got.at("fields").at(key).get<double>(), value.get<double>(), 0.005) << key;
      } else {
        EXPECT_EQ(got.at("fields").at(key), value) << key;
      }
    }
  }
  if (expect.contains("absent_fields")) {
    for (const auto& key : expect.at("absent_fields")) {
      EXPECT_FALSE(got.at("fields").contains(key.get<std::string>())) << key;
    }
  }
  for (const char* list : {"problems", "warnings"}) {
    if (!expect.contains(list)) continue;
    auto want = codes(expect.at(list));
    auto have = codes(got.at(list));
    EXPECT_EQ(have, want) << list << ": expected " << describe(want) << ", got " << describe(have);
  }
  // Every problem a technician reads must say something.
  for (const auto& p : got.at("problems")) EXPECT_FALSE(p.at("message").get<std::string>().empty());
}

INSTANTIATE_TEST_SUITE_P(Mail, MailFixture, testing::ValuesIn(fixture_names()),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace_if(
                               n.begin(), n.end(),
                               [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); },
                               '_');
                           return n;
                         });

TEST(MailFixtures, CorpusIsPresent) { EXPECT_GE(fixture_names().size(), 25u); }

}  // namespace
}  // namespace closeout
