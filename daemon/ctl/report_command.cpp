// `closeoutctl report`: what the service manager needs on one screen: dispatches by state, how
// long the open ones have waited, which are overdue, which close-outs the server refused, and
// how much labour is at risk (open past reminders.escalate_after). --csv: one row per dispatch.
#include <chrono>
#include <map>
#include <ostream>

#include "exit_codes.h"
#include "runtime.h"
#include "store_commands.h"
#include "store_json.h"
#include "text_table.h"

namespace closeout {

namespace {

struct Bucket {
  const char* name;
  long max_days;
};
constexpr Bucket kBuckets[] = {{"0-2", 2}, {"3-7", 7}, {"8-30", 30}, {">30", 1L << 30}};

std::string csv_cell(std::string s) {
  // A leading =, +, - or @ would be a formula to a spreadsheet.
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) s = "'" + s;
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

}  // namespace

int run_report(const StoreCommandContext& c, const ReportOptions& o) {
  std::unique_ptr<workflow::Runtime> rt;
  try {
    rt = workflow::Runtime::open(c.config_path);
  } catch (const std::exception& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
    return exit_code::config;
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  auto deadline = rt->config().reminders.escalate_after.count();
  auto dispatches = store::DispatchStore(rt->db()).list();
  // The workflow's order, not the alphabet's.
  std::vector<std::pair<std::string, int>> by_state;
  for (auto s : {store::state::received, store::state::notified, store::state::rejected,
                 store::state::on_hold, store::state::closing, store::state::failed,
                 store::state::closed_out})
    by_state.emplace_back(std::string(s), 0);
  auto count_state = [&](const std::string& s) {
    for (auto& [name, n] : by_state) {
      if (name == s) ++n;
    }
  };
  std::map<std::string, int> ageing;
  for (const auto& b : kBuckets) ageing[b.name] = 0;
  std::vector<const store::DispatchRecord*> overdue;
  std::vector<const store::DispatchRecord*> at_risk;
  int open = 0;
  int unregistered_open = 0;
  auto is_open = [](const store::DispatchRecord& d) { return d.state != store::state::closed_out; };
  auto age_days = [&](const store::DispatchRecord& d) { return (now - d.received_at) / 86400; };
  for (const auto& d : dispatches) {
    count_state(d.state);
    if (!is_open(d)) continue;
    ++open;
    if (d.unregistered) ++unregistered_open;
    for (const auto& b : kBuckets) {
      if (age_days(d) <= b.max_days) {
        ++ageing[b.name];
        break;
      }
    }
    if (d.overdue) overdue.push_back(&d);
    if (now - d.received_at > deadline) at_risk.push_back(&d);
  }
  std::vector<store::OutboxEntry> refused;
  for (auto& e : store::OutboxStore(rt->db()).list(false)) {
    if (e.kind == "closeout" && e.status == "failed") refused.push_back(std::move(e));
  }

  if (o.csv) {
    c.out << "dispatch_number,state,flags,model,serial_number,customer_name,received_at,"
             "age_days,closed_out_at,at_risk\n";
    for (const auto& d : dispatches) {
      std::string flags;
      for (const auto& f : d.flags()) flags += (flags.empty() ? "" : " ") + f;
      bool risk = is_open(d) && now - d.received_at > deadline;
      c.out << csv_cell(d.number) << ',' << d.state << ',' << csv_cell(flags) << ','
            << csv_cell(d.model) << ',' << csv_cell(d.serial_number) << ','
            << csv_cell(d.customer_name) << ',' << store::format_utc(d.received_at) << ','
            << age_days(d) << ',' << store::format_utc(d.closed_out_at) << ','
            << (risk ? "yes" : "no") << "\n";
    }
    return exit_code::ok;
  }
  if (o.json) {
    nlohmann::ordered_json j;
    j["generated_at"] = store::format_utc(now);
    j["total"] = dispatches.size();
    j["open"] = open;
    nlohmann::ordered_json states;
    for (const auto& [state, count] : by_state) states[state] = count;
    j["by_state"] = states;
    nlohmann::ordered_json age;
    for (const auto& b : kBuckets) age[b.name] = ageing[b.name];
    j["ageing_days"] = age;
    auto list = [](const std::vector<const store::DispatchRecord*>& v) {
      auto a = nlohmann::ordered_json::array();
      for (const auto* d : v) a.push_back(dispatch_json(*d));
      return a;
    };
    j["overdue"] = list(overdue);
    j["labour_at_risk"] = list(at_risk);
    j["unregistered_open"] = unregistered_open;
    auto failed = nlohmann::ordered_json::array();
    for (const auto& e : refused) failed.push_back(outbox_json(e));
    j["closeouts_failed"] = failed;
    c.out << j.dump(2) << "\n";
    return exit_code::ok;
  }
  c.out << "closeoutd report, " << store::format_utc(now) << "\n\n";
  c.out << dispatches.size() << " dispatch(es), " << open << " open\n\n";
  TextTable states({"STATE", "COUNT"});
  for (const auto& [state, count] : by_state) states.add({state, std::to_string(count)});
  states.print(c.out);
  c.out << "\nOpen dispatches by age (days)\n";
  TextTable age({"AGE", "COUNT"});
  for (const auto& b : kBuckets) age.add({b.name, std::to_string(ageing[b.name])});
  age.print(c.out);
  auto print_list = [&](const char* title, const std::vector<const store::DispatchRecord*>& v) {
    c.out << "\n" << title << ": " << (v.empty() ? "none\n" : "\n");
    if (v.empty()) return;
    TextTable t({"DISPATCH", "STATE", "AGE (DAYS)", "MODEL", "SERIAL", "CUSTOMER"}, 32);
    for (const auto* d : v)
      t.add({d->number, d->state, std::to_string(age_days(*d)), d->model, d->serial_number,
             d->customer_name});
    t.print(c.out);
  };
  print_list("Overdue", overdue);
  print_list("Labour at risk (open past the escalation deadline)", at_risk);
  c.out << "\nClose-outs refused by the mail server: " << (refused.empty() ? "none\n" : "\n");
  if (!refused.empty()) {
    TextTable t({"OUTBOX", "DISPATCH", "LAST ERROR"}, 80);
    for (const auto& e : refused) t.add({std::to_string(e.id), e.dispatch_number, e.last_error});
    t.print(c.out);
  }
  if (unregistered_open > 0)
    c.out << "\n"
          << unregistered_open
          << " open dispatch(es) for serial numbers not in the ASCR registry\n";
  return exit_code::ok;
}

}  // namespace closeout
