// SPDX-License-Identifier: GPL-3.0-or-later
// Check boxes: a PDF box's value is /Off or the name of its "on" appearance, which is whatever
// the form's author chose ("Yes", "On", "1", "Completed"), so any value but an "off" one counts
// as ticked; .docx check box content controls give a ballot box character or true/false.
#include "reading_fields.h"

#include <algorithm>

#include "text_util.h"

namespace closeout {
namespace {

// "topmostSubform[0].Page1[0].CallStatus_Completed[0]" -> "callstatus completed" -> words.
std::string last_part_words(std::string_view name) {
  if (auto dot = name.rfind('.'); dot != std::string_view::npos) name = name.substr(dot + 1);
  if (auto bracket = name.find('['); bracket != std::string_view::npos)
    name = name.substr(0, bracket);
  std::string words;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '_' || c == '-') {
      words += ' ';
      continue;
    }
    if (c >= 'A' && c <= 'Z' && i > 0 && name[i - 1] >= 'a' && name[i - 1] <= 'z') words += ' ';
    words += c;
  }
  return FormDefinition::normalize_label(words);
}

// A PDF name ("/Yes", "/Completed") without its slash; anything else as it is.
std::string pdf_name_stripped(std::string_view value) {
  std::string_view v = trim(value);
  if (v.size() > 1 && v.front() == '/' && v.find_first_of(" \t") == std::string_view::npos)
    v.remove_prefix(1);
  return std::string(v);
}

bool is_pdf_off(std::string_view value) { return iequals(pdf_name_stripped(value), "off"); }

bool box_unticked(std::string_view value) {
  const std::string v = to_lower_ascii(pdf_name_stripped(value));
  static const char* const off[] = {"", "off", "no", "false", "0", "unchecked", "\xe2\x98\x90"};
  return std::any_of(std::begin(off), std::end(off), [&](const char* o) { return v == o; });
}

// The option a box named like one stands for ("Completed", "Call Status Pending"), or "".
std::string call_status_option(std::string_view name, const FormDefinition& form) {
  std::string words = last_part_words(name);
  if (const FieldSpec* status = form.field("call_status")) {
    std::vector<std::string> labels = status->aliases;
    labels.push_back(status->label);
    for (const auto& label : labels) {
      const std::string prefix = FormDefinition::normalize_label(label) + " ";
      if (words.size() > prefix.size() && words.compare(0, prefix.size(), prefix) == 0) {
        words.erase(0, prefix.size());
        break;
      }
    }
  }
  return !words.empty() && form.call_status(words) ? words : std::string();
}

}  // namespace

std::vector<MappedFormField> map_form_fields(
    const std::vector<std::pair<std::string, std::string>>& form_fields,
    const FormDefinition& form) {
  std::vector<MappedFormField> out;
  std::vector<std::string> ticked;  // Call Status options, as their boxes are named
  bool any_status_box = false;
  for (const auto& [name, value] : form_fields) {
    if (const FieldSpec* spec = form.field_for_form_field(name)) {
      // A radio group gives its chosen export value (a PDF name); one left unset says Off.
      out.push_back({spec, is_pdf_off(value) ? std::string() : pdf_name_stripped(value)});
      continue;
    }
    std::string option = call_status_option(name, form);
    if (option.empty()) continue;  // a field the form does not know: ignored
    any_status_box = true;
    if (box_unticked(value)) continue;
    const auto status = form.call_status(option);
    bool same_as_before = std::any_of(ticked.begin(), ticked.end(), [&](const std::string& t) {
      return form.call_status(t) == status;
    });
    if (!same_as_before) ticked.push_back(option);
  }
  const FieldSpec* status = form.field("call_status");
  if (any_status_box && status) {
    std::string value;
    for (const auto& t : ticked) value += (value.empty() ? "" : ", ") + t;
    out.push_back({status, value});  // none ticked: seen, but empty (missing)
  }
  return out;
}

}  // namespace closeout
