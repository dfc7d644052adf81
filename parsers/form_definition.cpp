// SPDX-License-Identifier: GPL-3.0-or-later
// Reads the CITS form definition from TOML text. Any structural problem (missing key, wrong
// type, bad regular expression, duplicate label) is a FormError: a half-understood form would
// silently lose fields, which costs the dealer money.
#include "form_definition.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <toml.hpp>

#include "builtin_form.h"
#include "text_util.h"

namespace closeout {
namespace {

std::string first_line(std::string_view s) {
  std::string_view line = s.substr(0, s.find('\n'));
  if (line.rfind("[error] ", 0) == 0) line.remove_prefix(8);
  return std::string(trim(line));
}

[[noreturn]] void fail(std::string_view source, const std::string& what) {
  throw FormError(std::string(source) + ": " + what);
}

std::vector<std::string> string_list(const toml::value& table, const std::string& key,
                                     std::string_view source, bool lower) {
  if (!table.contains(key)) return {};
  std::vector<std::string> out;
  try {
    for (auto& s : toml::find<std::vector<std::string>>(table, key)) {
      out.push_back(lower ? to_lower_ascii(trim(s)) : std::string(trim(s)));
    }
  } catch (const toml::type_error&) {
    fail(source, "'" + key + "' must be a list of strings");
  }
  return out;
}

std::string required_string(const toml::value& table, const std::string& key,
                            std::string_view source) {
  if (!table.contains(key)) fail(source, "missing '" + key + "'");
  try {
    return toml::find<std::string>(table, key);
  } catch (const toml::type_error&) {
    fail(source, "'" + key + "' must be a string");
  }
}

std::regex compile(const std::string& pattern, std::string_view source, std::string_view key) {
  try {
    return std::regex(pattern, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  } catch (const std::regex_error& e) {
    fail(source, "'" + std::string(key) + "' is not a valid regular expression: " + e.what());
  }
}

bool contains_word(const std::vector<std::string>& words, std::string_view value) {
  std::string v = collapse_spaces_lower(value);
  while (!v.empty() && (v.back() == '.' || v.back() == '!')) v.pop_back();
  return std::find(words.begin(), words.end(), v) != words.end();
}

std::size_t word_count(std::string_view s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), ' ')) + 1;
}

FieldSpec read_field(const toml::value& f, std::string_view source) {
  FieldSpec spec;
  spec.key = required_string(f, "key", source);
  spec.label = required_string(f, "label", source);
  spec.aliases = string_list(f, "aliases", source, false);
  if (f.contains("hint")) spec.hint = required_string(f, "hint", source);
  if (f.contains("list")) spec.is_list = toml::find<bool>(f, "list");
  spec.form_field_names = string_list(f, "pdf_fields", source, false);
  try {
    for (auto n : toml::find<std::vector<int>>(f, "section")) {
      if (n == 1)
        spec.in_section1 = true;
      else if (n == 2)
        spec.in_section2 = true;
      else
        fail(source, "field '" + spec.key + "': section must be 1 or 2");
    }
  } catch (const std::out_of_range&) {
    fail(source, "field '" + spec.key + "' has no 'section'");
  } catch (const toml::type_error&) {
    fail(source, "field '" + spec.key + "': 'section' must be a list of 1 and/or 2");
  }
  if (spec.hint.empty()) spec.hint = "the " + spec.label;
  return spec;
}

}  // namespace

std::string FormDefinition::normalize_label(std::string_view label) {
  std::string out;
  out.reserve(label.size());
  int paren_depth = 0;
  for (char c : label) {
    if (c == '(') ++paren_depth;
    if (paren_depth > 0) {
      if (c == ')') --paren_depth;
      continue;
    }
    if (c == '*' || c == '_') continue;
    out.push_back(c);
  }
  out = collapse_spaces_lower(out);
  while (!out.empty() && (out.back() == ':' || out.back() == '=' || out.back() == '|' ||
                          out.back() == ' ' || out.back() == '.')) {
    out.pop_back();
  }
  return out;
}

FormDefinition FormDefinition::from_toml(std::string_view text, std::string_view source) {
  toml::value root;
  try {
    std::istringstream in{std::string(text)};
    root = toml::parse(in, std::string(source));
  } catch (const toml::syntax_error& e) {
    fail(source, "line " + std::to_string(e.location().line()) + ": " + first_line(e.what()));
  }
  if (!root.contains("form")) fail(source, "missing [form] table");
  if (!root.contains("field")) fail(source, "no [[field]] entries");

  FormDefinition def;
  const auto& form = toml::find(root, "form");
  def.dispatch_number_re_ = compile(required_string(form, "dispatch_number_pattern", source),
                                    source, "dispatch_number_pattern");
  for (auto& p : string_list(form, "subject_patterns", source, false)) {
    def.subject_res_.push_back(compile(p, source, "subject_patterns"));
  }
  def.part_number_re_ =
      compile(required_string(form, "part_number_pattern", source), source, "part_number_pattern");
  def.placeholders_ = string_list(form, "placeholders", source, true);

  for (const auto& f : toml::find<toml::array>(root, "field")) {
    FieldSpec spec = read_field(f, source);
    if (def.field(spec.key)) fail(source, "field '" + spec.key + "' is defined twice");
    std::size_t index = def.fields_.size();
    std::vector<std::string> labels = spec.aliases;
    labels.push_back(spec.label);
    for (auto& l : labels) {
      std::string norm = normalize_label(l);
      if (norm.empty()) continue;
      auto [it, fresh] = def.by_label_.emplace(norm, index);
      if (!fresh && it->second != index) {
        fail(source, "label '" + l + "' names both '" + def.fields_[it->second].key + "' and '" +
                         spec.key + "'");
      }
      def.longest_label_words_ = std::max(def.longest_label_words_, word_count(norm));
      def.first_words_.insert(norm.substr(0, norm.find(' ')));
    }
    if (spec.key == "parts_used") spec.is_list = true;
    def.fields_.push_back(std::move(spec));
  }

  if (root.contains("values")) {
    const auto& values = toml::find(root, "values");
    if (values.contains("call_status")) {
      const auto& cs = toml::find(values, "call_status");
      def.completed_words_ = string_list(cs, "completed", source, true);
      def.pending_words_ = string_list(cs, "pending", source, true);
    }
    if (values.contains("parts_used")) {
      def.no_parts_words_ = string_list(toml::find(values, "parts_used"), "none", source, true);
    }
  }
  if (root.contains("reply")) {
    const auto& r = toml::find(root, "reply");
    def.reply_.history_lines = string_list(r, "history_lines", source, true);
    def.reply_.wrote_prefixes = string_list(r, "wrote_prefixes", source, true);
    def.reply_.wrote_suffixes = string_list(r, "wrote_suffixes", source, true);
    def.reply_.header_block_first = string_list(r, "header_block_first", source, true);
    def.reply_.header_block_next = string_list(r, "header_block_next", source, true);
    def.reply_.signature_prefixes = string_list(r, "signature_prefixes", source, true);
  }
  return def;
}

const FormDefinition& FormDefinition::builtin() {
  static const FormDefinition def = from_toml(builtin_form_text(), "built-in cits-form.toml");
  return def;
}

const FieldSpec* FormDefinition::field(std::string_view key) const noexcept {
  for (const auto& f : fields_) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

// Out of line: the lookup by string_view is C++20, and this header is also read by the
// attachment helper's sources, which clang builds as C++17 for qpdf's headers.
bool FormDefinition::may_start_label(std::string_view lower_word) const {
  return first_words_.find(lower_word) != first_words_.end();
}

const FieldSpec* FormDefinition::field_for_label(std::string_view normalized) const noexcept {
  auto it = by_label_.find(normalized);
  return it == by_label_.end() ? nullptr : &fields_[it->second];
}

const FieldSpec* FormDefinition::field_for_form_field(std::string_view name) const {
  // The last part of a qualified name, without its "[0]" index.
  std::string_view last =
      name.substr(name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1);
  if (auto bracket = last.find('['); bracket != std::string_view::npos)
    last = last.substr(0, bracket);
  // An entry matches the whole name or its last part: LiveCycle nests every field
  // ("topmostSubform[0].Page1[0].LaborHrs[0]"), so "LaborHrs" must do for both.
  for (const auto& f : fields_) {
    for (const auto& n : f.form_field_names) {
      if (iequals(n, name) || iequals(n, last)) return &f;
    }
  }
  // CamelCase and snake_case become words.
  std::string words;
  for (std::size_t i = 0; i < last.size(); ++i) {
    char c = last[i];
    bool upper = c >= 'A' && c <= 'Z';
    bool prev_lower = i > 0 && last[i - 1] >= 'a' && last[i - 1] <= 'z';
    if (c == '_' || c == '-') {
      words += ' ';
      continue;
    }
    if (upper && prev_lower) words += ' ';
    words += c;
  }
  return field_for_label(normalize_label(words));
}

bool FormDefinition::is_placeholder(std::string_view value) const {
  std::string_view v = trim(value);
  if (v.empty()) return true;
  // "???", "---", "xx", "..." and the like: nothing a person would submit as a value.
  bool only_filler = std::all_of(v.begin(), v.end(), [](char c) {
    return c == '?' || c == '-' || c == '_' || c == '.' || c == 'x' || c == 'X' || c == ' ';
  });
  return only_filler || contains_word(placeholders_, v);
}

bool FormDefinition::is_dispatch_number(std::string_view value) const {
  std::string v(value);
  return std::regex_match(v, dispatch_number_re_);
}

std::optional<std::string> FormDefinition::read_dispatch_number(std::string_view written) const {
  std::string digits(written);
  std::erase_if(digits, [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '#'; });
  if (!is_dispatch_number(digits)) return std::nullopt;
  return digits;
}

std::optional<std::string> FormDefinition::dispatch_number_in_subject(
    std::string_view subject) const {
  // Most subjects carry no run of six digits at all; skip the regex engine for them.
  std::size_t run = 0;
  bool has_run = false;
  for (char c : subject) {
    run = std::isdigit(static_cast<unsigned char>(c)) ? run + 1 : 0;
    has_run = has_run || run >= 6;
  }
  if (!has_run) return std::nullopt;
  std::string s(subject.substr(0, 1000));
  for (const auto& re : subject_res_) {
    std::smatch m;
    if (std::regex_search(s, m, re) && m.size() > 1 && is_dispatch_number(m[1].str())) {
      return m[1].str();
    }
  }
  return std::nullopt;
}

bool FormDefinition::is_part_number(std::string_view token) const {
  if (token.size() > 40) return false;
  std::string t(token);
  return std::regex_match(t, part_number_re_);
}

bool FormDefinition::means_no_parts(std::string_view value) const {
  if (contains_word(no_parts_words_, value)) return true;
  ChoiceReading r = read_choice(value, {no_parts_words_});
  if (!r.choice) return false;
  std::string word;
  for (char c : r.qualifier + ' ') {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      word.push_back(c);
    } else {
      if (is_part_number(to_upper_ascii(word))) return false;
      word.clear();
    }
  }
  return true;
}

ChoiceReading FormDefinition::read_call_status(std::string_view value) const {
  return read_choice(value, {completed_words_, pending_words_});
}

std::optional<CallStatus> FormDefinition::call_status(std::string_view value) const {
  auto r = read_call_status(value);
  if (!r.choice) return std::nullopt;
  return *r.choice == 0 ? CallStatus::completed : CallStatus::pending;
}

}  // namespace closeout
