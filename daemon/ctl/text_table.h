// SPDX-License-Identifier: GPL-3.0-or-later
// An aligned plain-text table for a terminal: a header row, columns as wide as their widest
// cell (counted in characters, not bytes), long cells cut with "...".
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

namespace closeout {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers, std::size_t max_cell = 48)
      : headers_(std::move(headers)), max_cell_(max_cell) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::size_t max_cell_;
};

}  // namespace closeout
