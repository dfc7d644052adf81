// SPDX-License-Identifier: GPL-3.0-or-later
// Section 1 of a CITS dispatch: the fields CITS fills in. dispatch_number, model and
// serial_number are required (SPEC); a dispatch without them cannot be closed out.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fields.h"
#include "form_definition.h"

namespace closeout {

struct Section1Check {
  std::vector<Field> fields;  // form order; dispatch_date as YYYY-MM-DD when it reads
  std::vector<Problem> problems;
  std::vector<Problem> warnings;
  std::optional<std::string> dispatch_number;
  std::optional<std::chrono::year_month_day> dispatch_date;
};

// subject_number: a dispatch number found in the subject, used when the body has none.
Section1Check check_section1(const RawFields& raw, const std::optional<std::string>& subject_number,
                             const FormDefinition& form);

}  // namespace closeout
