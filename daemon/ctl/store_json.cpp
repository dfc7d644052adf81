// SPDX-License-Identifier: GPL-3.0-or-later
#include "store_json.h"

namespace closeout {

namespace {

nlohmann::ordered_json time_or_null(store::Timestamp at) {
  return at == 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(store::format_utc(at));
}

}  // namespace

nlohmann::ordered_json dispatch_json(const store::DispatchRecord& d) {
  return {{"dispatch_number", d.number},
          {"state", d.state},
          {"serial_number", d.serial_number},
          {"model", d.model},
          {"customer_name", d.customer_name},
          {"received_at", store::format_utc(d.received_at)},
          {"closed_out_at", time_or_null(d.closed_out_at)},
          {"flags", d.flags()}};
}

std::string recipients_text(const store::OutboxEntry& e) {
  std::string out;
  for (const auto& r : e.recipients) out += (out.empty() ? "" : ", ") + r;
  return out;
}

nlohmann::ordered_json outbox_json(const store::OutboxEntry& e) {
  return {
      {"id", e.id},
      {"kind", e.kind},
      {"dispatch_number", e.dispatch_number.empty() ? nlohmann::ordered_json(nullptr)
                                                    : nlohmann::ordered_json(e.dispatch_number)},
      {"to", recipients_text(e)},
      {"status", e.status},
      {"attempts", e.attempts},
      {"next_attempt_at",
       e.status == "pending" ? time_or_null(e.next_attempt_at) : nlohmann::ordered_json(nullptr)},
      {"last_error", e.last_error},
      {"message_id", e.message_id},
      {"created_at", store::format_utc(e.created_at)},
      {"sent_at", time_or_null(e.sent_at)}};
}

}  // namespace closeout
