// SPDX-License-Identifier: GPL-3.0-or-later
#include "ascr_csv.h"

#include <algorithm>
#include <cctype>

#include "text_util.h"

namespace closeout {

std::vector<std::string> split_csv_line(std::string_view line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',' || c == ';' || c == '\t') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  for (auto& f : out) f = std::string(trim(f));
  return out;
}

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string why_not_serial(const std::string& serial) {
  if (serial.empty()) return "no serial number";
  if (serial.size() > 32) return "serial number longer than 32 characters";
  for (unsigned char c : serial) {
    if (std::isalnum(c) == 0 && c != '-' && c != ' ' && c != '/')
      return "\"" + serial + "\" is not a serial number (letters, digits, '-' only)";
  }
  return {};
}

}  // namespace

AscrCsv parse_ascr_csv(std::string_view text) {
  AscrCsv out;
  std::size_t serial_column = 0;
  std::size_t model_column = 1;
  bool first = true;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);  // Excel BOM
    if (trim(line).empty()) continue;
    auto cells = split_csv_line(line);
    if (first) {
      first = false;
      auto header = std::find_if(cells.begin(), cells.end(), [](const std::string& c) {
        return lower(c).find("serial") != std::string::npos;
      });
      if (header != cells.end()) {
        serial_column = static_cast<std::size_t>(header - cells.begin());
        model_column = cells.size();
        for (std::size_t i = 0; i < cells.size(); ++i) {
          if (lower(cells[i]).find("model") != std::string::npos) model_column = i;
        }
        continue;
      }
    }
    AscrCsvRow row;
    row.line = line_number;
    if (serial_column < cells.size()) row.serial = cells[serial_column];
    if (model_column < cells.size()) row.model = cells[model_column];
    if (auto why = why_not_serial(row.serial); !why.empty()) {
      out.rejected.push_back({line_number, why});
      continue;
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace closeout
