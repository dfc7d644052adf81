// SPDX-License-Identifier: GPL-3.0-or-later
// Analysis to JSON. Automatic and unknown mail carry no fields or problems: there is nothing
// to validate in them, and valid is false because nothing in them can be acted on. The
// attachments list carries what was read and why not, never the text read.
#include "result_json.h"

namespace closeout {
namespace {

nlohmann::ordered_json problems_json(const std::vector<Problem>& problems) {
  auto arr = nlohmann::ordered_json::array();
  for (const auto& p : problems) {
    arr.push_back({{"field", p.field}, {"code", p.code}, {"message", p.message}});
  }
  return arr;
}

}  // namespace

nlohmann::ordered_json field_value_json(const FieldValue& v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto d = std::get_if<double>(&v)) return *d;
  auto arr = nlohmann::ordered_json::array();
  for (const auto& p : std::get<std::vector<Part>>(v)) {
    arr.push_back({{"part_number", p.part_number}, {"quantity", p.quantity}});
  }
  return arr;
}

nlohmann::ordered_json analysis_json(const Analysis& a) {
  nlohmann::ordered_json j;
  j["kind"] = std::string(kind_name(a.kind));
  j["message_id"] = a.message_id;
  j["from"] = a.from;
  j["subject"] = a.subject;
  j["dispatch_number"] = a.dispatch_number ? nlohmann::ordered_json(*a.dispatch_number) : nullptr;
  auto fields = nlohmann::ordered_json::object();
  for (const auto& f : a.fields) fields[f.key] = field_value_json(f.value);
  j["fields"] = std::move(fields);
  j["valid"] = a.valid();
  j["problems"] = problems_json(a.problems);
  j["warnings"] = problems_json(a.warnings);
  auto sources = nlohmann::ordered_json::object();
  for (const auto& [key, source] : a.field_sources) sources[key] = source;
  j["field_sources"] = std::move(sources);
  auto attachments = nlohmann::ordered_json::array();
  for (const auto& r : a.attachments) {
    attachments.push_back({{"filename", r.filename},
                           {"type", r.type},
                           {"read", std::string(to_string(r.read))},
                           {"reason", r.reason}});
  }
  j["attachments"] = std::move(attachments);
  j["needs_review"] = a.needs_review;
  return j;
}

std::string json_line(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace closeout
