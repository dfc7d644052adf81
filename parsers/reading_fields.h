// SPDX-License-Identifier: GPL-3.0-or-later
// A reading's form fields (PDF AcroForm, .docx content controls) as form keys: names mapped by
// FormDefinition::field_for_form_field, unmapped names ignored, and the common check-box shape
// of Call Status (one box per option, named like it) read as the option that is ticked. Pure.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "form_definition.h"

namespace closeout {

struct MappedFormField {
  const FieldSpec* field = nullptr;
  std::string value;  // as written; "" for a box or radio group left at Off
};

// In document order; the Call Status boxes, when any are ticked, come last as one value
// ("Completed", or "Completed, Pending" when both are ticked, which the Section 2 rules refuse
// as ambiguous rather than guess).
std::vector<MappedFormField> map_form_fields(
    const std::vector<std::pair<std::string, std::string>>& form_fields,
    const FormDefinition& form);

}  // namespace closeout
