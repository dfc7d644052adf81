// SPDX-License-Identifier: GPL-3.0-or-later
// The close-out itself: Section 1 as CITS sent it and the accepted Section 2, in the form's
// order and labels, to cits.closeout_address From the dealer, so a person at CITS needs
// nothing else to process it. Queued from a valid reply, and again by an admin's resend.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "dispatch_store.h"
#include "workflow.h"

namespace closeout::workflow {

std::int64_t queue_closeout_mail(Workflow& w, const store::DispatchRecord& dispatch,
                                 const nlohmann::json& section2, store::Timestamp now,
                                 std::string caused_by);

}  // namespace closeout::workflow
