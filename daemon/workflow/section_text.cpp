// SPDX-License-Identifier: GPL-3.0-or-later
#include "section_text.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace closeout::workflow {

std::string display_value(const FieldValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* number = std::get_if<double>(&value)) {
    char buffer[32];
    (void)std::snprintf(buffer, sizeof buffer, "%.2f", *number);  // hours: at most 24
    std::string out = buffer;
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
    return out;
  }
  const auto& parts = std::get<std::vector<Part>>(value);
  if (parts.empty()) return "None";
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += ", ";
    out += p.part_number + " x" + std::to_string(p.quantity);
  }
  return out;
}

nlohmann::json field_entries(const std::vector<Field>& fields, const FormDefinition& form,
                             int section) {
  auto out = nlohmann::json::array();
  for (const auto& spec : form.fields()) {
    if (section == 1 ? !spec.in_section1 : !spec.in_section2) continue;
    const Field* f = find_field(fields, spec.key);
    if (!f) continue;
    std::string text = display_value(f->value);
    // "completed" is the JSON word; on the form a person reads "Completed".
    if (spec.key == "call_status" && !text.empty())
      text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
    out.push_back({{"key", spec.key}, {"label", spec.label}, {"value", text}});
  }
  return out;
}

nlohmann::json blank_section2(const FormDefinition& form, const std::string& dispatch_number) {
  auto out = nlohmann::json::array();
  for (const auto& spec : form.fields()) {
    if (!spec.in_section2) continue;
    out.push_back({{"key", spec.key},
                   {"label", spec.label},
                   {"value", spec.key == "dispatch_number" ? dispatch_number : ""}});
  }
  return out;
}

std::string field_label(const FormDefinition& form, const std::string& key) {
  if (key == "from") return "Sender";
  if (key == "attachment") return "Attachment";  // a file the parse path could not read
  const FieldSpec* spec = form.field(key);
  return spec ? spec->label : key;
}

}  // namespace closeout::workflow
