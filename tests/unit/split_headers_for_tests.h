// SPDX-License-Identifier: GPL-3.0-or-later
// Reading composed mail back in the tests: header lines unfolded, RFC 2047 decoded.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "header_decode.h"

namespace closeout::test {

inline std::vector<std::string> physical_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (auto end = text.find("\r\n"); end != std::string::npos; end = text.find("\r\n", start)) {
    out.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// "Name: value" per header field, unfolded; the body is not included.
inline std::vector<std::string> header_lines(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& line : physical_lines(text.substr(0, text.find("\r\n\r\n")))) {
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t') && !out.empty())
      out.back() += line;
    else
      out.push_back(line);
  }
  return out;
}

inline std::optional<std::string> header(const std::vector<std::string>& lines,
                                         const std::string& name) {
  for (const auto& l : lines)
    if (l.rfind(name + ": ", 0) == 0) return l.substr(name.size() + 2);
  return std::nullopt;
}

// The header as written, folds included.
inline std::string raw_header(const std::string& text, const std::string& name) {
  auto start = text.find(name + ": ");
  auto end = start;
  while ((end = text.find("\r\n", end + 1)) != std::string::npos && text[end + 2] == ' ') {
  }
  return text.substr(start, end - start);
}

inline std::string decoded(const std::string& value) { return decode_header_value(value); }

}  // namespace closeout::test
