// SPDX-License-Identifier: GPL-3.0-or-later
// Values that are a choice of words (Call Status: Completed or Pending; Parts Used: None), as
// people write them: "Pending - parts on order", "Completed (tested)", "none, adjustment only".
// Pure and total; an ambiguous value is reported as such, never guessed at.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace closeout {

struct ChoiceReading {
  std::optional<std::size_t> choice;  // index into the choices; nullopt: refused
  bool ambiguous = false;             // words of two different choices in it
  std::string qualifier;              // what followed the word: "parts on order"; may be empty
};

// choices[i] lists the lower-case words (and aliases) of choice i. A value is choice i when it
// is one of its words, or starts with one followed by a separator (blank, ',', ':', ';', '(',
// '/', a dash with a blank after it, or an en or em dash) and any qualifier. A hyphen glued to
// both sides joins one word ("Done-ish" is no known word). A value that names words of two
// different choices anywhere ("completed? pending parts") is ambiguous.
ChoiceReading read_choice(std::string_view value,
                          const std::vector<std::vector<std::string>>& choices);

}  // namespace closeout
