// SPDX-License-Identifier: GPL-3.0-or-later
#include "store_commands.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include "admin_actions.h"
#include "config.h"
#include "database.h"
#include "exit_codes.h"
#include "runtime.h"
#include "store_json.h"
#include "text_table.h"

namespace closeout {

store::Timestamp now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::unique_ptr<workflow::Runtime> open_runtime(const StoreCommandContext& c, int& exit_code) {
  try {
    return workflow::Runtime::open(c.config_path);
  } catch (const ConfigError& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
  } catch (const store::StoreError& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
  }
  exit_code = exit_code::config;
  return nullptr;
}

namespace {

using workflow::Runtime;

std::string flags_text(const store::DispatchRecord& d) {
  std::string out;
  for (const auto& f : d.flags()) out += (out.empty() ? "" : ",") + f;
  return out.empty() ? "-" : out;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

bool known_state(const std::string& s) {
  for (auto st : {store::state::received, store::state::notified, store::state::rejected,
                  store::state::closing, store::state::closed_out, store::state::on_hold,
                  store::state::failed, store::state::review}) {
    if (s == st) return true;
  }
  return false;
}

}  // namespace

int run_list(const StoreCommandContext& c, const ListOptions& o) {
  if (!o.status.empty() && !known_state(o.status)) {
    c.err << "closeoutctl: --status " << o.status
          << ": not a state (received, notified, rejected, closing, closed_out, on_hold, "
             "failed, review)\n";
    return exit_code::usage;
  }
  int code = 0;
  auto rt = open_runtime(c, code);
  if (!rt) return code;
  auto dispatches = store::DispatchStore(rt->db()).list({o.status, o.overdue});
  if (o.json) {
    auto array = nlohmann::ordered_json::array();
    for (const auto& d : dispatches) array.push_back(dispatch_json(d));
    c.out << array.dump(2) << "\n";
    return exit_code::ok;
  }
  if (dispatches.empty()) {
    c.out << "No dispatches" << (o.status.empty() && !o.overdue ? "" : " match") << ".\n";
    return exit_code::ok;
  }
  TextTable table(
      {"DISPATCH", "STATE", "FLAGS", "MODEL", "SERIAL", "CUSTOMER", "RECEIVED", "CLOSED OUT"}, 32);
  for (const auto& d : dispatches)
    table.add({d.number, d.state, flags_text(d), or_dash(d.model), or_dash(d.serial_number),
               or_dash(d.customer_name), store::format_utc(d.received_at),
               or_dash(store::format_utc(d.closed_out_at))});
  table.print(c.out);
  return exit_code::ok;
}

int run_show(const StoreCommandContext& c, const std::string& number, bool json) {
  int code = 0;
  auto rt = open_runtime(c, code);
  if (!rt) return code;
  store::DispatchStore dispatches(rt->db());
  auto d = dispatches.find(number);
  if (!d) {
    c.err << "closeoutctl: no dispatch " << number << " on record\n";
    return exit_code::data_error;
  }
  auto events = dispatches.timeline(number);
  std::vector<store::OutboxEntry> mail;
  for (auto& e : store::OutboxStore(rt->db()).list(true)) {
    if (e.dispatch_number == number) mail.push_back(std::move(e));
  }
  auto section = [](const std::string& text) {
    return text.empty() ? nlohmann::ordered_json::array() : nlohmann::ordered_json::parse(text);
  };
  if (json) {
    auto j = dispatch_json(*d);
    j["section1"] = section(d->section1_json);
    j["section2"] =
        d->section2_json.empty() ? nlohmann::ordered_json(nullptr) : section(d->section2_json);
    j["reminders_sent"] = d->reminders_sent;
    auto timeline = nlohmann::ordered_json::array();
    for (const auto& e : events)
      timeline.push_back(
          {{"at", store::format_utc(e.at)},
           {"event", e.event},
           {"from_state", e.from_state.empty() ? nlohmann::ordered_json(nullptr)
                                               : nlohmann::ordered_json(e.from_state)},
           {"to_state", e.to_state.empty() ? nlohmann::ordered_json(nullptr)
                                           : nlohmann::ordered_json(e.to_state)},
           {"message_id", e.message_id},
           {"detail", e.detail}});
    j["events"] = timeline;
    auto outbox = nlohmann::ordered_json::array();
    for (const auto& e : mail) outbox.push_back(outbox_json(e));
    j["outbox"] = outbox;
    c.out << j.dump(2) << "\n";
    return exit_code::ok;
  }
  c.out << "Dispatch " << d->number << ": " << d->state;
  if (!d->flags().empty()) c.out << " [" << flags_text(*d) << "]";
  c.out << "\n  received   " << store::format_utc(d->received_at) << "\n";
  if (d->closed_out_at) c.out << "  closed out " << store::format_utc(d->closed_out_at) << "\n";
  for (const auto& [title, text] :
       {std::pair{"Section 1", d->section1_json}, std::pair{"Section 2", d->section2_json}}) {
    c.out << "\n" << title << (text.empty() ? ": none accepted yet\n" : "\n");
    if (text.empty()) continue;
    TextTable fields({"FIELD", "VALUE"}, 100);
    for (const auto& f : nlohmann::json::parse(text))
      fields.add({f["label"].get<std::string>(), f["value"].get<std::string>()});
    fields.print(c.out);
  }
  c.out << "\nTimeline\n";
  TextTable timeline({"AT", "EVENT", "STATE", "MESSAGE-ID", "DETAIL"}, 60);
  for (const auto& e : events)
    timeline.add({store::format_utc(e.at), e.event,
                  e.to_state.empty() ? "" : or_dash(e.from_state) + " -> " + e.to_state,
                  or_dash(e.message_id), e.detail});
  timeline.print(c.out);
  if (!mail.empty()) {
    c.out << "\nMail\n";
    TextTable table({"ID", "KIND", "TO", "STATUS", "ATTEMPTS", "SENT", "LAST ERROR"}, 60);
    for (const auto& e : mail)
      table.add({std::to_string(e.id), e.kind, recipients_text(e), e.status,
                 std::to_string(e.attempts), or_dash(store::format_utc(e.sent_at)),
                 or_dash(e.last_error)});
    table.print(c.out);
  }
  return exit_code::ok;
}

int run_outbox(const StoreCommandContext& c, const OutboxOptions& o) {
  int code = 0;
  auto rt = open_runtime(c, code);
  if (!rt) return code;
  auto entries = store::OutboxStore(rt->db()).list(o.all);
  if (o.json) {
    auto array = nlohmann::ordered_json::array();
    for (const auto& e : entries) array.push_back(outbox_json(e));
    c.out << array.dump(2) << "\n";
    return exit_code::ok;
  }
  if (entries.empty()) {
    c.out << (o.all ? "The outbox is empty.\n" : "Nothing pending or failed in the outbox.\n");
    return exit_code::ok;
  }
  TextTable table(
      {"ID", "KIND", "DISPATCH", "TO", "STATUS", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"}, 60);
  for (const auto& e : entries)
    table.add({std::to_string(e.id), e.kind, or_dash(e.dispatch_number), recipients_text(e),
               e.status, std::to_string(e.attempts),
               e.status == "pending" ? store::format_utc(e.next_attempt_at) : "-",
               or_dash(e.last_error)});
  table.print(c.out);
  return exit_code::ok;
}

int run_retry(const StoreCommandContext& c, std::int64_t id) {
  int code = 0;
  auto rt = open_runtime(c, code);
  if (!rt) return code;
  if (auto entry = store::OutboxStore(rt->db()).get(id); entry && entry->status == "sending") {
    c.err << "closeoutctl: outbox entry " << id
          << " is being sent now; if no closeoutd is running, it is sent again when closeoutd "
             "next starts\n";
    return exit_code::data_error;
  }
  try {
    auto w = rt->workflow();
    workflow::retry_outbox(w, id, now());
  } catch (const workflow::AdminError& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
    return exit_code::data_error;
  }
  c.out << "Outbox entry " << id << " is queued again; closeoutd sends it next.\n";
  return exit_code::ok;
}

int run_resend(const StoreCommandContext& c, const std::string& number) {
  int code = 0;
  auto rt = open_runtime(c, code);
  if (!rt) return code;
  std::int64_t id = 0;
  // A second close-out while one is still on its way could reach Canon twice.
  if (auto in_flight = store::OutboxStore(rt->db()).closeout_in_flight(number)) {
    c.err << "closeoutctl: the close-out of dispatch " << number << " is still queued or being "
          << "sent (outbox entry " << *in_flight << "); see closeoutctl outbox\n";
    return exit_code::data_error;
  }
  try {
    auto w = rt->workflow();
    id = workflow::resend_closeout(w, number, now());
  } catch (const workflow::AdminError& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
    return exit_code::data_error;
  }
  c.out << "The close-out of dispatch " << number << " is queued again as outbox entry " << id
        << "; closeoutd sends it next.\n";
  return exit_code::ok;
}

int run_ascr_import(const StoreCommandContext& c, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    c.err << "closeoutctl: cannot read " << path << "\n";
    return exit_code::no_input;
  }
  std::ostringstream text;
  text << in.rdbuf();
  int code = 0;
  auto rt = open_runtime(c, code);
  if (!rt) return code;
  auto w = rt->workflow();
  auto result = workflow::import_ascr(w, text.str(), now());
  c.out << path << ": " << result.imported << " serial number(s) registered, "
        << result.rejected.size() << " row(s) rejected\n";
  for (const auto& r : result.rejected) c.out << "  line " << r.line << ": " << r.reason << "\n";
  c.out << result.unregistered_open << " open dispatch(es) flagged unregistered\n";
  if (result.imported == 0) {
    c.err << "closeoutctl: " << path << ": no serial numbers in it\n";
    return exit_code::data_error;
  }
  return exit_code::ok;
}

}  // namespace closeout
