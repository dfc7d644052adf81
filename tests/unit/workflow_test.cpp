// SPDX-License-Identifier: GPL-3.0-or-later
// The close-out workflow without a server: what each kind of mail does to the dispatch, which
// mail it queues, and that nothing happens twice.
#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

using store::OutboxEntry;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST_F(WorkflowTest, ADispatchIsRecordedAndItsNoticeQueuedToTheTechnicians) {
  auto d = deliver_dispatch("7012345678");
  EXPECT_EQ(d.folder, "Processed");
  EXPECT_EQ(d.kind, "dispatch");
  EXPECT_EQ(dispatch("7012345678").state, "received");
  EXPECT_EQ(dispatch("7012345678").serial_number, "AAB01234");
  auto notices = outbox("notice");
  ASSERT_EQ(notices.size(), 1U);
  const OutboxEntry& n = notices[0];
  EXPECT_EQ(n.recipients, std::vector<std::string>{"techs@dealer.test"});
  EXPECT_EQ(n.envelope_from, "dispatch@dealer.test");
  EXPECT_TRUE(contains(n.subject, "[CITS #7012345678]")) << n.subject;
  EXPECT_EQ(header(n.content, "Auto-Submitted"), "auto-generated");
  EXPECT_TRUE(contains(n.content, "Customer Name: Lakeside Architects LLP"));
  EXPECT_TRUE(contains(n.content, "Technician Name: \r\n")) << "a blank Section 2 to fill in";
  send_all();
  EXPECT_EQ(dispatch("7012345678").state, "notified");
}

TEST_F(WorkflowTest, TheSameDispatchAgainIsADuplicateAndAChangedOneAnUpdate) {
  deliver_dispatch("7012345678");
  auto again =
      deliver(cits_dispatch("7012345678", "AAB01234", kDispatchDate, "<resent@cits.canon.com>"));
  EXPECT_EQ(again.action, "duplicate dispatch");
  auto changed = deliver(cits_dispatch("7012345678", "AAB01234", kDispatchDate,
                                       "<changed@cits.canon.com>", "Lakeside Partners"));
  EXPECT_EQ(changed.action, "dispatch updated");
  EXPECT_EQ(dispatch("7012345678").customer_name, "Lakeside Partners");
  EXPECT_EQ(outbox("notice").size(), 1U) << "one dispatch, one notice";
  EXPECT_EQ(store::DispatchStore(runtime_->db()).list().size(), 1U);
}

TEST_F(WorkflowTest, ProcessingTheSameMessageAgainChangesNothingAndSendsNothing) {
  std::string mail = cits_dispatch("7012345678", "AAB01234", kDispatchDate, "<a@cits.canon.com>");
  deliver(mail);
  auto again = redeliver_same_uid(mail);
  EXPECT_TRUE(again.already_recorded);
  EXPECT_EQ(again.folder, "Processed");
  // After a UIDVALIDITY change every UID is new: the Message-ID recognises it.
  auto renumbered = deliver(mail, 2);
  EXPECT_FALSE(renumbered.already_recorded);
  EXPECT_EQ(renumbered.action, "duplicate delivery; already handled");
  EXPECT_EQ(outbox().size(), 1U);
  EXPECT_EQ(store::DispatchStore(runtime_->db()).timeline("7012345678").size(), 1U);
}

TEST_F(WorkflowTest, ACompleteSection2IsClosedOutOnceAndConfirmedAfterTheServerAccepts) {
  deliver_dispatch("7012345678");
  send_all();
  auto d = deliver_reply("7012345678", complete_section2(kServiceDate), "<r1@dealer.test>");
  EXPECT_EQ(d.action, "Section 2 complete; close-out queued");
  EXPECT_EQ(dispatch("7012345678").state, "closing");
  auto closeouts = outbox("closeout");
  ASSERT_EQ(closeouts.size(), 1U);
  const auto& c = closeouts[0];
  EXPECT_EQ(c.recipients, std::vector<std::string>{"isgservice@closeout.test"});
  EXPECT_EQ(c.envelope_from, "dispatch@dealer.test");
  EXPECT_TRUE(contains(c.subject, "7012345678"));
  EXPECT_TRUE(contains(c.content, "From: Acme Service <dispatch@dealer.test>"));
  // Section 1 summary and Section 2 in the form's order and labels.
  auto s1 = c.content.find("Serial Number: AAB01234");
  auto tech = c.content.find("Technician Name: Mike Ross");
  auto date = c.content.find("Date of Service: 2026-11-24");
  auto status = c.content.find("Call Status: Completed");
  ASSERT_NE(tech, std::string::npos);
  EXPECT_LT(s1, tech);
  EXPECT_LT(tech, date);
  EXPECT_LT(date, status);
  EXPECT_TRUE(contains(c.content, "Labor Hours: 1.75"));
  EXPECT_TRUE(outbox("confirmation").empty()) << "confirmed only once CITS's server accepted";

  send_all();
  EXPECT_EQ(dispatch("7012345678").state, "closed_out");
  EXPECT_EQ(dispatch("7012345678").closed_out_at, kNow);
  auto confirmations = outbox("confirmation");
  ASSERT_EQ(confirmations.size(), 1U);
  EXPECT_EQ(confirmations[0].recipients, std::vector<std::string>{"mike.ross@dealer.test"});
  EXPECT_EQ(confirmations[0].envelope_from, "") << "RFC 3834: automatic answers go from <>";
  EXPECT_EQ(header(confirmations[0].content, "In-Reply-To"), "<r1@dealer.test>");
  EXPECT_EQ(header(confirmations[0].content, "Auto-Submitted"), "auto-replied");

  // The same Section 2 again under a new Message-ID: answered, never sent to CITS twice.
  auto repeat = deliver_reply("7012345678", complete_section2(kServiceDate), "<r2@dealer.test>");
  EXPECT_EQ(repeat.action, "already closed out; already-closed reply queued");
  EXPECT_EQ(outbox("closeout").size(), 1U);
  ASSERT_EQ(outbox("already_closed").size(), 1U);
  EXPECT_TRUE(contains(outbox("already_closed")[0].content, "closeoutctl resend 7012345678"));
}

TEST_F(WorkflowTest, AServiceDateBeforeTheRecordedDispatchDateIsSentBack) {
  // The reply quotes nothing: the dispatch date the check knows is the one recorded from CITS.
  deliver_dispatch("7012345678");
  deliver_reply("7012345678", complete_section2(days_before(kDispatchDate, 3)),
                "<early@dealer.test>");
  EXPECT_EQ(dispatch("7012345678").state, "rejected");
  auto replies = outbox("problems");
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_TRUE(contains(replies[0].content, "before the dispatch date " + iso_date(kDispatchDate)))
      << replies[0].content;
  EXPECT_TRUE(outbox("closeout").empty());
}

TEST_F(WorkflowTest, AnIncompleteSection2GetsOneReplyListingEveryProblem) {
  deliver_dispatch("7012345678");
  auto d = deliver_reply("7012345678", incomplete_section2(), "<bad@dealer.test>");
  EXPECT_EQ(d.action, "Section 2 incomplete; problems reply queued");
  EXPECT_EQ(dispatch("7012345678").state, "rejected");
  auto replies = outbox("problems");
  ASSERT_EQ(replies.size(), 1U);
  const auto& r = replies[0];
  EXPECT_EQ(r.recipients, std::vector<std::string>{"mike.ross@dealer.test"});
  EXPECT_EQ(r.envelope_from, "");
  EXPECT_EQ(header(r.content, "In-Reply-To"), "<bad@dealer.test>");
  EXPECT_TRUE(contains(r.subject, "[CITS #7012345678]"));
  EXPECT_TRUE(contains(r.content, "- Technician Name:")) << r.content;
  EXPECT_TRUE(contains(r.content, "TBD")) << "the technician's own words are quoted back";
  EXPECT_TRUE(contains(r.content, "- Date of Service:"));
  EXPECT_TRUE(contains(r.content, "- Parts Used:"));
  EXPECT_FALSE(contains(r.content, "\r\n\r\n\r\n")) << "no stray blank lines";
  EXPECT_TRUE(outbox("closeout").empty());

  // Then a good one: rejected -> closing.
  deliver_reply("7012345678", complete_section2(kServiceDate), "<good@dealer.test>");
  EXPECT_EQ(dispatch("7012345678").state, "closing");
}

TEST_F(WorkflowTest, APendingCallIsPutOnHoldAndAcknowledgedWithoutACloseOut) {
  deliver_dispatch("7012345678");
  auto d =
      deliver_reply("7012345678", complete_section2(kServiceDate, "Pending"), "<p@dealer.test>");
  EXPECT_EQ(dispatch("7012345678").state, "on_hold");
  EXPECT_EQ(outbox("pending").size(), 1U);
  EXPECT_TRUE(outbox("closeout").empty());
  EXPECT_FALSE(dispatch("7012345678").section2_json.empty());
}

TEST_F(WorkflowTest, AnUnknownDispatchNumberIsAnsweredAndNothingGoesToCits) {
  auto d = deliver_reply("7099999999", complete_section2(kServiceDate), "<u@dealer.test>");
  EXPECT_EQ(d.action, "unknown dispatch; not-dispatched reply queued");
  auto replies = outbox("not_dispatched");
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_TRUE(contains(replies[0].content, "not eligible for labour compensation"));
  EXPECT_TRUE(outbox("closeout").empty());
}

TEST_F(WorkflowTest, AReplyIsMatchedByTheNoticeItAnswersBeforeAnythingElse) {
  deliver_dispatch("7012345678");
  std::string notice_id = outbox("notice").at(0).message_id;
  ReplyHeaders h;
  h.message_id = "<threaded@dealer.test>";
  h.subject = "Re: your mail";  // no tag, no number
  h.in_reply_to = notice_id;
  auto d = deliver(technician_reply(h, complete_section2(kServiceDate)));
  EXPECT_EQ(d.dispatch_number, "7012345678");
  EXPECT_EQ(dispatch("7012345678").state, "closing");
}

TEST_F(WorkflowTest, Section2FromSomeoneNotATechnicianIsQuarantined) {
  deliver_dispatch("7012345678");
  auto d = deliver_reply("7012345678", complete_section2(kServiceDate), "<x@evil.example>",
                         "Mallory <mallory@evil.example>");
  EXPECT_TRUE(d.quarantined);
  EXPECT_EQ(d.folder, "Quarantine");
  EXPECT_EQ(outbox().size(), 1U) << "only the notice";
  EXPECT_EQ(dispatch("7012345678").state, "received");
}

TEST_F(WorkflowTest, AutomaticMailIsRecordedNeverAnsweredAndStrangersAreQuarantined) {
  deliver_dispatch("7012345678");
  std::ifstream ooo(std::string(CLOSEOUT_TEST_DATA) + "/mail/auto-reply-exchange-ooo.eml");
  std::ifstream news(std::string(CLOSEOUT_TEST_DATA) + "/mail/newsletter-stranger.eml");
  std::stringstream a;
  std::stringstream b;
  a << ooo.rdbuf();
  b << news.rdbuf();
  auto auto_reply = deliver(a.str());
  EXPECT_EQ(auto_reply.kind, "auto_reply");
  EXPECT_EQ(auto_reply.folder, "Processed");
  auto newsletter = deliver(b.str());
  EXPECT_EQ(newsletter.folder, "Quarantine");
  EXPECT_EQ(outbox().size(), 1U) << "only the notice: nothing automatic is answered";
}

TEST_F(WorkflowTest, UnreadableAndOversizeMailIsQuarantinedAndRecorded) {
  std::string junk = "this is not a mail message at all";
  auto d = deliver(junk);
  EXPECT_TRUE(d.quarantined);
  auto w = runtime_->workflow();
  workflow::IncomingMessage big{1, 99, 30u << 20, nullptr};
  auto o = workflow::process_message(w, big, kNow, kToday);
  EXPECT_EQ(o.kind, "oversize");
  EXPECT_EQ(o.folder, "Quarantine");
  auto logged = store::MessageLog(runtime_->db()).find_uid(1, 99);
  ASSERT_TRUE(logged);
  EXPECT_TRUE(contains(logged->detail, "max_message_bytes"));
}

TEST_F(WorkflowTest, TransientFailuresAreRetriedWithDoublingDelaysAndNeverDropped) {
  auto& config = runtime_->config();
  EXPECT_EQ(workflow::retry_delay(config, 1).count(), 60);
  EXPECT_EQ(workflow::retry_delay(config, 2).count(), 120);
  EXPECT_EQ(workflow::retry_delay(config, 3).count(), 240);
  EXPECT_EQ(workflow::retry_delay(config, 40).count(), 3600);
  deliver_dispatch("7012345678");
  send_all(workflow::SendVerdict::transient);
  auto n = outbox("notice").at(0);
  EXPECT_EQ(n.status, "pending");
  EXPECT_EQ(n.attempts, 1);
  EXPECT_EQ(n.next_attempt_at, kNow + 60);
  EXPECT_EQ(n.last_error, "550 5.1.1 refused");
  EXPECT_TRUE(store::OutboxStore(runtime_->db()).due(kNow + 59, 10).empty());
  send_all(workflow::SendVerdict::accepted, kNow + 60);
  EXPECT_EQ(outbox("notice").at(0).status, "sent");
}

TEST_F(WorkflowTest, ARefusedCloseOutFailsTheDispatchAndIsEscalatedThenRetried) {
  deliver_dispatch("7012345678");
  send_all();
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r@dealer.test>");
  send_all(workflow::SendVerdict::permanent);
  EXPECT_EQ(dispatch("7012345678").state, "failed");
  auto escalations = outbox("escalation");
  ASSERT_EQ(escalations.size(), 1U);
  EXPECT_EQ(escalations[0].recipients, std::vector<std::string>{"manager@dealer.test"});
  EXPECT_TRUE(contains(escalations[0].content, "550 5.1.1 refused"));
  auto closeout_id = outbox("closeout").at(0).id;
  EXPECT_TRUE(contains(escalations[0].content, "closeoutctl retry " + std::to_string(closeout_id)));

  auto w = runtime_->workflow();
  workflow::retry_outbox(w, closeout_id, kNow + 10);
  EXPECT_EQ(dispatch("7012345678").state, "closing");
  send_all(workflow::SendVerdict::accepted, kNow + 10);
  EXPECT_EQ(dispatch("7012345678").state, "closed_out");
  EXPECT_THROW(workflow::retry_outbox(w, closeout_id, kNow), workflow::AdminError)
      << "a sent close-out is never retried; resend is the explicit way";
}

TEST_F(WorkflowTest, ResendQueuesTheCloseOutAgainOnlyWhenThereIsOne) {
  deliver_dispatch("7012345678");
  auto w = runtime_->workflow();
  EXPECT_THROW(workflow::resend_closeout(w, "7012345678", kNow), workflow::AdminError);
  EXPECT_THROW(workflow::resend_closeout(w, "7000000000", kNow), workflow::AdminError);
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r@dealer.test>");
  send_all();
  auto id = workflow::resend_closeout(w, "7012345678", kNow + 5);
  EXPECT_EQ(outbox("closeout").size(), 2U);
  EXPECT_EQ(dispatch("7012345678").state, "closing");
  auto again = store::OutboxStore(runtime_->db()).get(id);
  EXPECT_TRUE(contains(again->content, "Technician Name: Mike Ross"));
  send_all(workflow::SendVerdict::accepted, kNow + 5);
  EXPECT_EQ(outbox("confirmation").size(), 1U) << "an admin's resend confirms to no technician";
}

TEST_F(WorkflowTest, RemindersFollowTheScheduleThenOneEscalationFlagsOverdue) {
  deliver_dispatch("7012345678");
  auto w = runtime_->workflow();
  auto hours = [](int h) { return static_cast<store::Timestamp>(h) * 3600; };
  EXPECT_EQ(workflow::queue_due_reminders(w, kNow + hours(47)).reminders, 0);
  EXPECT_EQ(workflow::queue_due_reminders(w, kNow + hours(48)).reminders, 1);
  EXPECT_EQ(workflow::queue_due_reminders(w, kNow + hours(50)).reminders, 0);
  EXPECT_EQ(workflow::queue_due_reminders(w, kNow + hours(72)).reminders, 1);
  auto chase = workflow::queue_due_reminders(w, kNow + hours(120));
  EXPECT_EQ(chase.escalations, 1);
  EXPECT_TRUE(dispatch("7012345678").overdue);
  auto after = workflow::queue_due_reminders(w, kNow + hours(121));
  EXPECT_EQ(after.escalations, 0) << "once";
  EXPECT_EQ(after.reminders, 1) << "the reminder due at 96 h, held back by the escalation run";
  auto reminders = outbox("reminder");
  ASSERT_EQ(reminders.size(), 3U);
  EXPECT_EQ(reminders[0].recipients, std::vector<std::string>{"techs@dealer.test"});
  EXPECT_TRUE(contains(reminders[0].subject, "[CITS #7012345678]"));
  EXPECT_EQ(outbox("escalation").at(0).recipients, std::vector<std::string>{"manager@dealer.test"});
  // A dispatch with a valid Section 2 is chased no more.
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r@dealer.test>");
  EXPECT_EQ(workflow::queue_due_reminders(w, kNow + hours(500)).reminders, 0);
}

TEST_F(WorkflowTest, AscrImportFlagsDispatchesForUnregisteredSerials) {
  auto w = runtime_->workflow();
  auto result = workflow::import_ascr(
      w, "Serial Number,Model\nAAB01234,iPF685\n,iPF685\nBAD<SERIAL>,x\nzz 999,iPF670\n", kNow);
  EXPECT_EQ(result.imported, 2U);
  ASSERT_EQ(result.rejected.size(), 2U);
  EXPECT_EQ(result.rejected[0].line, 3U);
  EXPECT_EQ(result.rejected[1].line, 4U);
  deliver_dispatch("7012345678", "aab 01234");
  EXPECT_FALSE(dispatch("7012345678").unregistered) << "case and spaces are ignored";
  deliver_dispatch("7012345679", "XYZ99999");
  EXPECT_TRUE(dispatch("7012345679").unregistered);
  auto notices = outbox("notice");
  EXPECT_TRUE(contains(notices.back().content, "not in our ASCR registry"));
  EXPECT_FALSE(contains(notices.front().content, "not in our ASCR registry"));
  // A file without one usable row leaves the registry as it was.
  auto empty = workflow::import_ascr(w, "Serial\n\n", kNow);
  EXPECT_EQ(empty.imported, 0U);
  EXPECT_TRUE(store::AscrRegistry(runtime_->db()).contains("AAB01234"));
}

}  // namespace
}  // namespace closeout::testing

namespace closeout::testing {
namespace {

TEST_F(WorkflowTest, ACrashBetweenAcceptanceAndItsConsequencesIsFinishedAtTheNextStart) {
  deliver_dispatch("7012345678");
  send_all();
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r@dealer.test>");
  auto closeout = outbox("closeout").at(0);
  {
    // What a kill right after the server's 250 leaves behind: the acceptance, nothing else.
    store::WriteTransaction tx(runtime_->db());
    store::OutboxStore(runtime_->db()).mark_sent(closeout.id, kNow);
    tx.commit();
  }
  EXPECT_EQ(dispatch("7012345678").state, "closing");
  EXPECT_TRUE(store::OutboxStore(runtime_->db()).due(kNow, 10).empty()) << "never sent again";
  auto w = runtime_->workflow();
  EXPECT_EQ(workflow::finish_accepted_sends(w, kNow + 1), 1);
  EXPECT_EQ(dispatch("7012345678").state, "closed_out");
  EXPECT_EQ(outbox("confirmation").size(), 1U);
  EXPECT_EQ(workflow::finish_accepted_sends(w, kNow + 2), 0) << "and only once";
}

}  // namespace
}  // namespace closeout::testing

namespace closeout::testing {
namespace {

TEST_F(WorkflowTest, AnEndlessValueFromIncomingMailIsCutInWhatWeSend) {
  // Continuation lines let a Section 1 value grow without limit; the notice must not.
  std::string mail = cits_dispatch("7012345678", "AAB01234", kDispatchDate, "<long@cits>");
  std::string more;
  for (int i = 0; i < 200; ++i)
    more += "  and the description goes on and on, line " + std::to_string(i) + "\r\n";
  mail.insert(mail.find("\r\n", mail.find("Problem Description:")) + 2, more);
  deliver(mail);
  auto notice = outbox("notice").at(0);
  EXPECT_LT(notice.content.size(), 8000U);
  EXPECT_NE(notice.content.find("and the description goes on"), std::string::npos);
  EXPECT_EQ(notice.content.find("line 199"), std::string::npos) << "the tail is cut";
}

}  // namespace
}  // namespace closeout::testing
