// SPDX-License-Identifier: GPL-3.0-or-later
// The close-out's own one-page Service Dispatch Form as a PDF, for a dispatch whose CITS mail
// carried no fillable PDF: Section 1 as CITS sent it and Section 2 as accepted, in the form's
// order and labels, the same entries the text body lists. In-process: only our own values are
// drawn, nothing is parsed. Drawn in the reader's own Helvetica when Windows-1252 spells every
// value, else in embedded FreeSans (form_canvas.h). A failure to draw is a FormRenderError.
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace closeout::workflow {

class FormRenderError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RenderedFormText {
  std::string dispatch_number;
  std::string service_provider;  // dealer.name; empty: the line is left out
  nlohmann::json section1;       // [{"key","label","value"}...] (field_entries)
  nlohmann::json section2;
};

// One US Letter page. Values wrap within the value column; one too long for its lines, or
// entries past the end of the page, are cut with "…" (the text body keeps them whole).
std::string render_form_pdf(const RenderedFormText& form);

}  // namespace closeout::workflow
