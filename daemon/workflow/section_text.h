// SPDX-License-Identifier: GPL-3.0-or-later
// Form fields as people read them: "Label: value" in the form's own order and wording, for the
// notice, the close-out and the replies; and as stored JSON, so the close-out can be composed
// again (resend) exactly as the technician's values were accepted.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fields.h"
#include "form_definition.h"

namespace closeout::workflow {

// "QY6-0083 x1, FM4-8400 x2", "None", "1.5", or the text itself.
std::string display_value(const FieldValue& value);

// [{"key", "label", "value"}] in form order; only fields of the given section (1 or 2).
nlohmann::json field_entries(const std::vector<Field>& fields, const FormDefinition& form,
                             int section);

// Every Section 2 label with an empty value, the dispatch number filled in.
nlohmann::json blank_section2(const FormDefinition& form, const std::string& dispatch_number);

// The label a problem's field has on the form ("from" and unknown keys pass through).
std::string field_label(const FormDefinition& form, const std::string& key);

}  // namespace closeout::workflow
