// SPDX-License-Identifier: GPL-3.0-or-later
// Section 1 extraction rules. Values are kept as CITS wrote them (one line), except the
// dispatch number (digits only) and the dispatch date (ISO), which the workflow computes with.
#include "section1.h"

#include "field_values.h"
#include "text_util.h"

namespace closeout {
namespace {

void require(const std::string& key, const FormDefinition& form, Section1Check& out) {
  if (find_field(out.fields, key)) return;
  const FieldSpec* spec = form.field(key);
  out.problems.push_back({key, "missing",
                          "The dispatch has no " + (spec ? spec->label : key) +
                              ": CITS must send it before the call can be closed out."});
}

void read_dispatch_number(const RawFields& raw, const std::optional<std::string>& subject_number,
                          const FormDefinition& form, Section1Check& out) {
  if (const std::string* v = raw.get("dispatch_number")) {
    if (auto number = form.read_dispatch_number(*v)) {
      out.dispatch_number = number;
    } else if (!subject_number) {
      out.fields.push_back({"dispatch_number", collapse_spaces(*v)});
      out.problems.push_back({"dispatch_number", "invalid",
                              "Dispatch Number \"" + truncate_utf8(collapse_spaces(*v), 80) +
                                  "\" is not a CITS dispatch number."});
      return;
    }
  }
  if (!out.dispatch_number) out.dispatch_number = subject_number;
  if (out.dispatch_number) out.fields.push_back({"dispatch_number", *out.dispatch_number});
}

void read_dispatch_date(const RawFields& raw, Section1Check& out) {
  const std::string* v = raw.get("dispatch_date");
  if (!v) return;
  if (auto date = parse_date(collapse_spaces(*v))) {
    out.dispatch_date = date;
    out.fields.push_back({"dispatch_date", iso_date(*date)});
    return;
  }
  out.fields.push_back({"dispatch_date", collapse_spaces(*v)});
  out.warnings.push_back({"dispatch_date", "invalid",
                          "Dispatch Date \"" + truncate_utf8(collapse_spaces(*v), 80) +
                              "\" is not a date closeoutd can read; service dates cannot be "
                              "checked against it."});
}

}  // namespace

Section1Check check_section1(const RawFields& raw, const std::optional<std::string>& subject_number,
                             const FormDefinition& form) {
  Section1Check out;
  read_dispatch_number(raw, subject_number, form, out);
  read_dispatch_date(raw, out);
  for (const auto& spec : form.fields()) {
    if (!spec.in_section1 || spec.key == "dispatch_number" || spec.key == "dispatch_date") continue;
    if (const std::string* v = raw.get(spec.key); v && !form.is_placeholder(*v)) {
      out.fields.push_back({spec.key, collapse_spaces(*v)});
    }
  }
  for (const char* key : {"dispatch_number", "model", "serial_number"}) require(key, form, out);
  std::vector<Field> ordered;
  for (const auto& spec : form.fields()) {
    if (const Field* f = find_field(out.fields, spec.key)) ordered.push_back(*f);
  }
  out.fields = std::move(ordered);
  return out;
}

}  // namespace closeout
