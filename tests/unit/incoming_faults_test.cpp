// SPDX-License-Identifier: GPL-3.0-or-later
// Whose fault a failure in process_message is (issue 11): a fault of the MESSAGE quarantines it
// with its Message-ID and From; a fault of OURS records nothing and leaves it in INBOX, so it is
// processed normally once the fault is fixed (it used to be quarantined as "unreadable" for good).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

class IncomingFaults : public WorkflowTest {
 protected:
  // The fixture's configuration with one line replaced, opened as closeoutctl would (no
  // start-up check: this is what a check that missed something would leave us with).
  void open_with(const std::string& line, const std::string& replacement) {
    std::ifstream in(dir_ + "/closeoutd.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    auto at = config.find(line);
    ASSERT_NE(at, std::string::npos);
    config.replace(at, line.size(), replacement);
    runtime_.reset();
    std::ofstream(dir_ + "/broken.toml") << config;
    runtime_ = workflow::Runtime::open(dir_ + "/broken.toml");
  }
};

TEST_F(IncomingFaults, AFaultOfOursLeavesTheMessageUnrecordedInTheMailboxUntilFixed) {
  open_with("from = \"Acme Service <dispatch@dealer.test>\"", "from = \"\"");
  auto d = deliver_dispatch("7012345678");
  EXPECT_TRUE(d.held_back) << d.action;
  EXPECT_FALSE(d.quarantined) << "a dispatch is never quarantined for our fault: " << d.action;
  EXPECT_TRUE(d.folder.empty()) << "not to be moved, got " << d.folder;
  EXPECT_EQ(d.message_id, "<cits.7012345678@cits.canon.com>") << "named in the log line";
  EXPECT_NE(d.action.find("smtp.from"), std::string::npos) << d.action;
  EXPECT_FALSE(store::MessageLog(runtime_->db()).find_uid(1, uid_)) << "nothing recorded";
  EXPECT_FALSE(store::DispatchStore(runtime_->db()).find("7012345678")) << "rolled back";

  reopen("");  // the admin fixes the configuration; the next sync reads the same UID again
  auto again = redeliver_same_uid(
      cits_dispatch("7012345678", "AAB01234", kDispatchDate, "<cits.7012345678@cits.canon.com>"));
  EXPECT_FALSE(again.held_back) << again.action;
  EXPECT_FALSE(again.already_recorded);
  EXPECT_EQ(again.folder, "Processed") << again.action;
  EXPECT_EQ(dispatch("7012345678").number, "7012345678");
  EXPECT_EQ(outbox("notice").size(), 1U);
}

// A sender closeoutd cannot answer (no usable From) once made composing the problems reply
// throw, and with dealer.technicians open to anyone that counted as a fault of ours: the
// message would have been held back for ever. It is handled, and only the answer is left out.
TEST_F(IncomingFaults, AReplyFromASenderWeCannotAnswerIsHandledNotHeldBack) {
  open_with("technicians = [\"*@dealer.test\"]", "technicians = []");
  deliver_dispatch("7012345678");
  auto d = deliver_reply("7012345678", incomplete_section2(), "<odd.sender.1@dealer.test>",
                         "Mike Ross <mike;ross@dealer.test>");
  EXPECT_FALSE(d.held_back) << d.action;
  EXPECT_FALSE(d.quarantined) << d.action;
  EXPECT_EQ(d.folder, "Processed") << d.action;
  auto record = store::MessageLog(runtime_->db()).find_uid(1, uid_);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->message_id, "<odd.sender.1@dealer.test>");
  EXPECT_NE(record->detail.find("cannot be answered"), std::string::npos) << record->detail;
  EXPECT_TRUE(outbox("problems").empty()) << "no answer to nobody";
  EXPECT_EQ(dispatch("7012345678").state, "rejected");
  bool noted = false;
  for (const auto& e : store::DispatchStore(runtime_->db()).timeline("7012345678"))
    noted = noted || e.detail.find("cannot be answered") != std::string::npos;
  EXPECT_TRUE(noted) << "the timeline says why no answer went";
}

}  // namespace
}  // namespace closeout::testing
