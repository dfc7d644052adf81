// SPDX-License-Identifier: GPL-3.0-or-later
// Subject tag reading and writing. A malformed tag is ignored rather than guessed at.
#include "dispatch_tag.h"

#include <cctype>

#include "text_util.h"

namespace closeout {

std::string make_dispatch_tag(std::string_view dispatch_number) {
  return "[CITS #" + std::string(dispatch_number) + "]";
}

std::optional<std::string> find_dispatch_tag(std::string_view text) {
  for (std::size_t pos = 0; pos + 6 < text.size(); ++pos) {
    if (text[pos] != '[' || !istarts_with(text.substr(pos + 1), "cits")) continue;
    std::size_t i = pos + 5;
    while (i < text.size() && (text[i] == ' ' || text[i] == '#')) ++i;
    std::size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i - start < 20)
      ++i;
    if (i > start && i < text.size() && text[i] == ']')
      return std::string(text.substr(start, i - start));
  }
  return std::nullopt;
}

}  // namespace closeout
