// SPDX-License-Identifier: GPL-3.0-or-later
// The human-readable summary `closeoutctl parse` prints without --json.
#pragma once
#include <ostream>
#include <string>

#include "analyze.h"
#include "form_definition.h"

namespace closeout {

// Counts over several files, for the closing summary.
struct ParseTally {
  int by_kind[5] = {};
  int valid_dispatches = 0;
  int valid_section2 = 0;
  int unreadable = 0;
  void add(const Analysis& a);
  void add_unreadable() { ++unreadable; }
};

void print_parse_tally(std::ostream& out, const ParseTally& tally);

void print_parse_report(std::ostream& out, const std::string& source, const Analysis& a,
                        const FormDefinition& form);

}  // namespace closeout
