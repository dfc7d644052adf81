// SPDX-License-Identifier: GPL-3.0-or-later
// What the end-to-end tests need around the real binaries: a private configuration and
// database per test (its own mailboxes on the shared local stack), mail put into and read out of
// IMAP mailboxes, and closeoutd/closeoutctl run as processes, the way an admin runs them.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mail_stack.h"

namespace closeout::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program to its end (killed after timeout) and returns what it said.
RunResult run(const std::vector<std::string>& argv,
              std::chrono::seconds timeout = std::chrono::seconds(60));
// The same, with NAME=value entries added to this process's environment for the child only
// (setenv would race with the other threads of a test).
RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
              std::chrono::seconds timeout = std::chrono::seconds(60));

class Scenario {
 public:
  // name makes the mailboxes unique: dispatch-<name>@dealer.test and so on.
  explicit Scenario(const std::string& name, const std::string& extra_config = "");
  ~Scenario();

  std::string dispatch_box() const { return "dispatch-" + name_ + "@dealer.test"; }
  std::string techs() const { return "techs-" + name_ + "@dealer.test"; }
  std::string manager() const { return "manager-" + name_ + "@dealer.test"; }
  std::string closeout_box() const { return "isgservice-" + name_ + "@closeout.test"; }
  std::string technician(const std::string& who) const {
    return who + "-" + name_ + "@dealer.test";
  }
  const std::string& config_path() const { return config_path_; }
  const std::string& dir() const { return dir_; }

  // Rewrites the configuration; keys in extra override nothing, they are appended.
  void write_config(const std::string& extra_config, int smtp_port = 0,
                    const std::string& closeout_address = "");

  void deliver(const std::string& message) const;  // APPEND to the dispatch mailbox
  void deliver_all(const std::vector<std::string>& messages) const;  // on one connection
  std::vector<std::string> messages(const std::string& user,
                                    const std::string& folder = "INBOX") const;
  // Polls until user's INBOX holds at least count messages; returns them.
  std::vector<std::string> wait_for(const std::string& user, std::size_t count,
                                    std::chrono::seconds timeout = std::chrono::seconds(10)) const;

  RunResult once() const;
  RunResult once(const std::vector<std::string>& extra_env) const;  // NAME=value for closeoutd
  RunResult ctl(const std::vector<std::string>& args) const;
  nlohmann::json ctl_json(const std::vector<std::string>& args) const;

 private:
  std::string name_;
  std::string dir_;
  std::string config_path_;
};

std::string header_of(const std::string& message, const std::string& name);
// The entry for one dispatch in `closeoutctl list --json`, or null.
nlohmann::json by_number(const nlohmann::json& list, const std::string& number);
std::string today_minus(int days);  // "MM/DD/YYYY" on the local clock, as closeoutd sees it
std::chrono::year_month_day local_day(int days_ago);

}  // namespace closeout::testing
