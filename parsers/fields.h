// SPDX-License-Identifier: GPL-3.0-or-later
// The values extracted from a message and the problems found in them, as the JSON output and
// the daemon see them. Field order follows the form definition.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "field_values.h"

namespace closeout {

// A normalised string ("2026-11-24", "09:30", "completed"), a number (labour hours) or a list
// of parts. Values that could not be read stay as the text the sender wrote.
using FieldValue = std::variant<std::string, double, std::vector<Part>>;

struct Field {
  std::string key;
  FieldValue value;
};

struct Problem {
  std::string field;
  std::string code;  // missing | invalid | placeholder | mismatch | unknown_dispatch
  std::string message;
  bool operator==(const Problem&) const = default;
};

// Raw "key -> text as written" pairs, in the order found; the first non-empty value wins.
// Each entry remembers where its value came from ("body", "quote", "attachment:<file name>").
class RawFields {
 public:
  // Keeps the first non-empty value for a key (and its source); an empty one only marks the
  // key as seen.
  void offer(const std::string& key, std::string value, std::string source = {});
  const std::string* get(const std::string& key) const;  // nullptr when absent or empty
  // Where the value get() returns came from; nullptr when absent, empty, or offered unnamed.
  const std::string* source(const std::string& key) const;
  bool seen(const std::string& key) const;
  std::size_t filled() const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
  std::vector<std::string> sources_;  // parallel to entries_
};

const Field* find_field(const std::vector<Field>& fields, const std::string& key);

}  // namespace closeout
