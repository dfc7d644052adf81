// SPDX-License-Identifier: GPL-3.0-or-later
// Canon's ASCR registry export: a CSV with a serial number per row and maybe a model. A header
// row (any cell mentioning "serial") says which columns to read; without one, the first column
// is the serial and the second the model. Rows that cannot be a serial number are reported with
// their line number, never silently dropped.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace closeout {

struct AscrCsvRow {
  std::size_t line = 0;
  std::string serial;
  std::string model;
};

struct AscrRejected {
  std::size_t line = 0;
  std::string reason;
};

struct AscrCsv {
  std::vector<AscrCsvRow> rows;
  std::vector<AscrRejected> rejected;
};

AscrCsv parse_ascr_csv(std::string_view text);

// RFC 4180 fields of one line: commas, "quoted, fields" with "" for a quote.
std::vector<std::string> split_csv_line(std::string_view line);

}  // namespace closeout
