// SPDX-License-Identifier: GPL-3.0-or-later
// Small string helpers shared by the parsers: trimming, ASCII case folding, line splitting.
// Everything here is pure and total: no input can make these throw or read out of bounds.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace closeout {

// Spaces, tabs, CR, LF, VT, FF and the UTF-8 no-break space (U+00A0) count as blank.
std::string_view trim(std::string_view s) noexcept;
// ASCII only and inline: std::tolower is a locale-aware call, and this runs on every byte.
constexpr char lower_ascii(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}
std::string to_lower_ascii(std::string_view s);
std::string to_upper_ascii(std::string_view s);
bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view s, std::string_view prefix) noexcept;

// Splits on CRLF, LF or a lone CR; the line breaks are not part of the lines.
std::vector<std::string_view> split_lines(std::string_view text);

// Runs of blanks (including newlines) become one space; the result is trimmed.
std::string collapse_spaces(std::string_view s);
// The same, and ASCII lower case: what every label and choice word is compared as. One copy
// instead of two (labels are normalized for every line of every reply).
std::string collapse_spaces_lower(std::string_view s);

// At most max_bytes bytes, cut on a UTF-8 character boundary, with "…" appended when cut.
std::string truncate_utf8(std::string_view s, std::size_t max_bytes);

}  // namespace closeout
