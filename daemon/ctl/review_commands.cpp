// SPDX-License-Identifier: GPL-3.0-or-later
// `closeoutctl review / approve / reject` (SPEC "Commands"): the Section 2 replies read by OCR
// that wait for a person. approve and reject only change the database and queue mail; the
// daemon sends it on its next flush. Exit 1: refused as asked (not in review, still invalid);
// 64: a bad --set; 65: no such dispatch.
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ostream>

#include "exit_codes.h"
#include "local_date.h"
#include "section2_review.h"
#include "section_text.h"
#include "store_commands.h"
#include "store_json.h"
#include "text_table.h"

namespace closeout {

namespace {

constexpr int kRefused = 1;

// Who asked, for the timeline: the person behind sudo when there is one.
std::string admin_name() {
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo) return sudo;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_name) return pw->pw_name;
  return "uid " + std::to_string(getuid());
}

std::string waiting_text(store::Timestamp seconds) {
  if (seconds < 3600) return std::to_string(seconds / 60) + " min";
  if (seconds < store::Timestamp{2} * 86400) return std::to_string(seconds / 3600) + " h";
  return std::to_string(seconds / 86400) + " days";
}

std::string confidence_text(const std::optional<double>& confidence) {
  if (!confidence) return "";
  char text[32];
  (void)std::snprintf(text, sizeof text, " (OCR %.0f%%)", *confidence);
  return text;
}

nlohmann::ordered_json review_json(const workflow::WaitingReview& item, store::Timestamp at) {
  auto j = dispatch_json(item.dispatch);
  j["message_id"] = item.review.message_id;
  j["from"] = item.review.from_address;
  j["section2_received_at"] = store::format_utc(item.review.received_at);
  j["waiting_seconds"] = at - item.review.received_at;
  auto fields = nlohmann::ordered_json::object();
  auto sources = nlohmann::ordered_json::object();
  auto confidence = nlohmann::ordered_json::object();
  for (const auto& f : item.fields) {
    fields[f.key] = f.value;
    sources[f.key] = f.source;
    if (f.ocr_confidence) confidence[f.key] = *f.ocr_confidence;
  }
  j["fields"] = fields;
  j["field_sources"] = sources;
  j["ocr_confidence"] = confidence;
  j["attachments"] = nlohmann::ordered_json::parse(item.review.attachments_json);
  return j;
}

void print_review(std::ostream& out, const workflow::WaitingReview& item, store::Timestamp at) {
  const auto& d = item.dispatch;
  out << "Dispatch " << d.number << " (" << d.model << ", SN " << d.serial_number << ", "
      << d.customer_name << ")\n  Section 2 from " << item.review.from_address << " "
      << item.review.message_id << ", received " << store::format_utc(item.review.received_at)
      << ", waiting " << waiting_text(at - item.review.received_at) << "\n";
  TextTable table({"KEY", "FIELD", "VALUE AS READ", "SOURCE"}, 60);
  for (const auto& f : item.fields)
    table.add({f.key, f.label, f.value, f.source + confidence_text(f.ocr_confidence)});
  table.print(out);
}

}  // namespace

int run_review(const StoreCommandContext& c, bool json) {
  int code = 0;
  auto rt = open_runtime(c, code);
  if (!rt) return code;
  auto w = rt->workflow();
  auto waiting = workflow::waiting_reviews(w);
  store::Timestamp at = now();
  if (json) {
    auto array = nlohmann::ordered_json::array();
    for (const auto& item : waiting) array.push_back(review_json(item, at));
    c.out << array.dump(2) << "\n";
    return exit_code::ok;
  }
  if (waiting.empty()) {
    c.out << "No dispatches waiting in review.\n";
    return exit_code::ok;
  }
  for (std::size_t i = 0; i < waiting.size(); ++i) {
    if (i) c.out << "\n";
    print_review(c.out, waiting[i], at);
  }
  c.out << "\nApprove with: closeoutctl --config " << c.config_path
        << " approve NUMBER [--set KEY=VALUE]...\nReject with:  closeoutctl --config "
        << c.config_path << " reject NUMBER \"reason\"\n";
  return exit_code::ok;
}

int run_approve(const StoreCommandContext& c, const ApproveOptions& o) {
  std::vector<workflow::Correction> corrections;
  for (const auto& set : o.set) {
    auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      c.err << "closeoutctl: --set " << set << ": write it KEY=VALUE\n";
      return exit_code::usage;
    }
    corrections.push_back({set.substr(0, eq), set.substr(eq + 1)});
  }
  int code = 0;
  auto rt = open_runtime(c, code);
  if (!rt) return code;
  auto w = rt->workflow();
  workflow::ApproveResult result;
  try {
    store::Timestamp at = now();
    result = workflow::approve_review(w, o.number, corrections, admin_name(), at,
                                      latest_date_on_earth(at));
  } catch (const workflow::UnknownFieldKey& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
    return exit_code::usage;
  } catch (const workflow::NotInReview& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
    return kRefused;
  } catch (const workflow::AdminError& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
    return exit_code::data_error;
  }
  for (const auto& p : result.warnings)
    c.out << "warning: " << workflow::field_label(w.form, p.field) << " (" << p.field
          << "): " << p.message << "\n";
  if (!result.approved) {
    c.out << "Section 2 of dispatch " << o.number << " still has problems:\n";
    for (const auto& p : result.problems)
      c.out << "  - " << workflow::field_label(w.form, p.field) << " (" << p.field
            << "): " << p.message << "\n";
    c.err << "closeoutctl: dispatch " << o.number
          << " not approved; it stays in review (correct with --set KEY=VALUE, or reject it)\n";
    return kRefused;
  }
  if (result.state == store::state::on_hold)
    c.out << "Dispatch " << o.number
          << " approved: call status pending, so it is on hold and nothing goes to Canon yet.\n";
  else
    c.out << "Dispatch " << o.number << " approved: the close-out is queued as outbox entry "
          << result.outbox_id << "; closeoutd sends it next.\n";
  return exit_code::ok;
}

int run_reject(const StoreCommandContext& c, const std::string& number, const std::string& reason) {
  if (reason.find_first_not_of(" \t") == std::string::npos) {
    c.err << "closeoutctl: reject needs a REASON the technician can act on\n";
    return exit_code::usage;
  }
  int code = 0;
  auto rt = open_runtime(c, code);
  if (!rt) return code;
  auto w = rt->workflow();
  std::int64_t id = 0;
  try {
    id = workflow::reject_review(w, number, reason, admin_name(), now());
  } catch (const workflow::NotInReview& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
    return kRefused;
  } catch (const workflow::AdminError& e) {
    c.err << "closeoutctl: " << e.what() << "\n";
    return exit_code::data_error;
  }
  c.out << "Dispatch " << number << " rejected; it is open again (reminders apply). ";
  if (id)
    c.out << "The technician's answer is queued as outbox entry " << id
          << "; closeoutd sends it next.\n";
  else
    c.out << "No answer could be sent to the technician (see closeoutctl show " << number << ").\n";
  return exit_code::ok;
}

}  // namespace closeout
