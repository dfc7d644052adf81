// SPDX-License-Identifier: GPL-3.0-or-later
// The transport's pure policies: reconnect back-off, fetch batching, error wording and exits.
#include <gtest/gtest.h>

#include "backoff.h"
#include "imap_mailbox.h"
#include "transport_error.h"

namespace closeout::transport {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesWithJitterAndStopsAtTheCap) {
  BackoffPolicy p{milliseconds(1000), milliseconds(60000)};
  EXPECT_EQ(backoff_delay(p, 1, 0.0), milliseconds(500));
  EXPECT_EQ(backoff_delay(p, 1, 1.0), milliseconds(1000));
  EXPECT_EQ(backoff_delay(p, 3, 1.0), milliseconds(4000));
  EXPECT_EQ(backoff_delay(p, 40, 1.0), milliseconds(60000));
  EXPECT_EQ(backoff_delay(p, 1000, 0.0), milliseconds(30000));
  EXPECT_GE(backoff_delay(p, 5, 0.5), milliseconds(8000));
}

TEST(FetchPlan, OversizeMailIsSetAsideAndBatchesStayBounded) {
  std::vector<NewMail> mail;
  for (std::uint32_t uid = 1; uid <= 10; ++uid) mail.push_back({uid, 400});
  mail.push_back({11, 5000});
  auto plan = plan_fetch(mail, 1000, 1000, 100);
  ASSERT_EQ(plan.oversize.size(), 1u);
  EXPECT_EQ(plan.oversize[0].uid, 11u);
  ASSERT_EQ(plan.batches.size(), 5u);  // two of 400 bytes fit under 1000
  for (const auto& b : plan.batches) EXPECT_EQ(b.size(), 2u);
  EXPECT_EQ(plan_fetch(mail, 1000, 1 << 20, 3).batches.size(), 4u);
}

TEST(TransportError, ExitCodesFollowTheSpec) {
  EXPECT_EQ(exit_code_for(Failure::unreachable), 69);
  EXPECT_EQ(exit_code_for(Failure::tls), 69);
  EXPECT_EQ(exit_code_for(Failure::certificate), 69);
  EXPECT_EQ(exit_code_for(Failure::timeout), 69);
  EXPECT_EQ(exit_code_for(Failure::auth), 78);
  EXPECT_EQ(exit_code_for(Failure::config), 78);
  EXPECT_FALSE(is_transient(Failure::auth));
  EXPECT_TRUE(is_transient(Failure::timeout));
}

TEST(TransportError, UrlsLoseTheirUserinfo) {
  EXPECT_EQ(redact_url("imaps://u:secret@mail.example/INBOX"), "imaps://mail.example/INBOX");
  EXPECT_EQ(redact_url("smtp://mail.example:587"), "smtp://mail.example:587");
  EXPECT_EQ(redact_url("imaps://mail.example/a@b"), "imaps://mail.example/a@b");
}

}  // namespace
}  // namespace closeout::transport
