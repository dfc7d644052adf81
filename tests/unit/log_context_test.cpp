// SPDX-License-Identifier: GPL-3.0-or-later
// The fields a log line carries into the journal come from the innermost live context, and an
// inner context ending gives the outer one back (a send logged inside a message's handling).
#include <gtest/gtest.h>

#include "log_context.h"

namespace closeout {
namespace {

TEST(LogContext, InnermostScopeWinsAndTheOuterComesBack) {
  EXPECT_TRUE(current_log_context().dispatch_number.empty());
  {
    ScopedLogContext outer({"7012345678", "<a@x>", "", "notified"});
    EXPECT_EQ(current_log_context().dispatch_number, "7012345678");
    {
      ScopedLogContext inner({"7012345679", "<b@x>", "12", "closed_out"});
      EXPECT_EQ(current_log_context().dispatch_number, "7012345679");
      EXPECT_EQ(current_log_context().outbox_id, "12");
    }
    EXPECT_EQ(current_log_context().message_id, "<a@x>");
    EXPECT_EQ(current_log_context().closeout_state, "notified");
    EXPECT_TRUE(current_log_context().outbox_id.empty());
  }
  EXPECT_TRUE(current_log_context().dispatch_number.empty());
}

}  // namespace
}  // namespace closeout
