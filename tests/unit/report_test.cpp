// SPDX-License-Identifier: GPL-3.0-or-later
// The admin's figures: what `closeoutctl report` and the weekly digest count, and the CSV a
// spreadsheet gets, with the labour at risk decided once for both.
#include <sys/wait.h>

#include <sstream>

#include "report_figures.h"
#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

class ReportTest : public WorkflowTest {
 protected:
  // A day, so that "at risk" does not depend on how long ago kNow was when the test runs.
  std::string extra_config() override { return "[reminders]\nescalate_after = \"1d\"\n"; }

  void open_and_closed() {
    deliver_dispatch("7012345678");
    deliver_dispatch("7012345679", "BBC05678");
    deliver_reply("7012345679", complete_section2(kServiceDate), "<r@dealer.test>");
    send_all();
  }
};

TEST_F(ReportTest, OpenDispatchesPastTheDeadlineAreTheLabourAtRisk) {
  open_and_closed();
  auto early = workflow::report_figures(runtime_->db(), runtime_->config(), kNow + 3600);
  EXPECT_EQ(early.open, 1);
  EXPECT_TRUE(early.at_risk.empty()) << "an hour old";
  auto late = workflow::report_figures(runtime_->db(), runtime_->config(), kNow + 10 * 86400);
  ASSERT_EQ(late.at_risk.size(), 1U);
  EXPECT_EQ(late.at_risk[0]->number, "7012345678");
  EXPECT_EQ(late.ageing[2].count, 1) << "10 days old: the 8-30 bucket";
  EXPECT_FALSE(late.labour_at_risk(dispatch("7012345679"))) << "closed out: nothing at risk";
  for (const auto& [state, count] : late.by_state)
    EXPECT_EQ(count, state == "notified" || state == "closed_out" ? 1 : 0) << state;
}

TEST_F(ReportTest, CsvHasOneRowPerDispatchWithItsRisk) {
  open_and_closed();
  std::string out = dir_ + "/report.csv";
  std::string cmd = std::string(CLOSEOUTCTL_PATH) + " --config " + dir_ +
                    "/closeoutd.toml report --csv >" + out + " 2>&1";
  int raw = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << cmd;
  std::ifstream in(out);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0],
            "dispatch_number,state,flags,model,serial_number,customer_name,received_at,age_days,"
            "closed_out_at,at_risk");
  auto row = [&](const std::string& number) {
    for (const auto& l : lines)
      if (l.rfind(number + ",", 0) == 0) return l;
    return std::string();
  };
  // kNow is days before any day this test runs, and escalate_after is one day.
  EXPECT_EQ(row("7012345678").substr(row("7012345678").rfind(',') + 1), "yes") << row("7012345678");
  EXPECT_EQ(row("7012345679").substr(row("7012345679").rfind(',') + 1), "no") << row("7012345679");
  EXPECT_NE(row("7012345679").find(",closed_out,"), std::string::npos) << row("7012345679");
}

}  // namespace
}  // namespace closeout::testing
