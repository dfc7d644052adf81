// SPDX-License-Identifier: GPL-3.0-or-later
// `closeoutctl report`: what the service manager needs on one screen: dispatches by state, how
// long the open ones have waited, which are overdue, which close-outs the server refused, and
// how much labour is at risk (open past reminders.escalate_after). --csv: one row per dispatch.
#include <chrono>
#include <ostream>

#include "config_check.h"
#include "exit_codes.h"
#include "report_figures.h"
#include "runtime.h"
#include "store_commands.h"
#include "store_json.h"
#include "text_table.h"
#include "token_store.h"

namespace closeout {

namespace {

std::string csv_cell(std::string s) {
  // A leading =, +, - or @ would be a formula to a spreadsheet.
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')) s = "'" + s;
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) out += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return out + "\"";
}

// The sign-in as the token store says (auth = "oauth2"): what `report` shows so an admin sees a
// lost sign-in beside the dispatches it holds up. Never a token. null when OAuth is not used.
nlohmann::ordered_json oauth_state(const Config& config) {
  if (!uses_oauth2(config)) return nullptr;
  nlohmann::ordered_json j;
  const std::string login = "closeoutctl --config " + config.source + " oauth login";
  std::string path = oauth::token_store_path(config);
  j["token_store"] = path;
  try {
    auto tokens = oauth::load_token_store(path);
    if (!tokens) {
      j["state"] = "not_signed_in";
      j["needs_login"] = true;
      j["message"] = "not signed in yet: run " + login;
      return j;
    }
    j["state"] = tokens->needs_login ? "needs_login" : "signed_in";
    j["needs_login"] = tokens->needs_login;
    j["message"] = tokens->needs_login ? "sign-in needed: " + tokens->last_error + "; run " + login
                                       : tokens->last_error;
    const nlohmann::json status = oauth::token_status_json(*tokens);
    for (auto it = status.begin(); it != status.end(); ++it)
      if (!j.contains(it.key())) j[it.key()] = it.value();
  } catch (const std::exception& e) {  // TokenStoreError: names the path, never the content
    j["state"] = "unreadable";
    j["needs_login"] = true;
    j["message"] = std::string(e.what()) + " (fix it, or run " + login + ")";
  }
  return j;
}

void print_oauth(std::ostream& out, const nlohmann::ordered_json& o) {
  if (o.is_null()) return;
  auto text = [&](const char* key) {
    return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : std::string();
  };
  out << "\nOAuth sign-in: ";
  if (o["state"] == "signed_in") {
    out << "signed in as " << text("username") << "; access token valid until "
        << text("access_expires_at") << ", last refresh "
        << (text("last_refresh_at").empty() ? "never" : text("last_refresh_at")) << "\n";
    if (!text("message").empty()) out << "  warning: " << text("message") << "\n";
  } else {
    out << "SIGN-IN NEEDED (intake and sending wait, nothing is lost)\n  " << text("message")
        << "\n";
  }
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
  auto f = workflow::report_figures(rt->db(), rt->config(), now);
  const auto& dispatches = f.dispatches;

  if (o.csv) {
    c.out << "dispatch_number,state,flags,model,serial_number,customer_name,received_at,"
             "age_days,closed_out_at,at_risk\n";
    for (const auto& d : dispatches) {
      std::string flags;
      for (const auto& flag : d.flags()) flags += (flags.empty() ? "" : " ") + flag;
      c.out << csv_cell(d.number) << ',' << d.state << ',' << csv_cell(flags) << ','
            << csv_cell(d.model) << ',' << csv_cell(d.serial_number) << ','
            << csv_cell(d.customer_name) << ',' << store::format_utc(d.received_at) << ','
            << f.age_days(d) << ',' << store::format_utc(d.closed_out_at) << ','
            << (f.labour_at_risk(d) ? "yes" : "no") << "\n";
    }
    return exit_code::ok;
  }
  if (o.json) {
    nlohmann::ordered_json j;
    j["generated_at"] = store::format_utc(now);
    j["total"] = dispatches.size();
    j["open"] = f.open;
    nlohmann::ordered_json states;
    for (const auto& [state, count] : f.by_state) states[state] = count;
    j["by_state"] = states;
    nlohmann::ordered_json age;
    for (const auto& b : f.ageing) age[b.name] = b.count;
    j["ageing_days"] = age;
    auto list = [](const std::vector<const store::DispatchRecord*>& v) {
      auto a = nlohmann::ordered_json::array();
      for (const auto* d : v) a.push_back(dispatch_json(*d));
      return a;
    };
    j["overdue"] = list(f.overdue);
    j["labour_at_risk"] = list(f.at_risk);
    j["unregistered_open"] = f.unregistered_open;
    auto failed = nlohmann::ordered_json::array();
    for (const auto& e : f.closeouts_failed) failed.push_back(outbox_json(e));
    j["closeouts_failed"] = failed;
    j["oauth"] = oauth_state(rt->config());
    c.out << j.dump(2) << "\n";
    return exit_code::ok;
  }
  c.out << "closeoutd report, " << store::format_utc(now) << "\n\n";
  c.out << dispatches.size() << " dispatch(es), " << f.open << " open\n\n";
  TextTable states({"STATE", "COUNT"});
  for (const auto& [state, count] : f.by_state) states.add({state, std::to_string(count)});
  states.print(c.out);
  c.out << "\nOpen dispatches by age (days)\n";
  TextTable age({"AGE", "COUNT"});
  for (const auto& b : f.ageing) age.add({b.name, std::to_string(b.count)});
  age.print(c.out);
  auto print_list = [&](const char* title, const std::vector<const store::DispatchRecord*>& v) {
    c.out << "\n" << title << ": " << (v.empty() ? "none\n" : "\n");
    if (v.empty()) return;
    TextTable t({"DISPATCH", "STATE", "AGE (DAYS)", "MODEL", "SERIAL", "CUSTOMER"}, 32);
    for (const auto* d : v)
      t.add({d->number, d->state, std::to_string(f.age_days(*d)), d->model, d->serial_number,
             d->customer_name});
    t.print(c.out);
  };
  print_list("Overdue", f.overdue);
  print_list("Labour at risk (open past the escalation deadline)", f.at_risk);
  c.out << "\nClose-outs refused by the mail server: "
        << (f.closeouts_failed.empty() ? "none\n" : "\n");
  if (!f.closeouts_failed.empty()) {
    TextTable t({"OUTBOX", "DISPATCH", "LAST ERROR"}, 80);
    for (const auto& e : f.closeouts_failed)
      t.add({std::to_string(e.id), e.dispatch_number, e.last_error});
    t.print(c.out);
  }
  if (f.unregistered_open > 0)
    c.out << "\n"
          << f.unregistered_open
          << " open dispatch(es) for serial numbers not in the ASCR registry\n";
  print_oauth(c.out, oauth_state(rt->config()));
  return exit_code::ok;
}

}  // namespace closeout
