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

}  // namespace closeout::extract
