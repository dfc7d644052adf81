// The closeoutctl commands that read or change the database (SPEC "Commands"): list, show,
// report, outbox, retry, resend, ascr import. They open the same SQLite file as the daemon
// (WAL: safe while it runs); retry and resend only queue work, which the daemon sends.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>

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

int run_list(const StoreCommandContext& c, const ListOptions& o);
int run_show(const StoreCommandContext& c, const std::string& number, bool json);
int run_report(const StoreCommandContext& c, const ReportOptions& o);
int run_outbox(const StoreCommandContext& c, const OutboxOptions& o);
int run_retry(const StoreCommandContext& c, std::int64_t outbox_id);
int run_resend(const StoreCommandContext& c, const std::string& number);
int run_ascr_import(const StoreCommandContext& c, const std::string& csv_path);

}  // namespace closeout
