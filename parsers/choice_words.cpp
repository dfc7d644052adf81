// SPDX-License-Identifier: GPL-3.0-or-later
// Reads a choice of words with an optional qualifier. The rule is deliberately narrow (the
// word must come first) so that a sentence such as "not completed" is refused, not misread.
#include "choice_words.h"

#include <cctype>

#include "text_util.h"

namespace closeout {
namespace {

constexpr std::string_view kEnDash = "\u2013";
constexpr std::string_view kEmDash = "\u2014";

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// The lower-cased value, blanks collapsed, closing '.' and '!' dropped ("Completed." is
// "completed").
std::string normalise(std::string_view value) {
  std::string v = collapse_spaces_lower(value);
  while (!v.empty() && (v.back() == '.' || v.back() == '!')) v.pop_back();
  return v;
}

// Does what follows a known word at the start separate it from a qualifier?
bool separator_at(std::string_view rest) {
  if (rest.empty()) return true;
  if (rest.starts_with(kEnDash) || rest.starts_with(kEmDash)) return true;
  const char c = rest.front();
  if (c == ' ' || c == ',' || c == ':' || c == ';' || c == '(' || c == '[' || c == '/') return true;
  // "Completed - tested", "Completed. Tested": but "Done-ish" and "done.ish" are one word.
  if (c == '-' || c == '.' || c == '!') return rest.size() == 1 || rest[1] == ' ';
  return false;
}

// The qualifier without the separators around it: "- parts on order" -> "parts on order",
// "(tested)" -> "tested".
std::string qualifier_of(std::string_view rest) {
  for (;;) {
    if (rest.starts_with(kEnDash) || rest.starts_with(kEmDash)) {
      rest.remove_prefix(kEnDash.size());
    } else if (!rest.empty() &&
               std::string_view(" ,:;([/-.!").find(rest.front()) != std::string_view::npos) {
      rest.remove_prefix(1);
    } else {
      break;
    }
  }
  while (!rest.empty() && (rest.back() == ')' || rest.back() == ']' || rest.back() == ' '))
    rest.remove_suffix(1);
  return std::string(rest);
}

// Is phrase in text as whole words (not inside "opened" or "incomplete")?
bool has_phrase(std::string_view text, std::string_view phrase) {
  if (phrase.empty()) return false;
  for (auto at = text.find(phrase); at != std::string_view::npos; at = text.find(phrase, at + 1)) {
    const std::size_t end = at + phrase.size();
    const bool starts = at == 0 || !is_word_char(text[at - 1]);
    const bool ends = end == text.size() || !is_word_char(text[end]);
    if (starts && ends) return true;
  }
  return false;
}

}  // namespace

ChoiceReading read_choice(std::string_view value,
                          const std::vector<std::vector<std::string>>& choices) {
  ChoiceReading out;
  const std::string v = normalise(value);
  if (v.empty()) return out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    for (const auto& word : choices[i]) {
      if (word == v) {
        out.choice = i;
        return out;
      }
    }
  }
  std::optional<std::size_t> named;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    for (const auto& word : choices[i]) {
      if (!has_phrase(v, word)) continue;
      if (named && *named != i) {
        out.ambiguous = true;
        return out;
      }
      named = i;
    }
  }
  // The longest word that starts the value: "follow up needed" before "follow up".
  std::size_t longest = 0;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    for (const auto& word : choices[i]) {
      if (word.empty() || word.size() <= longest || !v.starts_with(word) ||
          !separator_at(std::string_view(v).substr(word.size())))
        continue;
      longest = word.size();
      out.choice = i;
    }
  }
  if (out.choice) out.qualifier = qualifier_of(std::string_view(v).substr(longest));
  return out;
}

}  // namespace closeout
