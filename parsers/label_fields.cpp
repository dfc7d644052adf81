// SPDX-License-Identifier: GPL-3.0-or-later
// Label matching: the text before the first separator is normalised and looked up; failing
// that, " - ", two spaces, a bare label, or (multi-word labels only) a label followed by a
// space. Single-word labels need a separator so that prose like "Tech support called" is no field.
#include "label_fields.h"

#include <algorithm>
#include <array>
#include <optional>

#include "text_util.h"

namespace closeout {
namespace {

struct LabelMatch {
  const FieldSpec* field;
  std::string_view value;
};

// Bullets and emphasis people put in front of labels: "- ", "* ", "• ", "*".
std::string_view strip_leading_decoration(std::string_view s) {
  for (;;) {
    s = trim(s);
    if (s.rfind("\u2022", 0) == 0) {
      s.remove_prefix(3);
    } else if (!s.empty() && (s.front() == '*' || s.front() == '_')) {
      s.remove_prefix(1);
    } else if (s.size() > 1 && s.front() == '-' && s[1] == ' ') {
      s.remove_prefix(2);
    } else {
      return s;
    }
  }
}

std::string_view strip_value_decoration(std::string_view v) {
  v = trim(v);
  while (!v.empty() && (v.front() == ':' || v.front() == '=' || v.front() == '|' ||
                        v.front() == '*' || v.front() == '_')) {
    v.remove_prefix(1);
    v = trim(v);
  }
  while (!v.empty() && (v.back() == '*' || v.back() == '|')) v.remove_suffix(1);
  return trim(v);
}

std::optional<LabelMatch> split_at(std::string_view line, std::size_t pos, std::size_t sep_len,
                                   const FormDefinition& form) {
  if (pos == std::string_view::npos || pos == 0) return std::nullopt;
  const FieldSpec* f = form.field_for_label(FormDefinition::normalize_label(line.substr(0, pos)));
  if (!f) return std::nullopt;
  return LabelMatch{f, strip_value_decoration(line.substr(pos + sep_len))};
}

std::size_t first_separator(std::string_view line) { return line.find_first_of(":=\t|"); }

// "Date of Service 11/24/2026": try the longest run of leading words that is a known label.
std::optional<LabelMatch> match_word_prefix(std::string_view line, const FormDefinition& form) {
  std::vector<std::size_t> word_ends;
  for (std::size_t i = 0; i < line.size() && word_ends.size() < form.longest_label_words(); ++i) {
    if (line[i] == ' ' && i > 0 && line[i - 1] != ' ') word_ends.push_back(i);
  }
  for (auto it = word_ends.rbegin(); it != word_ends.rend(); ++it) {
    std::string norm = FormDefinition::normalize_label(line.substr(0, *it));
    if (norm.find(' ') == std::string::npos) continue;
    const FieldSpec* f = form.field_for_label(norm);
    std::string_view value = strip_value_decoration(line.substr(*it));
    // A value of a few words is a form entry; a longer tail is a sentence that merely
    // begins with a label's words ("Service provider must complete Section 2 ...").
    if (f && std::count(value.begin(), value.end(), ' ') < 4) return LabelMatch{f, value};
  }
  return std::nullopt;
}

// The first word of a line, lower-cased, as labels begin: "Date", "e-tag", "s/n", "part".
bool first_word_may_be_label(std::string_view line, const FormDefinition& form) {
  constexpr std::size_t kLongest = 24;  // longer than any label word
  std::array<char, kLongest> word{};
  std::size_t n = 0;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == ':' || c == '=' || c == '|' || c == '*' || c == '(') break;
    if (n == kLongest) return false;
    word[n++] = lower_ascii(c);
  }
  return n > 0 && form.may_start_label(std::string_view(word.data(), n));
}

std::optional<LabelMatch> match_label(std::string_view raw_line, const FormDefinition& form) {
  std::string_view line = strip_leading_decoration(raw_line);
  if (line.empty() || line.size() > 2000) return std::nullopt;
  if (!first_word_may_be_label(line, form)) return std::nullopt;
  if (auto m = split_at(line, first_separator(line), 1, form)) return m;
  if (auto m = split_at(line, line.find(" - "), 3, form)) return m;
  if (auto m = split_at(line, line.find("  "), 2, form)) return m;
  if (const FieldSpec* f = form.field_for_label(FormDefinition::normalize_label(line))) {
    return LabelMatch{f, {}};
  }
  return match_word_prefix(line, form);
}

bool is_indented(std::string_view line) {
  return !line.empty() && (line.front() == ' ' || line.front() == '\t');
}

}  // namespace

std::vector<LabeledValue> find_labeled_values(std::string_view text, const FormDefinition& form) {
  std::vector<LabeledValue> out;
  const auto lines = split_lines(text);
  // Each line is matched once; the continuation rule below looks ahead at the same results.
  std::vector<std::optional<LabelMatch>> matches;
  matches.reserve(lines.size());
  for (auto line : lines) matches.push_back(match_label(line, form));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto& m = matches[i];
    if (!m) continue;
    LabeledValue lv{m->field, std::string(m->value)};
    // A bare label takes the following lines as its value; a filled one only indented lines,
    // or, for a list field, any line that is not another label.
    const bool bare = lv.value.empty();
    while (i + 1 < lines.size()) {
      std::string_view next = lines[i + 1];
      if (trim(next).empty() || matches[i + 1]) break;
      if (!bare && !is_indented(next) && !m->field->is_list) break;
      if (!lv.value.empty()) lv.value.push_back('\n');
      lv.value.append(strip_value_decoration(next));
      ++i;
    }
    out.push_back(std::move(lv));
  }
  return out;
}

}  // namespace closeout
