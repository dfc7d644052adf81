// SPDX-License-Identifier: GPL-3.0-or-later
// What an admin asks for through closeoutctl. These only change the database and queue mail;
// the daemon sends it (SPEC: retry and resend only queue work).
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "ascr_csv.h"
#include "workflow.h"

namespace closeout::workflow {

// A request that cannot be done as asked (unknown id, nothing to resend): exit 65.
class AdminError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failed (or still pending) outbox entry becomes due now; a refused close-out puts its
// dispatch back to closing.
void retry_outbox(Workflow& w, std::int64_t id, store::Timestamp now);
// Queues the close-out of a dispatch with an accepted Section 2 again (a new Message-ID).
// Returns the new outbox id.
std::int64_t resend_closeout(Workflow& w, const std::string& number, store::Timestamp now);

struct AscrImport {
  std::size_t imported = 0;  // distinct serials now registered
  std::vector<AscrRejected> rejected;
  std::size_t unregistered_open = 0;  // open dispatches flagged unregistered afterwards
};
AscrImport import_ascr(Workflow& w, std::string_view csv, store::Timestamp now);

}  // namespace closeout::workflow
