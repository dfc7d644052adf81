// SPDX-License-Identifier: GPL-3.0-or-later
// Value readers for Section 2. Hand-written scanners rather than regular expressions: they run
// on every reply, and the rules (which token is a month, which number a year) are clearer as code.
#include "field_values.h"

#include <array>
#include <cctype>
#include <cmath>

#include "text_util.h"

namespace closeout {
namespace {

struct Token {
  bool number;
  std::string text;  // lower case
};

std::vector<Token> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (std::isdigit(c) || std::isalpha(c)) {
      bool digit = std::isdigit(c);
      std::size_t j = i;
      while (j < s.size() && (digit ? std::isdigit(static_cast<unsigned char>(s[j]))
                                    : std::isalpha(static_cast<unsigned char>(s[j])))) {
        ++j;
      }
      out.push_back({digit, to_lower_ascii(s.substr(i, j - i))});
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

std::optional<unsigned> month_from_name(const std::string& word) {
  static constexpr std::array<std::string_view, 12> names = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  if (word.size() < 3) return std::nullopt;
  for (unsigned m = 0; m < names.size(); ++m) {
    if (names[m].rfind(word, 0) == 0 || (word == "sept" && m == 8)) return m + 1;
  }
  return std::nullopt;
}

bool is_weekday_or_filler(const std::string& word) {
  static constexpr std::array<std::string_view, 18> words = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "mon", "tue",
      "tues",   "wed",     "thu",       "thur",     "thurs",  "fri",      "sat",    "sun", "of"};
  for (auto w : words) {
    if (word == w) return true;
  }
  // "24th", "1st": the suffix comes through as its own word.
  return word == "st" || word == "nd" || word == "rd" || word == "th";
}

std::optional<int> to_int(const std::string& digits) {
  if (digits.empty() || digits.size() > 4) return std::nullopt;
  return std::stoi(digits);
}

std::optional<std::chrono::year_month_day> make_date(int y, int m, int d) {
  if (y < 100) y += 2000;
  if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year{y},
                                  std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return ymd;
}

}  // namespace

std::optional<std::chrono::year_month_day> parse_date(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  std::vector<int> numbers;
  std::vector<std::size_t> widths;
  std::optional<unsigned> month;
  for (const auto& t : tokenize(text)) {
    if (t.number) {
      auto n = to_int(t.text);
      if (!n) return std::nullopt;
      numbers.push_back(*n);
      widths.push_back(t.text.size());
    } else if (auto m = month_from_name(t.text); m && !month) {
      month = m;
    } else if (!is_weekday_or_filler(t.text)) {
      return std::nullopt;
    }
  }
  if (month) {
    if (numbers.size() != 2) return std::nullopt;
    // "Nov 24, 2026" or "24 Nov 2026": the 4-digit number is the year.
    bool year_first = widths[0] == 4;
    return make_date(numbers[year_first ? 0 : 1], static_cast<int>(*month),
                     numbers[year_first ? 1 : 0]);
  }
  if (numbers.size() != 3) return std::nullopt;
  if (widths[0] == 4) return make_date(numbers[0], numbers[1], numbers[2]);  // ISO
  if (widths[2] != 4 && widths[2] != 2) return std::nullopt;
  return make_date(numbers[2], numbers[0], numbers[1]);  // US: month first
}

namespace {
// "7" -> "07": zero-padded decimal of at least width digits.
std::string padded(int value, std::size_t width) {
  std::string s = std::to_string(value);
  return s.size() >= width ? s : std::string(width - s.size(), '0') + s;
}
}  // namespace

std::string iso_date(std::chrono::year_month_day date) {
  return padded(static_cast<int>(date.year()), 4) + "-" +
         padded(static_cast<int>(static_cast<unsigned>(date.month())), 2) + "-" +
         padded(static_cast<int>(static_cast<unsigned>(date.day())), 2);
}

std::optional<int> parse_time_of_day(std::string_view text) {
  std::string compact;
  for (char c : to_lower_ascii(trim(text))) {
    if (c != ' ' && c != '.') compact.push_back(c);
  }
  if (compact.size() > 16) return std::nullopt;
  std::string_view s = compact;
  if (s == "noon" || s == "12noon") return 12 * 60;
  std::optional<bool> pm;
  for (std::string_view suffix : {"am", "a", "pm", "p"}) {
    if (s.size() > suffix.size() && s.ends_with(suffix)) {
      pm = suffix.front() == 'p';
      s.remove_suffix(suffix.size());
      break;
    }
  }
  if (s.ends_with("hrs")) s.remove_suffix(3);  // "1430hrs"
  std::size_t sep = s.find_first_of(":h");
  std::string_view h = s.substr(0, sep);
  std::string_view m = sep == std::string_view::npos ? std::string_view{} : s.substr(sep + 1);
  if (sep == std::string_view::npos && h.size() >= 3 && h.size() <= 4) {  // "930", "1430"
    m = h.substr(h.size() - 2);
    h.remove_suffix(2);
  }
  auto digits = [](std::string_view x) {
    return !x.empty() && x.size() <= 2 && std::all_of(x.begin(), x.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c));
    });
  };
  if (!digits(h) || (!m.empty() && (!digits(m) || m.size() != 2))) return std::nullopt;
  int hours = (h.size() == 2 ? (h[0] - '0') * 10 + (h[1] - '0') : h[0] - '0');
  int minutes = m.empty() ? 0 : (m[0] - '0') * 10 + (m[1] - '0');
  if (minutes > 59) return std::nullopt;
  if (pm) {
    if (hours < 1 || hours > 12) return std::nullopt;
    hours = hours % 12 + (*pm ? 12 : 0);
  } else if (hours > 23 || (m.empty() && sep == std::string_view::npos)) {
    return std::nullopt;  // a bare "9" is ambiguous: morning or evening?
  }
  return hours * 60 + minutes;
}

std::string hh_mm(int minutes) {
  return padded(minutes / 60 % 24, 2) + ":" + padded(minutes % 60, 2);
}

std::optional<double> parse_hours(std::string_view text) {
  std::string s = to_lower_ascii(trim(text));
  if (s.size() > 40) return std::nullopt;
  if (auto colon = s.find(':'); colon != std::string::npos) {  // "1:30" as hours:minutes
    auto t = parse_time_of_day(s);
    return t ? std::optional<double>(*t / 60.0) : std::nullopt;
  }
  double total = 0;
  bool any = false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() &&
           (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.' || s[j] == ','))
      ++j;
    if (j == i) return std::nullopt;
    std::string number = s.substr(i, j - i);
    std::replace(number.begin(), number.end(), ',', '.');
    if (std::count(number.begin(), number.end(), '.') > 1 || number == ".") return std::nullopt;
    double value = std::stod(number);
    while (j < s.size() && s[j] == ' ') ++j;
    std::size_t k = j;
    while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
    std::string unit = s.substr(j, k - j);
    if (unit.empty() || unit == "h" || unit == "hr" || unit == "hrs" || unit == "hour" ||
        unit == "hours") {
      total += value;
    } else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" ||
               unit == "minutes") {
      total += value / 60.0;
    } else {
      return std::nullopt;
    }
    any = true;
    i = k;
  }
  if (!any || !std::isfinite(total)) return std::nullopt;
  return total;
}

namespace {

std::string_view strip_bullet(std::string_view item) {
  item = trim(item);
  if (item.rfind("\u2022", 0) == 0)
    item.remove_prefix(3);
  else if (!item.empty() && (item.front() == '-' || item.front() == '*'))
    item.remove_prefix(1);
  else if (item.size() > 2 && std::isdigit(static_cast<unsigned char>(item[0])) &&
           (item[1] == '.' || item[1] == ')') && item[2] == ' ') {
    item.remove_prefix(2);  // "1. QY6-0083"
  }
  return trim(item);
}

bool is_quantity_word(const std::string& w) {
  return w == "x" || w == "qty" || w == "quantity" || w == "pcs" || w == "pc" || w == "ea" ||
         w == "each" || w == "units" || w == "unit" || w == "q";
}

// Splits "QY6-0083x2" or "2xQY6-0083" style glued quantities off a word.
std::optional<int> glued_quantity(const std::string& word) {
  if (word.size() >= 2 && (word.front() == 'x') &&
      std::all_of(word.begin() + 1, word.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return std::stoi(word.substr(1, 4));
  }
  if (word.size() >= 2 && word.back() == 'x' &&
      std::all_of(word.begin(), word.end() - 1,
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return std::stoi(word.substr(0, std::min<std::size_t>(word.size() - 1, 4)));
  }
  return std::nullopt;
}

std::optional<Part> parse_part_entry(std::string_view entry, const FormDefinition& form) {
  std::optional<std::string> number;
  std::optional<int> quantity;
  std::string word;
  auto flush = [&]() -> bool {
    if (word.empty()) return true;
    std::string upper = to_upper_ascii(word);
    std::string lower = to_lower_ascii(word);
    word.clear();
    if (!number && form.is_part_number(upper)) {
      number = upper;
    } else if (std::all_of(lower.begin(), lower.end(),
                           [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      if (quantity || lower.size() > 4) return false;
      quantity = std::stoi(lower);
    } else if (auto q = glued_quantity(lower)) {
      if (quantity) return false;
      quantity = q;
    } else if (!is_quantity_word(lower)) {
      // A description ("fuser unit") is fine, as long as it is words, not another number.
      if (std::any_of(lower.begin(), lower.end(),
                      [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
        return false;
    }
    return true;
  };
  for (char c : entry) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '-';
    if (keep) {
      word.push_back(c);
    } else if (!flush()) {
      return std::nullopt;
    }
  }
  if (!flush() || !number) return std::nullopt;
  if (quantity && *quantity < 1) return std::nullopt;
  return Part{*number, quantity.value_or(1)};
}

}  // namespace

PartsList parse_parts(std::string_view text, const FormDefinition& form) {
  PartsList out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '\n' && text[i] != ',' && text[i] != ';') continue;
    std::string_view item = strip_bullet(text.substr(start, i - start));
    start = i + 1;
    if (item.empty()) continue;
    if (auto part = parse_part_entry(item, form)) {
      out.parts.push_back(*part);
    } else {
      out.unreadable.push_back(truncate_utf8(item, 80));
    }
  }
  return out;
}

}  // namespace closeout
