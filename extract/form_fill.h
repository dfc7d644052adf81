// SPDX-License-Identifier: GPL-3.0-or-later
// The close-out's copy of the dispatch's own fillable PDF with Section 2 filled in (qpdf:
// setV, appearances generated), so CITS gets back the form it sent. Runs in the helper process,
// since it parses a PDF that came by mail.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace closeout::extract {

struct FillOutcome {
  std::optional<std::string> pdf;  // the filled PDF
  std::string error;               // why not, when pdf is empty
};

// values: fully qualified PDF field name -> value (check boxes: "Yes"/"Off" or the on-state).
FillOutcome fill_pdf_form(std::string_view pdf,
                          const std::vector<std::pair<std::string, std::string>>& values);

// One fillable field, as the parent needs it to decide what goes where.
struct FormFieldInfo {
  std::string name;                 // fully qualified
  std::string type;                 // "text" | "checkbox" | "radio" | "choice" | "other"
  std::vector<std::string> states;  // check box and radio: the on-states, without "/"
  std::vector<std::string> choices;
};

struct FieldsOutcome {
  std::optional<std::vector<FormFieldInfo>> fields;  // empty vector: a PDF without a form
  std::string error;
};

FieldsOutcome list_pdf_form_fields(std::string_view pdf);

// The `fields` subcommand's JSON: [{"name","type","states","choices"}...].
std::string fields_to_json(const std::vector<FormFieldInfo>& fields);

}  // namespace closeout::extract
