// SPDX-License-Identifier: GPL-3.0-or-later
// A workflow on a fresh database in a temporary directory, with a test configuration and the
// compiled-in templates, and helpers to deliver mail to it as the IMAP sync would.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "admin_actions.h"
#include "ascr_registry.h"
#include "database.h"
#include "dispatch_store.h"
#include "incoming_mail.h"
#include "message_log.h"
#include "outbox_store.h"
#include "reminders.h"
#include "runtime.h"
#include "sample_mail.h"
#include "send_results.h"

namespace closeout::testing {

inline constexpr std::chrono::year_month_day kToday{std::chrono::year{2026}, std::chrono::month{11},
                                                    std::chrono::day{25}};
inline constexpr store::Timestamp kNow = 1795600000;  // 2026-11-25
inline const std::chrono::year_month_day kDispatchDate = days_before(kToday, 2);
inline const std::chrono::year_month_day kServiceDate = days_before(kToday, 1);

class WorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/closeoutd-workflow.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    reopen(extra_config());
  }
  void TearDown() override {
    runtime_.reset();
    std::filesystem::remove_all(dir_);
  }

  virtual std::string extra_config() { return ""; }

  void reopen(const std::string& extra) {
    runtime_.reset();
    std::ofstream(dir_ + "/closeoutd.toml") << R"([imap]
url = "imaps://127.0.0.1:1/INBOX"
username = "dispatch@dealer.test"
password_file = "/nonexistent"
[smtp]
url = "smtp://127.0.0.1:1"
username = "dispatch@dealer.test"
password_file = "/nonexistent"
from = "Acme Service <dispatch@dealer.test>"
[cits]
closeout_address = "isgservice@closeout.test"
[dealer]
name = "Acme Office Systems"
technicians = ["*@dealer.test"]
notify = ["techs@dealer.test"]
admins = ["Manager <manager@dealer.test>"]
[store]
path = ")" << dir_ << R"(/closeoutd.db"
)" << extra;
    runtime_ = workflow::Runtime::open(dir_ + "/closeoutd.toml");
  }

  workflow::Disposition deliver(const std::string& bytes, std::uint32_t uidvalidity = 1) {
    auto w = runtime_->workflow();
    workflow::IncomingMessage in{uidvalidity, ++uid_, bytes.size(), &bytes};
    return workflow::process_message(w, in, kNow, kToday);
  }
  workflow::Disposition redeliver_same_uid(const std::string& bytes) {
    auto w = runtime_->workflow();
    workflow::IncomingMessage in{1, uid_, bytes.size(), &bytes};
    return workflow::process_message(w, in, kNow, kToday);
  }
  workflow::Disposition deliver_dispatch(const std::string& number,
                                         const std::string& serial = "AAB01234") {
    return deliver(
        cits_dispatch(number, serial, kDispatchDate, "<cits." + number + "@cits.canon.com>"));
  }
  workflow::Disposition deliver_reply(
      const std::string& number, const std::string& body, const std::string& id,
      const std::string& from = "Mike Ross <mike.ross@dealer.test>") {
    ReplyHeaders h;
    h.from = from;
    h.message_id = id;
    h.subject = "Re: [CITS #" + number + "] Service Dispatch";
    return deliver(technician_reply(h, body));
  }

  std::vector<store::OutboxEntry> outbox(const std::string& kind = "") {
    std::vector<store::OutboxEntry> out;
    store::OutboxStore box(runtime_->db());
    for (const auto& e : box.list(true)) {
      if (kind.empty() || e.kind == kind) out.push_back(*box.get(e.id));
    }
    return out;
  }
  store::DispatchRecord dispatch(const std::string& number) {
    auto d = store::DispatchStore(runtime_->db()).find(number);
    EXPECT_TRUE(d.has_value()) << number;
    return d.value_or(store::DispatchRecord{});
  }
  // The SMTP server's verdict on every pending entry, as the outbox sender would apply it.
  void send_all(workflow::SendVerdict verdict = workflow::SendVerdict::accepted,
                store::Timestamp at = kNow) {
    auto w = runtime_->workflow();
    for (int round = 0; round < 5; ++round) {
      auto due = store::OutboxStore(runtime_->db()).due(at, 100);
      if (due.empty()) return;
      for (const auto& e : due)
        workflow::apply_send_result(
            w, e,
            {verdict,
             verdict == workflow::SendVerdict::accepted ? "250 2.0.0 Ok" : "550 5.1.1 refused"},
            at);
      if (verdict != workflow::SendVerdict::accepted) return;
    }
  }
  std::string header(const std::string& message, const std::string& name) {
    std::istringstream in(message);
    for (std::string line; std::getline(in, line);) {
      if (line == "\r" || line.empty()) break;
      if (line.rfind(name + ": ", 0) == 0) {
        if (line.back() == '\r') line.pop_back();
        return line.substr(name.size() + 2);
      }
    }
    return {};
  }

  std::string dir_;
  std::unique_ptr<workflow::Runtime> runtime_;
  std::uint32_t uid_ = 0;
};

}  // namespace closeout::testing
