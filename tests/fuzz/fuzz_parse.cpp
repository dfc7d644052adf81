// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for the whole parse path: raw bytes through decode, classification,
// extraction, validation and JSON. Any crash, leak, hang or unbounded allocation is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "analyze.h"
#include "result_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  closeout::AnalyzeOptions options;
  options.today = std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::November,
                                              std::chrono::day{24}};
  options.technicians = {"*@dealer.example"};
  std::string_view raw(reinterpret_cast<const char*>(data), size);
  auto outcome = closeout::analyze_message(raw, options);
  if (outcome.analysis) {
    volatile std::size_t n = closeout::json_line(closeout::analysis_json(*outcome.analysis)).size();
    (void)n;
  }
  return 0;
}
