// SPDX-License-Identifier: GPL-3.0-or-later
// The closeoutctl commands that read or change the database (SPEC "Commands"): list, show,
// report, outbox, retry, resend, ascr import, review, approve, reject. They open the same SQLite
// file as the daemon (WAL: safe while it runs); retry, resend, approve and reject only queue work,
// which the daemon sends.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "database.h"
#include "runtime.h"

namespace closeout {

struct StoreCommandContext {
  std::string config_path;
  std::ostream& out;
  std::ostream& err;
};

struct ListOptions {
  std::string status;
  bool overdue = false;
  bool json = false;
};
struct ReportOptions {
  bool json = false;
  bool csv = false;
};
struct OutboxOptions {
  bool json = false;
  bool all = false;
};

// The clock the commands act at, and the runtime of c.config_path (nullptr after one line on
// c.err; exit_code says which).
store::Timestamp now();
std::unique_ptr<workflow::Runtime> open_runtime(const StoreCommandContext& c, int& exit_code);

int run_list(const StoreCommandContext& c, const ListOptions& o);
int run_show(const StoreCommandContext& c, const std::string& number, bool json);
int run_report(const StoreCommandContext& c, const ReportOptions& o);
int run_outbox(const StoreCommandContext& c, const OutboxOptions& o);
int run_retry(const StoreCommandContext& c, std::int64_t outbox_id);
int run_resend(const StoreCommandContext& c, const std::string& number);
int run_ascr_import(const StoreCommandContext& c, const std::string& csv_path);

// review_commands.cpp: the Section 2 replies read by OCR, waiting for a person.
struct ApproveOptions {
  std::string number;
  std::vector<std::string> set;  // KEY=VALUE
};
int run_review(const StoreCommandContext& c, bool json);
int run_approve(const StoreCommandContext& c, const ApproveOptions& o);
int run_reject(const StoreCommandContext& c, const std::string& number, const std::string& reason);

}  // namespace closeout
