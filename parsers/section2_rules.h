// SPDX-License-Identifier: GPL-3.0-or-later
// The Section 2 rules of SPEC "Section 2": which fields are required, how each value must read,
// and how they must agree with the dispatch. All problems are found in one pass, so the
// technician gets one answer listing everything, never a drip of single complaints.
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fields.h"
#include "form_definition.h"

namespace closeout {

// What is known of the dispatch a reply is about, from the database (daemon) or from the
// quoted notice (offline parse). Every member may be unknown.
struct DispatchFacts {
  std::optional<std::string> tag_number;      // subject tag "[CITS #n]": wins over everything
  std::optional<std::string> subject_number;  // "RE: Service Dispatch n ..."
  std::optional<std::string> history_number;  // a Dispatch Number in the quoted history
  std::optional<std::chrono::year_month_day> dispatch_date;
  std::optional<std::string> serial_number;  // Section 1's
};

struct Section2Check {
  std::vector<Field> fields;  // normalised values, in form order; dispatch_number resolved
  std::vector<Problem> problems;
  std::vector<Problem> warnings;
  std::optional<CallStatus> call_status;
};

// today: the service date may not be after it (the caller reads the clock, not this code).
Section2Check check_section2(const RawFields& raw, const DispatchFacts& facts,
                             std::chrono::year_month_day today, const FormDefinition& form);

// "aab 01234" and "AAB01234" are the same serial number.
bool same_serial(std::string_view a, std::string_view b);

}  // namespace closeout
