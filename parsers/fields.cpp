// SPDX-License-Identifier: GPL-3.0-or-later
// RawFields: first non-empty value wins, so new text offered first beats quoted history.
#include "fields.h"

#include <algorithm>

namespace closeout {

void RawFields::offer(const std::string& key, std::string value, std::string source) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](auto& e) { return e.first == key; });
  if (it == entries_.end()) {
    entries_.emplace_back(key, std::move(value));
    sources_.push_back(std::move(source));
  } else if (it->second.empty()) {
    it->second = std::move(value);
    sources_[static_cast<std::size_t>(it - entries_.begin())] = std::move(source);
  }
}

const std::string* RawFields::get(const std::string& key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return v.empty() ? nullptr : &v;
  }
  return nullptr;
}

const std::string* RawFields::source(const std::string& key) const {
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first != key) continue;
    return entries_[i].second.empty() || sources_[i].empty() ? nullptr : &sources_[i];
  }
  return nullptr;
}

bool RawFields::seen(const std::string& key) const {
  return std::any_of(entries_.begin(), entries_.end(), [&](auto& e) { return e.first == key; });
}

std::size_t RawFields::filled() const {
  return static_cast<std::size_t>(
      std::count_if(entries_.begin(), entries_.end(), [](auto& e) { return !e.second.empty(); }));
}

const Field* find_field(const std::vector<Field>& fields, const std::string& key) {
  for (const auto& f : fields) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

}  // namespace closeout
