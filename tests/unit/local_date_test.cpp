// SPDX-License-Identifier: GPL-3.0-or-later
// Dates and times as the dealer's people see them: "not in the future" for a technician in any
// zone, and times shown in the dealer's zone rather than UTC.
#include "local_date.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "field_values.h"

#include "section2_rules.h"

namespace closeout {
namespace {

using namespace std::chrono;

// Sets TZ for one test and puts the previous value back.
class LocalZone {
 public:
  explicit LocalZone(const char* zone) {
    if (const char* old = std::getenv("TZ")) old_ = old;
    setenv("TZ", zone, 1);
    tzset();
  }
  ~LocalZone() {
    if (old_)
      setenv("TZ", old_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  LocalZone(const LocalZone&) = delete;
  LocalZone& operator=(const LocalZone&) = delete;

 private:
  std::optional<std::string> old_;
};

std::int64_t at(const char* utc) {  // "2026-11-30T09:59:59"
  std::tm tm{};
  EXPECT_NE(strptime(utc, "%Y-%m-%dT%H:%M:%S", &tm), nullptr) << utc;
  return static_cast<std::int64_t>(timegm(&tm));
}

TEST(LatestDateOnEarth, IsTheDateAtUtcPlusFourteen) {
  EXPECT_EQ(latest_date_on_earth(at("2026-11-30T09:59:59")), (year{2026} / November / 30));
  EXPECT_EQ(latest_date_on_earth(at("2026-11-30T10:00:00")), (year{2026} / December / 1));
  EXPECT_EQ(latest_date_on_earth(at("2026-12-31T23:00:00")), (year{2027} / January / 1));
  EXPECT_EQ(latest_date_on_earth(0), (year{1970} / January / 1));
}

TEST(LatestDateOnEarth, ATechniciansOwnTodayIsNeverInTheFuture) {
  // 20:00 UTC on Nov 30: 15:00 in New York (the server), already 09:00 on Dec 1 in Auckland.
  const auto now = at("2026-11-30T20:00:00");
  const auto today = latest_date_on_earth(now);
  RawFields raw;
  raw.offer("technician_name", "Aroha Ngata");
  raw.offer("service_date", "12/01/2026");  // Auckland's today
  raw.offer("arrival_time", "8:00 AM");
  raw.offer("completion_time", "8:45 AM");
  raw.offer("problem_found", "Paper jam sensor dirty");
  raw.offer("corrective_action", "Cleaned sensor");
  raw.offer("parts_used", "None");
  raw.offer("call_status", "Completed");
  DispatchFacts facts;
  facts.tag_number = "7012345678";
  auto ok = check_section2(raw, facts, today, FormDefinition::builtin());
  EXPECT_TRUE(ok.problems.empty()) << ok.problems.front().message;

  RawFields later;
  later.offer("service_date", "12/02/2026");  // nowhere yet
  for (const auto& [k, v] : raw.entries()) later.offer(k, v);
  auto future = check_section2(later, facts, today, FormDefinition::builtin());
  ASSERT_EQ(future.problems.size(), 1u);
  EXPECT_EQ(future.problems[0].field, "service_date");
  EXPECT_NE(future.problems[0].message.find("in the future"), std::string::npos);
}

// closeoutctl parse on a server ten hours behind UTC (Hawaii): a technician far ahead of it
// writes a date that is already today where they are, one day after the server's. Not refused.
TEST(LatestDateOnEarth, ParseOnAServerWestOfTheTechnicianAcceptsTheirToday) {
  const auto before = latest_date_on_earth(std::time(nullptr));
  const std::string file =
      std::filesystem::temp_directory_path() / ("closeoutd-today-" + std::to_string(getpid()));
  std::ofstream(file) << "From: Aroha <aroha@dealer.example>\r\n"
                         "Subject: Re: [CITS #7012345678] Service Dispatch\r\n"
                         "Message-ID: <today@dealer.example>\r\n\r\n"
                         "Technician Name: Aroha Ngata\r\nDate of Service: "
                      << iso_date(before)
                      << "\r\nArrival Time: 8:00 AM\r\nCompletion Time: 8:45 AM\r\n"
                         "Problem Found: Sensor dirty\r\nCorrective Action: Cleaned it\r\n"
                         "Parts Used: None\r\nCall Status: Completed\r\n";
  const std::string cmd = std::string("TZ=HST10 ") + CLOSEOUTCTL_PATH + " parse --json " + file;
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, p)) > 0;) out.append(buffer, n);
    pclose(p);
  }
  std::filesystem::remove(file);
  if (latest_date_on_earth(std::time(nullptr)) != before) GTEST_SKIP() << "the date changed";
  EXPECT_NE(out.find("\"valid\":true"), std::string::npos) << out;
}

TEST(FormatLocalTime, ShowsTheDealersZoneNotUtc) {
  LocalZone zone("America/New_York");
  EXPECT_EQ(format_local_time(at("2026-11-30T19:05:00")), "2026-11-30 14:05 EST");
  EXPECT_EQ(format_local_time(at("2026-07-01T03:30:00")), "2026-06-30 23:30 EDT");
  EXPECT_EQ(format_local_time(0), "");
}

TEST(FormatLocalTime, FollowsTheZoneItIsGiven) {
  LocalZone zone("Asia/Kolkata");
  EXPECT_EQ(format_local_time(at("2026-11-30T19:05:00")), "2026-12-01 00:35 IST");
}

}  // namespace
}  // namespace closeout
