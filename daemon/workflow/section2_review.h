// SPDX-License-Identifier: GPL-3.0-or-later
// Section 2 replies read by OCR wait for a person (SPEC "The form itself as an attachment":
// state review, the admins told, nothing sent until `closeoutctl approve`). Intake holds a
// reply here; approve re-checks it (with an admin's corrections) and queues the close-out as a
// typed reply would; reject answers the technician and reopens the dispatch. Nothing here reads
// a clock or talks to a server; a request that cannot be done is an AdminError.
#pragma once
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "admin_actions.h"
#include "analyze.h"
#include "dispatch_store.h"
#include "review_store.h"
#include "workflow.h"

namespace closeout::workflow {

// The timeline events of a review.
inline constexpr std::string_view kReviewHeldEvent = "section2 needs review";
inline constexpr std::string_view kReviewApprovedEvent = "review approved";
inline constexpr std::string_view kReviewRejectedEvent = "review rejected";

// The dispatch exists but is not waiting in review (closeoutctl exits 1).
class NotInReview : public AdminError {
 public:
  using AdminError::AdminError;
};

// approve --set KEY=VALUE with a KEY that is not a Section 2 field (closeoutctl exits 64).
class UnknownFieldKey : public AdminError {
 public:
  using AdminError::AdminError;
};

// Intake: holds the reply `a` for dispatch `d` (state review, event "section2 needs review")
// and queues the review_needed mail to dealer.admins. `check` is the Section 2 check of the
// values as read; its problems are shown to the admins, never sent to the technician here.
void hold_for_review(Workflow& w, const store::DispatchRecord& d, const Analysis& a,
                     const Section2Check& check, store::Timestamp now);

// One reply waiting, for `closeoutctl review`.
struct ReviewField {
  std::string key;
  std::string label;
  std::string value;  // as read
  std::string source;
  std::optional<double> ocr_confidence;  // the lowest word confidence of its attachment
};
struct WaitingReview {
  store::DispatchRecord dispatch;
  store::ReviewRecord review;
  std::vector<ReviewField> fields;  // in form order, Section 2 only
};
std::vector<WaitingReview> waiting_reviews(Workflow& w);

// The keys approve --set takes: every Section 2 field of the form, in form order.
std::vector<std::string> section2_keys(const FormDefinition& form);

struct Correction {
  std::string key;
  std::string value;
};

struct ApproveResult {
  bool approved = false;
  std::vector<Problem> problems;  // why not, when not approved (nothing changed)
  std::vector<Problem> warnings;
  std::string state;  // the dispatch's state afterwards
  std::int64_t outbox_id = 0;
};

// Re-checks the held values with `corrections` on top; valid: the close-out is queued (state
// closing; on_hold with the pending acknowledgement when the call status is pending), event
// "review approved" naming `who` and what was corrected. Invalid: nothing changes. Throws
// AdminError (no dispatch), NotInReview, UnknownFieldKey.
ApproveResult approve_review(Workflow& w, const std::string& number,
                             const std::vector<Correction>& corrections, const std::string& who,
                             store::Timestamp now, std::chrono::year_month_day today);

// Answers the technician with `reason` (threaded to their mail; not when it was automatic
// mail) and puts the dispatch back to rejected, so reminders chase it again. Returns the outbox
// id of the answer, 0 when none could be sent. Throws AdminError, NotInReview.
std::int64_t reject_review(Workflow& w, const std::string& number, const std::string& reason,
                           const std::string& who, store::Timestamp now);

// A newer Section 2 for a dispatch in review replaces the held one (intake, before acting on it).
void supersede_review(Workflow& w, const std::string& number, const std::string& message_id,
                      store::Timestamp now);

}  // namespace closeout::workflow
