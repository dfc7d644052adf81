// SPDX-License-Identifier: GPL-3.0-or-later
// Finds the form's "Label: value" lines in plain text: labels and aliases come from the form
// definition, matched case-insensitively, with tabs, extra spaces and several separators allowed.
// Values may continue on indented lines, or start on the line after a bare label.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "form_definition.h"

namespace closeout {

struct LabeledValue {
  const FieldSpec* field = nullptr;
  // Trimmed; continuation lines are joined with '\n' so list fields keep their items apart.
  std::string value;
};

// Every labelled line in order, empty values included (a blank template line still tells us
// the sender answered with the form).
std::vector<LabeledValue> find_labeled_values(std::string_view text, const FormDefinition& form);

}  // namespace closeout
