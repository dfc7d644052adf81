// SPDX-License-Identifier: GPL-3.0-or-later
// What follows an accepted send (issue 11): a technician's odd Message-ID, a follow-up mail that
// cannot be composed, or a replay after a crash never stop the outbox and never queue anything
// twice; the dispatch's timeline says what could not be done.
#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

constexpr const char* kNoDomainId = "<20261130.LocalPart.NoDomain>";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class OutboxEffects : public WorkflowTest {
 protected:
  std::vector<store::EventRecord> events(const std::string& event) {
    std::vector<store::EventRecord> out;
    for (auto& e : store::DispatchStore(runtime_->db()).timeline("7012345678"))
      if (e.event == event) out.push_back(e);
    return out;
  }
  std::size_t unfinished() {
    return store::OutboxStore(runtime_->db()).sent_without_effects().size();
  }
};

TEST_F(OutboxEffects, AMessageIdWithoutAnAtIsClosedOutConfirmedAndTheOutboxGoesOn) {
  deliver_dispatch("7012345678");
  send_all();
  auto d = deliver_reply("7012345678", complete_section2(kServiceDate), kNoDomainId);
  ASSERT_EQ(d.action, "Section 2 complete; close-out queued");
  ASSERT_NO_THROW(send_all());
  EXPECT_EQ(dispatch("7012345678").state, "closed_out");
  EXPECT_EQ(unfinished(), 0U) << "the close-out's effects are complete";
  auto confirmations = outbox("confirmation");
  ASSERT_EQ(confirmations.size(), 1U);
  EXPECT_EQ(header(confirmations[0].content, "In-Reply-To"), kNoDomainId);
  EXPECT_EQ(confirmations[0].status, "sent") << "and the confirmation itself went out";
  // The next dispatch still gets its notice out.
  deliver_dispatch("7012345679");
  send_all();
  EXPECT_EQ(dispatch("7012345679").state, "notified");
}

TEST_F(OutboxEffects, AProblemsReplyToAMessageIdWithoutAnAtIsSentNotQuarantined) {
  deliver_dispatch("7012345678");
  send_all();
  auto d = deliver_reply("7012345678", incomplete_section2(), kNoDomainId);
  EXPECT_NE(d.folder, "Quarantine") << d.action;
  auto problems = outbox("problems");
  ASSERT_EQ(problems.size(), 1U) << d.action;
  EXPECT_EQ(header(problems[0].content, "In-Reply-To"), kNoDomainId);
  EXPECT_EQ(dispatch("7012345678").state, "rejected");
}

TEST_F(OutboxEffects, AConfirmationThatCannotBeComposedIsRecordedAndTheSendStillCompletes) {
  deliver_dispatch("7012345678");
  send_all();
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r@dealer.test>");
  // A stored address no mail can go to (written by an older closeoutd, or a bug of ours).
  runtime_->db().exec(
      "UPDATE messages SET from_address = 'mike.ross@dealer.test>, thief@evil.example' "
      "WHERE message_id = '<r@dealer.test>'");
  ASSERT_NO_THROW(send_all());
  EXPECT_EQ(dispatch("7012345678").state, "closed_out") << "the close-out went; that stands";
  EXPECT_EQ(unfinished(), 0U) << "effects done: never replayed, never blocking the queue";
  EXPECT_TRUE(outbox("confirmation").empty());
  auto noted = events("confirmation not sent");
  ASSERT_EQ(noted.size(), 1U);
  EXPECT_TRUE(contains(noted[0].detail, "unsafe mail address")) << noted[0].detail;
  auto w = runtime_->workflow();
  EXPECT_EQ(workflow::finish_accepted_sends(w, kNow + 1), 0);
}

TEST_F(OutboxEffects, EffectsReplayedAfterACrashQueueNoSecondConfirmation) {
  deliver_dispatch("7012345678");
  send_all();
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r@dealer.test>");
  auto closeout = outbox("closeout").at(0);
  auto w = runtime_->workflow();
  workflow::apply_send_result(w, closeout, {workflow::SendVerdict::accepted, "250 2.0.0 Ok"}, kNow);
  ASSERT_EQ(outbox("confirmation").size(), 1U);
  // The effects are committed but their mark is lost (what a replay has to survive).
  runtime_->db().exec("UPDATE outbox SET effects_done = 0 WHERE kind = 'closeout'");
  EXPECT_EQ(workflow::finish_accepted_sends(w, kNow + 1), 1);
  EXPECT_EQ(outbox("confirmation").size(), 1U) << "confirmed once, however often replayed";
  EXPECT_EQ(dispatch("7012345678").state, "closed_out");
  EXPECT_EQ(dispatch("7012345678").closed_out_at, kNow);
}

TEST_F(OutboxEffects, ARetryAfterATransientFailureReleasesTheClaim) {
  deliver_dispatch("7012345678");
  auto notice = outbox("notice").at(0);
  store::OutboxStore box(runtime_->db());
  ASSERT_TRUE(box.claim(notice.id));
  auto w = runtime_->workflow();
  workflow::apply_send_result(w, notice, {workflow::SendVerdict::transient, "451 try later"}, kNow);
  EXPECT_EQ(box.get(notice.id)->status, "pending");
  EXPECT_EQ(box.due(kNow + 3600, 10).size(), 1U);
}

// A notice commits its acceptance and effects at once (send_results.h): when the effects fail
// (here the database refuses the state change), the acceptance must still be on record, or the
// notice would be sent a second time; the effects come back by finish_accepted_sends.
TEST_F(OutboxEffects, ANoticeWhoseEffectsFailStaysSentAndItsEffectsAreRedone) {
  deliver_dispatch("7012345678");
  auto notice = outbox("notice").at(0);
  ASSERT_TRUE(store::OutboxStore(runtime_->db()).claim(notice.id));
  runtime_->db().exec(
      "CREATE TRIGGER refuse_notified BEFORE UPDATE OF state ON dispatches "
      "WHEN NEW.state = 'notified' BEGIN SELECT RAISE(ABORT, 'disk trouble'); END");
  auto w = runtime_->workflow();
  EXPECT_THROW(
      workflow::apply_send_result(w, notice, {workflow::SendVerdict::accepted, "250 Ok"}, kNow),
      SQLite::Exception);
  auto stored = store::OutboxStore(runtime_->db()).get(notice.id);
  EXPECT_EQ(stored->status, "sent") << "the server has it: never sent again";
  EXPECT_EQ(unfinished(), 1U) << "its effects are still to do";
  EXPECT_EQ(dispatch("7012345678").state, "received");
  EXPECT_TRUE(events("notice sent").empty()) << "nothing of the failed effects is left";
  runtime_->db().exec("DROP TRIGGER refuse_notified");
  EXPECT_EQ(workflow::finish_accepted_sends(w, kNow + 1), 1);
  EXPECT_EQ(dispatch("7012345678").state, "notified");
  EXPECT_EQ(unfinished(), 0U);
}

}  // namespace
}  // namespace closeout::testing
