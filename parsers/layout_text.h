// SPDX-License-Identifier: GPL-3.0-or-later
// Words with their positions on a page (from a PDF's text layer or from OCR) turned into lines
// the label finder reads: "Label: value" where a label has its value to its right on the same
// line or just below it, so a two-column table printed from Word reads like typed lines.
#pragma once
#include <string>
#include <vector>

#include "form_definition.h"

namespace closeout {

struct PlacedWord {
  std::string text;  // UTF-8, one word (no spaces)
  int page = 0;
  // The word's box in page units, y growing downward.
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double confidence = 100;  // OCR: 0-100; text layer: 100
};

std::string lay_out_lines(const std::vector<PlacedWord>& words, const FormDefinition& form);

}  // namespace closeout
