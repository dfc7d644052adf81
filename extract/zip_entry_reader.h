// SPDX-License-Identifier: GPL-3.0-or-later
// One entry of a zip archive held in memory (libzip), read under limits that are checked
// before anything is inflated: the entry count, the entry's declared size and its compression
// ratio; the inflate itself stops at a hard byte cap whatever the archive claims. Never throws.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace closeout::extract {

struct ZipLimits {
  std::uint64_t max_entries = 1000;
  std::uint64_t max_entry_bytes = 20'971'520;
  // An entry larger than big_entry_bytes inflating more than max_ratio times its compressed
  // size is a zip bomb; real Word XML compresses about 5-15:1.
  std::uint64_t big_entry_bytes = 1'048'576;
  std::uint64_t max_ratio = 100;
};

struct ZipEntry {
  std::optional<std::string> bytes;  // nullopt: see error
  bool found = true;                 // false: the archive opened but has no such entry
  std::string error;                 // for a person: why the entry could not be read
  std::vector<std::string> limits_tripped;
};

// name is matched case-insensitively ("word/document.xml").
ZipEntry read_zip_entry(std::string_view archive, std::string_view name, const ZipLimits& limits);

}  // namespace closeout::extract
