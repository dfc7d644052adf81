// SPDX-License-Identifier: GPL-3.0-or-later
// Small string helpers shared by the parsers. Pure and total.
#include "text_util.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace closeout {
namespace {

constexpr bool is_blank_byte(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Length of a blank at the front of s: an ASCII blank or a UTF-8 no-break space.
std::size_t blank_prefix(std::string_view s) noexcept {
  if (s.empty()) return 0;
  if (is_blank_byte(s[0])) return 1;
  if (s.size() >= 2 && s[0] == '\xC2' && s[1] == '\xA0') return 2;
  return 0;
}

std::size_t blank_suffix(std::string_view s) noexcept {
  if (s.empty()) return 0;
  if (is_blank_byte(s.back())) return 1;
  if (s.size() >= 2 && s[s.size() - 2] == '\xC2' && s.back() == '\xA0') return 2;
  return 0;
}

char upper(char c) noexcept { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

}  // namespace

std::string_view trim(std::string_view s) noexcept {
  while (std::size_t n = blank_prefix(s)) s.remove_prefix(n);
  while (std::size_t n = blank_suffix(s)) s.remove_suffix(n);
  return s;
}

std::string to_lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower_ascii(c);
  return out;
}

std::string to_upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = upper(c);
  return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return lower_ascii(x) == lower_ascii(y);
         });
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  // Counted with memchr (vectorised by libc), not std::count's byte-at-a-time loop.
  std::size_t breaks = 0;
  for (std::size_t at = text.find('\n'); at != std::string_view::npos; at = text.find('\n', at + 1))
    ++breaks;
  lines.reserve(breaks + 1);
  auto push = [&](std::string_view line) {
    // A lone CR (old Mac mail) inside a LF-terminated line still ends a line.
    std::size_t cr;
    while ((cr = line.find('\r')) != std::string_view::npos && cr + 1 < line.size()) {
      lines.push_back(line.substr(0, cr));
      line.remove_prefix(cr + 1);
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
  };
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      push(text.substr(start));
      break;
    }
    push(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

namespace {

// In place: what is written never overtakes what is read, since a blank run of one byte or
// more becomes at most one space. Every label, value and choice word of every reply comes
// through here, so the test for a blank is one table look-up and the case choice is made once.
template <bool FoldCase>
void collapse_in_place(std::string& s) {
  static constexpr auto kBlank = [] {
    std::array<bool, 256> t{};
    for (std::size_t c = 0; c < t.size(); ++c) t[c] = is_blank_byte(static_cast<char>(c));
    return t;
  }();
  std::size_t out = 0;
  bool blank = false;
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[i];
    if (kBlank[static_cast<unsigned char>(c)]) {
      blank = out > 0;
    } else if (c == '\xC2' && i + 1 < n && s[i + 1] == '\xA0') {
      blank = out > 0;
      ++i;
    } else {
      if (blank) s[out++] = ' ';
      blank = false;
      s[out++] = FoldCase ? lower_ascii(c) : c;
    }
  }
  s.resize(out);
}

}  // namespace

std::string collapse_spaces(std::string_view s) {
  std::string out(s);
  collapse_in_place<false>(out);
  return out;
}

std::string collapse_spaces_lower(std::string_view s) {
  std::string out(s);
  collapse_in_place<true>(out);
  return out;
}

std::string truncate_utf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t cut = max_bytes;
  // Back up over continuation bytes so a multi-byte character is never split.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + "\u2026";
}

}  // namespace closeout
