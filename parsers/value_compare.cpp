// SPDX-License-Identifier: GPL-3.0-or-later
// Each key is read the way the Section 2 rules read it; a value that does not read is compared
// as text (blanks collapsed, case ignored), so two unreadable values that differ still differ.
#include "value_compare.h"

#include <algorithm>

#include "field_values.h"
#include "text_util.h"

namespace closeout {
namespace {

std::string as_text(std::string_view v) { return collapse_spaces_lower(v); }

std::string normalized(const std::string& key, std::string_view raw, const FormDefinition& form) {
  const std::string v = collapse_spaces(raw);
  if (key == "service_date" || key == "dispatch_date") {
    if (auto d = parse_date(v)) return iso_date(*d);
  } else if (key == "arrival_time" || key == "completion_time") {
    if (auto t = parse_time_of_day(v)) return hh_mm(*t);
  } else if (key == "labor_hours") {
    if (auto h = parse_hours(v)) return std::to_string(*h);
  } else if (key == "call_status") {
    if (auto s = form.call_status(v)) return *s == CallStatus::completed ? "completed" : "pending";
  } else if (key == "dispatch_number") {
    if (auto n = form.read_dispatch_number(v)) return *n;
  } else if (key == "serial_number") {
    std::string s = to_upper_ascii(v);
    std::erase_if(s, [](char c) { return c == ' ' || c == '\t'; });
    return s;
  } else if (key == "parts_used") {
    if (form.means_no_parts(v)) return "none";
    PartsList list = parse_parts(raw, form);
    if (list.unreadable.empty()) {
      std::vector<std::string> parts;
      for (const auto& p : list.parts)
        parts.push_back(p.part_number + "x" + std::to_string(p.quantity));
      std::sort(parts.begin(), parts.end());
      std::string out;
      for (const auto& p : parts) out += p + ";";
      return out;
    }
  }
  return as_text(v);
}

}  // namespace

bool same_value(const std::string& key, std::string_view a, std::string_view b,
                const FormDefinition& form) {
  return normalized(key, a, form) == normalized(key, b, form);
}

}  // namespace closeout
