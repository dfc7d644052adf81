// Placeholder until form filling lands.
#include "form_fill.h"

namespace closeout::extract {

FillOutcome fill_pdf_form(std::string_view /*pdf*/,
                          const std::vector<std::pair<std::string, std::string>>& /*values*/) {
  return {std::nullopt, "this build does not fill PDF forms yet"};
}

}  // namespace closeout::extract
