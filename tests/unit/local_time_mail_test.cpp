// SPDX-License-Identifier: GPL-3.0-or-later
// The times a technician reads in closeoutd's answers are the dealer's local time with its zone,
// as the weekly digest already shows them, not UTC.
#include <cstdlib>
#include <ctime>
#include <optional>

#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

class LocalTimeMailTest : public WorkflowTest {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("TZ")) old_tz_ = old;
    setenv("TZ", "America/New_York", 1);
    tzset();
    WorkflowTest::SetUp();
  }
  void TearDown() override {
    WorkflowTest::TearDown();
    if (old_tz_)
      setenv("TZ", old_tz_->c_str(), 1);
    else
      unsetenv("TZ");
    tzset();
  }
  std::optional<std::string> old_tz_;
};

TEST_F(LocalTimeMailTest, TheConfirmationAndTheAlreadyClosedReplyShowTheDealersTime) {
  // kNow is 2026-11-25 09:46:40 UTC: 04:46 in New York.
  deliver_dispatch("7012345678");
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r1@dealer.test>");
  send_all();
  auto confirmations = outbox("confirmation");
  ASSERT_EQ(confirmations.size(), 1U);
  const std::string& content = confirmations[0].content;
  const std::string body = content.substr(content.find("\r\n\r\n"));
  EXPECT_NE(body.find("at 2026-11-25 04:46 EST"), std::string::npos) << body;
  EXPECT_EQ(body.find("09:46"), std::string::npos) << "no UTC time in the text: " << body;

  deliver_reply("7012345678", complete_section2(kServiceDate), "<r2@dealer.test>");
  auto closed = outbox("already_closed");
  ASSERT_EQ(closed.size(), 1U);
  EXPECT_NE(closed[0].content.find("closed out on 2026-11-25 04:46 EST"), std::string::npos)
      << closed[0].content;
}

}  // namespace
}  // namespace closeout::testing
