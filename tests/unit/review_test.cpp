// SPDX-License-Identifier: GPL-3.0-or-later
// Section 2 read by OCR waits for a person (SPEC "The form itself as an attachment"): held in
// state review with the admins told, then approved (as read or corrected) into one close-out,
// or rejected back to the technician; and closeoutctl review / approve / reject as an admin
// runs them. The scan's OCR is an in-process reader standing in for the helper's.
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "report_figures.h"
#include "section2_review.h"
#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

const std::string kNumber = "7012345678";
const std::string kScanId = "<scan.1@dealer.test>";

// The body as OCR would have read it from the technician's scan.
std::string scanned_values(const std::string& service_date = us_date(kServiceDate),
                           const std::string& technician = "Mike Ross") {
  return "Technician Name: " + technician + "\r\nDate of Service: " + service_date +
         "\r\nArrival Time: 9:30 AM\r\nCompletion Time: 11:15 AM\r\n"
         "Problem Found: Printhead contacts corroded\r\n"
         "Corrective Action: Cleaned contacts, replaced printhead\r\n"
         "Parts Used: QY6-0083 x1\r\ne-Tag Number: ET4471203\r\nCall Status: Completed\r\n";
}

struct CtlRun {
  int status = -1;
  std::string out;
  std::string err;
};

// A reply with Section 2 only in a photo, as a phone's mail app sends it.
std::string scan_reply(const std::string& number, const std::string& id) {
  return "From: Mike Ross <mike.ross@dealer.test>\r\nTo: dispatch@dealer.test\r\n"
         "Subject: Re: [CITS #" +
         number + "] Service Dispatch\r\nMessage-ID: " + id +
         "\r\nIn-Reply-To: <notice.1@dealer.test>\r\nReferences: <notice.1@dealer.test>\r\n"
         "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
         "Content-Type: text/plain\r\n\r\nSection 2 attached.\r\n--b\r\n"
         "Content-Type: image/png\r\nContent-Disposition: attachment; filename=\"scan.png\"\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgoAAAANSUhEUg==\r\n--b--\r\n";
}

class ReviewTest : public WorkflowTest {
 protected:
  // Delivers a scan whose OCR reads `values` (the in-process stand-in for the helper's OCR).
  workflow::Disposition deliver_scan(const std::string& values, const std::string& id = kScanId,
                                     const std::string& number = kNumber) {
    auto w = runtime_->workflow();
    w.read_attachment = [values](const BinaryPart& part, std::string_view kind) {
      AttachmentReading r;
      r.filename = part.filename;
      r.type = std::string(kind);
      r.read = AttachmentRead::ocr;
      r.text = values;
      r.min_confidence = 71;
      return r;
    };
    std::string bytes = scan_reply(number, id);
    workflow::IncomingMessage in{1, ++uid_, bytes.size(), &bytes};
    return workflow::process_message(w, in, kNow, kToday);
  }

  void notified_dispatch() {
    deliver_dispatch(kNumber);
    send_all();
  }

  workflow::ApproveResult approve(const std::vector<workflow::Correction>& corrections = {}) {
    auto w = runtime_->workflow();
    return workflow::approve_review(w, kNumber, corrections, "dana", kNow + 60, kToday);
  }

  std::vector<store::EventRecord> events(const std::string& name) {
    std::vector<store::EventRecord> out;
    for (auto& e : store::DispatchStore(runtime_->db()).timeline(kNumber))
      if (e.event == name) out.push_back(std::move(e));
    return out;
  }

  CtlRun ctl(const std::string& args) {
    std::string cmd = std::string(CLOSEOUTCTL_PATH) + " --config " + dir_ + "/closeoutd.toml " +
                      args + " >" + dir_ + "/ctl.out 2>" + dir_ + "/ctl.err";
    int raw = std::system(cmd.c_str());
    auto slurp = [](const std::string& path) {
      std::ifstream in(path);
      std::ostringstream s;
      s << in.rdbuf();
      return s.str();
    };
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir_ + "/ctl.out"),
            slurp(dir_ + "/ctl.err")};
  }
};

TEST_F(ReviewTest, AScannedSection2IsHeldAndTheAdminsAreToldWhatWasReadAndHowToDecide) {
  notified_dispatch();
  auto intake = deliver_scan(scanned_values());
  EXPECT_EQ(intake.action, "Section 2 read by OCR; held for review, admins told");
  EXPECT_EQ(intake.folder, "Processed");
  EXPECT_EQ(dispatch(kNumber).state, "review");
  auto held = events("section2 needs review");
  ASSERT_EQ(held.size(), 1U);
  EXPECT_EQ(held[0].message_id, kScanId);
  EXPECT_EQ(held[0].from_state, "notified");
  EXPECT_TRUE(contains(held[0].detail, "from OCR: technician_name, service_date"))
      << held[0].detail;
  EXPECT_TRUE(contains(held[0].detail, "(scan.png)")) << held[0].detail;

  auto told = outbox("review_needed");
  ASSERT_EQ(told.size(), 1U);
  const auto& m = told[0];
  EXPECT_EQ(m.recipients, std::vector<std::string>{"manager@dealer.test"});
  EXPECT_EQ(m.envelope_from, "dispatch@dealer.test") << "a notice from the dealer, not <>";
  EXPECT_TRUE(contains(m.subject, "[CITS #7012345678]")) << m.subject;
  EXPECT_TRUE(contains(m.content, "SN AAB01234")) << m.content;
  EXPECT_TRUE(contains(m.content, "- Technician Name (technician_name): Mike Ross")) << m.content;
  EXPECT_TRUE(contains(m.content, "from attachment:scan.png (OCR, lowest word confidence 71%)"))
      << m.content;
  EXPECT_TRUE(contains(m.content, "approve 7012345678\r\n")) << m.content;
  EXPECT_TRUE(contains(m.content, "approve 7012345678 --set KEY=VALUE")) << m.content;
  EXPECT_TRUE(contains(m.content, "reject 7012345678 \"reason\"")) << m.content;
  EXPECT_TRUE(contains(m.content, kScanId)) << "the admin can find the technician's mail";
  EXPECT_FALSE(contains(m.content, "The Section 2 rules found")) << "nothing wrong as read";

  EXPECT_TRUE(outbox("closeout").empty()) << "nothing to Canon unseen";
  EXPECT_TRUE(outbox("problems").empty());
  EXPECT_TRUE(outbox("confirmation").empty());
  // The technician has answered: reminders leave it alone; the report shows what waits.
  auto w = runtime_->workflow();
  auto chased = workflow::queue_due_reminders(w, kNow + 30 * 86400);
  EXPECT_EQ(chased.reminders + chased.escalations, 0);
  auto figures = workflow::report_figures(runtime_->db(), runtime_->config(), kNow + 86400);
  EXPECT_EQ(figures.open, 1);
  for (const auto& [state, count] : figures.by_state)
    EXPECT_EQ(count, state == "review" ? 1 : 0) << state;
}

TEST_F(ReviewTest, WhatOcrGotWrongIsShownToTheAdminsNeverSentToTheTechnician) {
  notified_dispatch();
  deliver_scan(scanned_values("11/2A/2026"));
  EXPECT_EQ(dispatch(kNumber).state, "review");
  ASSERT_EQ(outbox("review_needed").size(), 1U);
  const std::string m = outbox("review_needed")[0].content;
  EXPECT_TRUE(contains(m, "The Section 2 rules found these in what was read:")) << m;
  EXPECT_TRUE(contains(m, "- Date of Service:")) << m;
  EXPECT_TRUE(outbox("problems").empty());
  EXPECT_TRUE(contains(events("section2 needs review")[0].detail, "as read: service_date"));
}

TEST_F(ReviewTest, ApprovedAsReadItIsClosedOutOnceAndConfirmedToTheTechnician) {
  notified_dispatch();
  deliver_scan(scanned_values());
  auto result = approve();
  EXPECT_TRUE(result.approved);
  EXPECT_EQ(result.state, "closing");
  EXPECT_EQ(dispatch(kNumber).state, "closing");
  auto closeouts = outbox("closeout");
  ASSERT_EQ(closeouts.size(), 1U);
  EXPECT_EQ(closeouts[0].id, result.outbox_id);
  EXPECT_EQ(closeouts[0].recipients, std::vector<std::string>{"isgservice@closeout.test"});
  EXPECT_TRUE(contains(closeouts[0].content, "Technician Name: Mike Ross"));
  EXPECT_TRUE(contains(closeouts[0].content, "Date of Service: 2026-11-24"));
  auto approved = events("review approved");
  ASSERT_EQ(approved.size(), 1U);
  EXPECT_EQ(approved[0].from_state, "review");
  EXPECT_EQ(approved[0].to_state, "closing");
  EXPECT_EQ(approved[0].message_id, kScanId);
  EXPECT_TRUE(contains(approved[0].detail, "by dana; as read")) << approved[0].detail;

  send_all(workflow::SendVerdict::accepted, kNow + 120);
  EXPECT_EQ(dispatch(kNumber).state, "closed_out");
  auto confirmations = outbox("confirmation");
  ASSERT_EQ(confirmations.size(), 1U);
  EXPECT_EQ(confirmations[0].recipients, std::vector<std::string>{"mike.ross@dealer.test"});
  EXPECT_EQ(header(confirmations[0].content, "In-Reply-To"), kScanId);

  EXPECT_THROW(approve(), workflow::NotInReview) << "decided once";
  EXPECT_EQ(outbox("closeout").size(), 1U);
}

TEST_F(ReviewTest, AnInvalidReadingIsNotApprovedUntilCorrected) {
  notified_dispatch();
  deliver_scan(scanned_values("11/2A/2026", "Mike R0ss"));
  auto refused = approve();
  EXPECT_FALSE(refused.approved);
  ASSERT_EQ(refused.problems.size(), 1U);
  EXPECT_EQ(refused.problems[0].field, "service_date");
  EXPECT_EQ(dispatch(kNumber).state, "review");
  EXPECT_TRUE(outbox("closeout").empty());
  EXPECT_TRUE(events("review approved").empty()) << "a refused approve changes nothing";

  auto result = approve({{"service_date", "11/24/2026"}, {"technician_name", "Mike Ross"}});
  ASSERT_TRUE(result.approved) << (result.problems.empty() ? "" : result.problems[0].message);
  auto closeouts = outbox("closeout");
  ASSERT_EQ(closeouts.size(), 1U);
  EXPECT_TRUE(contains(closeouts[0].content, "Technician Name: Mike Ross\r\n"));
  EXPECT_FALSE(contains(closeouts[0].content, "R0ss"));
  EXPECT_TRUE(contains(closeouts[0].content, "Date of Service: 2026-11-24"));
  auto detail = events("review approved").at(0).detail;
  EXPECT_TRUE(contains(detail, "service_date \"11/2A/2026\" -> \"11/24/2026\"")) << detail;
  EXPECT_TRUE(contains(detail, "technician_name \"Mike R0ss\" -> \"Mike Ross\"")) << detail;
}

TEST_F(ReviewTest, ACorrectionBeforeTheRecordedDispatchDateIsNotApproved) {
  // The scan carries no Section 1: approval checks against the dispatch as CITS sent it.
  notified_dispatch();
  deliver_scan(scanned_values());
  auto refused = approve({{"service_date", us_date(days_before(kDispatchDate, 1))}});
  EXPECT_FALSE(refused.approved);
  ASSERT_EQ(refused.problems.size(), 1U);
  EXPECT_EQ(refused.problems[0].field, "service_date");
  EXPECT_TRUE(
      contains(refused.problems[0].message, "before the dispatch date " + iso_date(kDispatchDate)))
      << refused.problems[0].message;
  EXPECT_EQ(dispatch(kNumber).state, "review");
  EXPECT_TRUE(outbox("closeout").empty());
}

TEST_F(ReviewTest, ACorrectionToAnUnknownKeyIsRefusedWithTheKeys) {
  notified_dispatch();
  deliver_scan(scanned_values());
  try {
    approve({{"labour", "2"}});
    ADD_FAILURE() << "approved with an unknown key";
  } catch (const workflow::UnknownFieldKey& e) {
    EXPECT_TRUE(contains(e.what(), "labour")) << e.what();
    EXPECT_TRUE(contains(e.what(), "technician_name, service_date")) << e.what();
    EXPECT_TRUE(contains(e.what(), "call_status")) << e.what();
  }
  EXPECT_THROW(approve({{"model", "x"}}), workflow::UnknownFieldKey) << "Section 1 is CITS's";
  EXPECT_EQ(dispatch(kNumber).state, "review");
}

TEST_F(ReviewTest, ApprovedWithCallStatusPendingItGoesOnHoldAndTheTechnicianIsTold) {
  notified_dispatch();
  deliver_scan(scanned_values());
  auto result = approve({{"call_status", "Pending"}});
  ASSERT_TRUE(result.approved);
  EXPECT_EQ(dispatch(kNumber).state, "on_hold");
  EXPECT_TRUE(outbox("closeout").empty());
  ASSERT_EQ(outbox("pending").size(), 1U);
  EXPECT_EQ(header(outbox("pending")[0].content, "In-Reply-To"), kScanId);
}

TEST_F(ReviewTest, ARejectionAnswersTheTechnicianWithTheReasonAndReopensTheDispatch) {
  notified_dispatch();
  deliver_scan(scanned_values());
  auto w = runtime_->workflow();
  auto id = workflow::reject_review(w, kNumber, "The photo is cut off below Parts Used.", "dana",
                                    kNow + 60);
  EXPECT_NE(id, 0);
  EXPECT_EQ(dispatch(kNumber).state, "rejected");
  auto answers = outbox("problems");
  ASSERT_EQ(answers.size(), 1U);
  const auto& a = answers[0];
  EXPECT_EQ(a.id, id);
  EXPECT_EQ(a.recipients, std::vector<std::string>{"mike.ross@dealer.test"});
  EXPECT_EQ(a.envelope_from, "") << "an automatic answer goes from <> (RFC 3834)";
  EXPECT_EQ(header(a.content, "In-Reply-To"), kScanId);
  EXPECT_TRUE(contains(header(a.content, "References"), "<notice.1@dealer.test>"));
  EXPECT_TRUE(contains(a.content, "The photo is cut off below Parts Used.")) << a.content;
  EXPECT_TRUE(contains(a.content, "Technician Name: \r\n")) << "a blank Section 2 to type into";
  auto rejected = events("review rejected");
  ASSERT_EQ(rejected.size(), 1U);
  EXPECT_EQ(rejected[0].detail, "by dana: The photo is cut off below Parts Used.");
  EXPECT_TRUE(outbox("closeout").empty());
  // Open again: the reminders chase it.
  auto chased = workflow::queue_due_reminders(w, kNow + 30 * 86400);
  EXPECT_EQ(chased.reminders + chased.escalations, 1);
  EXPECT_THROW(workflow::reject_review(w, kNumber, "again", "dana", kNow), workflow::NotInReview);
}

TEST_F(ReviewTest, OnlyADispatchInReviewCanBeApprovedOrRejected) {
  notified_dispatch();
  auto w = runtime_->workflow();
  EXPECT_THROW(approve(), workflow::NotInReview);
  EXPECT_THROW(workflow::reject_review(w, kNumber, "x", "dana", kNow), workflow::NotInReview);
  try {
    workflow::approve_review(w, "7000000000", {}, "dana", kNow, kToday);
    ADD_FAILURE();
  } catch (const workflow::NotInReview&) {
    ADD_FAILURE() << "an unknown dispatch is not 'not in review'";
  } catch (const workflow::AdminError& e) {
    EXPECT_TRUE(contains(e.what(), "no dispatch 7000000000")) << e.what();
  }
  EXPECT_TRUE(outbox("closeout").empty());
}

TEST_F(ReviewTest, ATypedReplyAfterTheScanGoesTheUsualWayAndReplacesIt) {
  notified_dispatch();
  deliver_scan(scanned_values());
  auto d = deliver_reply(kNumber, complete_section2(kServiceDate), "<typed.2@dealer.test>");
  EXPECT_EQ(d.action, "Section 2 complete; close-out queued");
  EXPECT_EQ(dispatch(kNumber).state, "closing");
  EXPECT_EQ(outbox("closeout").size(), 1U);
  ASSERT_EQ(events("review superseded").size(), 1U);
  EXPECT_EQ(events("review superseded")[0].message_id, "<typed.2@dealer.test>");
  EXPECT_THROW(approve(), workflow::NotInReview);
  EXPECT_EQ(outbox("closeout").size(), 1U) << "never two close-outs";
}

TEST_F(ReviewTest, CloseoutctlListsApprovesAndRejects) {
  notified_dispatch();
  deliver_scan(scanned_values("11/2A/2026"));
  deliver_dispatch("7012345679", "AAB05678");
  deliver_scan(scanned_values(), "<scan.2@dealer.test>", "7012345679");

  auto list = ctl("review --json");
  ASSERT_EQ(list.status, 0) << list.err;
  auto j = nlohmann::json::parse(list.out);
  ASSERT_EQ(j.size(), 2U);
  EXPECT_EQ(j[0]["dispatch_number"], kNumber);
  EXPECT_EQ(j[0]["state"], "review");
  EXPECT_EQ(j[0]["message_id"], kScanId);
  EXPECT_EQ(j[0]["from"], "mike.ross@dealer.test");
  EXPECT_EQ(j[0]["fields"]["service_date"], "11/2A/2026");
  EXPECT_EQ(j[0]["field_sources"]["service_date"], "attachment:scan.png");
  EXPECT_EQ(j[0]["ocr_confidence"]["service_date"], 71.0);
  EXPECT_EQ(j[0]["attachments"][0]["read"], "ocr");
  EXPECT_GT(j[0]["waiting_seconds"].get<long>(), 0);
  auto text = ctl("review");
  EXPECT_EQ(text.status, 0);
  EXPECT_TRUE(contains(text.out, "Dispatch 7012345678")) << text.out;
  EXPECT_TRUE(contains(text.out, "11/2A/2026")) << text.out;
  EXPECT_TRUE(contains(text.out, "attachment:scan.png (OCR 71%)")) << text.out;
  auto listed = nlohmann::json::parse(ctl("list --status review --json").out);
  EXPECT_EQ(listed.size(), 2U);
  auto report = nlohmann::json::parse(ctl("report --json").out);
  EXPECT_EQ(report["by_state"]["review"], 2) << report.dump();

  auto unknown = ctl("approve " + kNumber + " --set labour=2");
  EXPECT_EQ(unknown.status, 64);
  EXPECT_TRUE(contains(unknown.err, "technician_name, service_date")) << unknown.err;
  EXPECT_EQ(ctl("approve " + kNumber + " --set service_date").status, 64);
  auto invalid = ctl("approve " + kNumber);
  EXPECT_EQ(invalid.status, 1);
  EXPECT_TRUE(contains(invalid.out, "Date of Service (service_date)")) << invalid.out;
  EXPECT_TRUE(contains(invalid.err, "stays in review")) << invalid.err;
  EXPECT_EQ(dispatch(kNumber).state, "review");
  auto fixed = ctl("approve " + kNumber + " --set service_date=11/24/2026 --set labor_hours=1.75");
  EXPECT_EQ(fixed.status, 0) << fixed.out << fixed.err;
  EXPECT_TRUE(contains(fixed.out, "close-out is queued as outbox entry")) << fixed.out;
  EXPECT_EQ(dispatch(kNumber).state, "closing");
  ASSERT_EQ(outbox("closeout").size(), 1U);
  EXPECT_TRUE(contains(outbox("closeout")[0].content, "Date of Service: 2026-11-24"));
  auto again = ctl("approve " + kNumber);
  EXPECT_EQ(again.status, 1);
  EXPECT_TRUE(contains(again.err, "not waiting in review (state closing)")) << again.err;
  EXPECT_EQ(ctl("approve 7000000000").status, 65);

  auto rejected = ctl("reject 7012345679 'Please type the meter reading.'");
  EXPECT_EQ(rejected.status, 0) << rejected.err;
  EXPECT_EQ(dispatch("7012345679").state, "rejected");
  ASSERT_EQ(outbox("problems").size(), 1U);
  EXPECT_TRUE(contains(outbox("problems")[0].content, "Please type the meter reading."));
  EXPECT_EQ(ctl("reject 7012345679 'again'").status, 1);
  EXPECT_EQ(ctl("reject " + kNumber + " ''").status, 64);
  EXPECT_EQ(nlohmann::json::parse(ctl("review --json").out).size(), 0U);
  EXPECT_TRUE(contains(ctl("review").out, "No dispatches waiting in review.")) << "said, not blank";
}

}  // namespace
}  // namespace closeout::testing
