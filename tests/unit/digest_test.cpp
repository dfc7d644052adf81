// SPDX-License-Identifier: GPL-3.0-or-later
// The weekly digest: when it is due, who gets it, what it says, and that no slot is mailed twice.
#include <cstdlib>
#include <ctime>

#include "digest.h"
#include "digest_schedule.h"
#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

constexpr store::Timestamp kWeek = 7 * 86400;
constexpr store::Timestamp kMonday0800Utc = 1795420800;  // 2026-11-23 08:00 UTC, before kNow

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The slot is in the server's local time; pin it so the figures below hold on any machine.
class LocalTime {
 public:
  explicit LocalTime(const char* zone) {
    if (const char* old = std::getenv("TZ")) saved_ = old;
    setenv("TZ", zone, 1);
    tzset();
  }
  ~LocalTime() {
    if (saved_)
      setenv("TZ", saved_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  LocalTime(const LocalTime&) = delete;
  LocalTime& operator=(const LocalTime&) = delete;

 private:
  std::optional<std::string> saved_;
};

TEST(DigestSchedule, ReadsADayAndATime) {
  auto s = parse_digest_schedule("Mon 08:00");
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->weekday, 1);
  EXPECT_EQ(s->hour, 8);
  EXPECT_EQ(s->minute, 0);
  auto friday = parse_digest_schedule("friday 7:30");
  ASSERT_TRUE(friday.has_value());
  EXPECT_EQ(friday->weekday, 5);
  EXPECT_EQ(friday->hour, 7);
  EXPECT_EQ(friday->minute, 30);
  EXPECT_EQ(parse_digest_schedule("SUN 23:59")->weekday, 0);
}

TEST(DigestSchedule, EmptyIsOff) {
  EXPECT_FALSE(parse_digest_schedule("").has_value());
  EXPECT_FALSE(parse_digest_schedule("   ").has_value());
}

TEST(DigestSchedule, AnythingElseIsAnErrorSayingWhatIsExpected) {
  for (const char* bad : {"Mon", "Mon 8", "Mon 8:0", "Mo 08:00", "Mon 24:00", "Mon 08:60",
                          "08:00 Mon", "Mon 08:00:00", "Monday08:00"}) {
    try {
      parse_digest_schedule(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_TRUE(contains(e.what(), "\"Mon 08:00\"")) << bad << ": " << e.what();
      EXPECT_TRUE(contains(e.what(), bad)) << e.what();
    }
  }
}

TEST(DigestSchedule, TheLatestSlotIsTheLastScheduledMomentAtOrBeforeNow) {
  LocalTime utc("UTC");
  auto monday = *parse_digest_schedule("Mon 08:00");
  EXPECT_EQ(latest_digest_slot(monday, kNow), kMonday0800Utc) << "Wednesday: back to Monday";
  EXPECT_EQ(latest_digest_slot(monday, kMonday0800Utc), kMonday0800Utc) << "at the minute";
  EXPECT_EQ(latest_digest_slot(monday, kMonday0800Utc - 1), kMonday0800Utc - kWeek)
      << "a second early: last week's";
  auto wednesday_late = *parse_digest_schedule("Wed 18:00");
  EXPECT_EQ(latest_digest_slot(wednesday_late, kNow),
            kMonday0800Utc + 2 * 86400 + 10 * 3600 - kWeek)
      << "later today has not come yet";
}

TEST(DigestSchedule, TheSlotIsInTheServersLocalTime) {
  LocalTime berlin("Europe/Berlin");  // UTC+1 in November
  EXPECT_EQ(latest_digest_slot(*parse_digest_schedule("Mon 08:00"), kNow), kMonday0800Utc - 3600);
}

class DigestTest : public WorkflowTest {
 protected:
  std::string extra_config() override { return "[reports]\ndigest = \"Mon 08:00\"\n"; }
  workflow::DigestOutcome run(store::Timestamp now) {
    auto w = runtime_->workflow();
    return workflow::queue_digest_if_due(w, now);
  }
  LocalTime utc_{"UTC"};
};

TEST_F(DigestTest, TheFirstSlotIsOnlyRecordedThenEachWeekIsSentOnce) {
  deliver_dispatch("7012345678");
  EXPECT_EQ(run(kNow), workflow::DigestOutcome::first_seen)
      << "installing or turning it on does not mail last Monday's figures";
  EXPECT_EQ(run(kNow + 3600), workflow::DigestOutcome::not_due);
  EXPECT_TRUE(outbox("digest").empty());

  EXPECT_EQ(run(kMonday0800Utc + kWeek), workflow::DigestOutcome::queued);
  EXPECT_EQ(run(kMonday0800Utc + kWeek + 60), workflow::DigestOutcome::not_due)
      << "a restart in the same week";
  auto digests = outbox("digest");
  ASSERT_EQ(digests.size(), 1U);
  EXPECT_EQ(digests[0].recipients, std::vector<std::string>{"manager@dealer.test"});
  EXPECT_TRUE(digests[0].dispatch_number.empty());
}

TEST_F(DigestTest, TheDigestCarriesTheReportsFigures) {
  deliver_dispatch("7012345678");
  deliver_dispatch("7012345679", "BBC05678");
  deliver_reply("7012345679", complete_section2(kServiceDate), "<r@dealer.test>");
  send_all();
  ASSERT_EQ(run(kNow), workflow::DigestOutcome::first_seen);
  // Two weeks on, the open one is past escalate_after (5 days by default): labour at risk.
  ASSERT_EQ(run(kNow + 2 * kWeek), workflow::DigestOutcome::queued);
  auto digests = outbox("digest");
  ASSERT_EQ(digests.size(), 1U);
  const auto& d = digests[0];
  EXPECT_EQ(d.subject, "Weekly CITS digest: 1 open, 0 overdue, 0 close-out(s) refused");
  EXPECT_TRUE(contains(d.content, "Acme Office Systems: CITS service dispatches as of"));
  EXPECT_TRUE(contains(d.content, "2 dispatch(es) recorded, 1 open.")) << d.content;
  EXPECT_TRUE(contains(d.content, "  closed_out: 1\r\n")) << d.content;
  EXPECT_TRUE(contains(d.content, "  8-30: 1\r\n")) << d.content;
  EXPECT_TRUE(contains(d.content, "Labour at risk, open more than 5 day(s) (1):\r\n  7012345678"))
      << d.content;
  EXPECT_FALSE(contains(d.content, "\r\n\r\n\r\n")) << "no blank runs left by the list tags";
  EXPECT_FALSE(contains(d.content, "{{")) << d.content;
  EXPECT_TRUE(contains(d.content, "Overdue (0):\r\n  none\r\n\r\n")) << d.content;
}

TEST_F(DigestTest, ARefusedCloseOutIsReportedEvenWithNothingElseOpen) {
  deliver_dispatch("7012345678");
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r@dealer.test>");
  send_all(workflow::SendVerdict::permanent);
  ASSERT_EQ(run(kNow), workflow::DigestOutcome::first_seen);
  ASSERT_EQ(run(kNow + kWeek), workflow::DigestOutcome::queued);
  auto d = outbox("digest").at(0);
  EXPECT_TRUE(contains(d.subject, "1 close-out(s) refused")) << d.subject;
  EXPECT_TRUE(contains(d.content, "550 5.1.1 refused")) << d.content;
}

TEST_F(DigestTest, AWeekWithNothingOpenSendsNothing) {
  ASSERT_EQ(run(kNow), workflow::DigestOutcome::first_seen);
  EXPECT_EQ(run(kNow + kWeek), workflow::DigestOutcome::quiet);
  EXPECT_EQ(run(kNow + kWeek + 60), workflow::DigestOutcome::not_due) << "dealt with";
  EXPECT_TRUE(outbox("digest").empty());
}

TEST_F(DigestTest, OffWithoutASchedule) {
  reopen("");
  deliver_dispatch("7012345678");
  EXPECT_EQ(run(kNow), workflow::DigestOutcome::off);
  EXPECT_EQ(run(kNow + 4 * kWeek), workflow::DigestOutcome::off);
  EXPECT_TRUE(outbox("digest").empty());
}

TEST_F(DigestTest, AScheduleTypoIsAConfigurationErrorNamingTheLine) {
  try {
    reopen("[reports]\ndigest = \"Mon 8\"\n");
    ADD_FAILURE() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_TRUE(contains(e.what(), "closeoutd.toml:20")) << e.what();
    EXPECT_TRUE(contains(e.what(), "reports.digest")) << e.what();
    EXPECT_TRUE(contains(e.what(), "\"Mon 08:00\"")) << e.what();
  }
}

}  // namespace
}  // namespace closeout::testing
