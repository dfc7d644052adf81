// SPDX-License-Identifier: GPL-3.0-or-later
// The CITS form as data: field keys, labels, aliases, value words and reply markers, read
// from a TOML text (config/cits-form.toml). A bad definition is a FormError naming the problem;
// nothing here reads files: callers pass the text in.
#pragma once
#include <functional>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "choice_words.h"

namespace closeout {

class FormError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FieldSpec {
  std::string key;
  std::string label;
  std::vector<std::string> aliases;
  bool in_section1 = false;
  bool in_section2 = false;
  // A list field (Parts Used) keeps unindented lines that follow it as list items.
  bool is_list = false;
  std::string hint;
  // "pdf_fields" in the form definition: form field names (PDF AcroForm fully qualified names,
  // .docx content control tags) that mean this field, matched case-insensitively.
  std::vector<std::string> form_field_names;
};

struct ReplyMarkers {
  std::vector<std::string> history_lines;
  std::vector<std::string> wrote_prefixes;
  std::vector<std::string> wrote_suffixes;
  std::vector<std::string> header_block_first;
  std::vector<std::string> header_block_next;
  std::vector<std::string> signature_prefixes;
};

enum class CallStatus { completed, pending };

class FormDefinition {
 public:
  // Throws FormError with a one-line message that names source_name and the key at fault.
  static FormDefinition from_toml(std::string_view text, std::string_view source_name);
  // The definition compiled into the program; parsed once, on first use.
  static const FormDefinition& builtin();

  const std::vector<FieldSpec>& fields() const noexcept { return fields_; }
  const FieldSpec* field(std::string_view key) const noexcept;
  // label must already be normalize_label()'d.
  const FieldSpec* field_for_label(std::string_view normalized_label) const noexcept;
  // A PDF form field or .docx content control by its name: an explicit pdf_fields entry first
  // (equal to the whole name or to its last part, case-insensitively),
  // else the name's last part ("topmostSubform[0].Page1[0].TechnicianName[0]" -> "Technician
  // Name", "date_of_service" -> "date of service") read as a label or alias.
  const FieldSpec* field_for_form_field(std::string_view name) const;
  std::size_t longest_label_words() const noexcept { return longest_label_words_; }
  // Cheap pre-check before any normalising: can a label start with this (lower-case) word?
  bool may_start_label(std::string_view lower_word) const;

  bool is_placeholder(std::string_view value) const;
  bool is_dispatch_number(std::string_view value) const;
  // The dispatch number a person wrote ("# 7012 345678"), blanks and '#' dropped; nullopt when
  // it does not match the pattern.
  std::optional<std::string> read_dispatch_number(std::string_view written) const;
  std::optional<std::string> dispatch_number_in_subject(std::string_view subject) const;
  bool is_part_number(std::string_view upper_case_token) const;
  // "None", "N/A", "None - adjustment only": no parts used. A qualifier that names a part
  // number ("None, QY6-0083") is not "none".
  bool means_no_parts(std::string_view value) const;
  // "Completed", "Pending - parts on order", "Completed (tested)": see read_choice. choice 0 is
  // completed, 1 pending; call_status() is its status, nullopt when refused or ambiguous.
  ChoiceReading read_call_status(std::string_view value) const;
  std::optional<CallStatus> call_status(std::string_view value) const;
  const ReplyMarkers& reply() const noexcept { return reply_; }

  // Lower-case, '*' and '_' dropped, blanks collapsed, a trailing "(...)" and separators removed:
  // "*Date of  Service (MM/DD/YYYY):*" -> "date of service".
  static std::string normalize_label(std::string_view label);

 private:
  // Looked up by string_view without a std::string copy: both are asked about every line of
  // every reply.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::vector<FieldSpec> fields_;
  std::unordered_map<std::string, std::size_t, TextHash, std::equal_to<>> by_label_;
  std::size_t longest_label_words_ = 0;
  std::unordered_set<std::string, TextHash, std::equal_to<>> first_words_;
  std::vector<std::string> placeholders_;
  std::regex dispatch_number_re_;
  std::vector<std::regex> subject_res_;
  std::regex part_number_re_;
  std::vector<std::string> no_parts_words_;
  std::vector<std::string> completed_words_;
  std::vector<std::string> pending_words_;
  ReplyMarkers reply_;
};

}  // namespace closeout
