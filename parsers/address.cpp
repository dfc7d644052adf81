// SPDX-License-Identifier: GPL-3.0-or-later
// Address extraction: the angle-bracketed address outside quotes wins; otherwise the first
// word that looks like local@domain. Display names may contain '<', ',' or '@' inside quotes.
#include "address.h"

#include <fnmatch.h>

#include <algorithm>

#include "text_util.h"

namespace closeout {
namespace {

bool plausible(std::string_view a) {
  std::size_t at = a.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < a.size() &&
         a.find_first_of(" \t<>\"(),;:") == std::string_view::npos;
}

// The header value with quoted strings and (comments) blanked out, same length as the input.
std::string unquoted(std::string_view v) {
  std::string out(v);
  bool in_quote = false;
  int comment = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (c == '\\' && i + 1 < out.size() && (in_quote || comment)) {
      out[i] = out[i + 1] = ' ';
      ++i;
      continue;
    }
    if (!comment && c == '"') {
      in_quote = !in_quote;
      out[i] = ' ';
    } else if (!in_quote && c == '(') {
      ++comment;
      out[i] = ' ';
    } else if (!in_quote && comment && c == ')') {
      --comment;
      out[i] = ' ';
    } else if (in_quote || comment) {
      out[i] = ' ';
    }
  }
  return out;
}

}  // namespace

std::string address_of(std::string_view header_value) {
  std::string plain = unquoted(header_value);
  std::size_t open = plain.find('<');
  if (open != std::string::npos) {
    std::size_t close = plain.find('>', open);
    if (close != std::string::npos) {
      std::string inside(trim(std::string_view(plain).substr(open + 1, close - open - 1)));
      // Source routes ("<@a,@b:user@host>") are obsolete; keep the part after the colon.
      if (std::size_t colon = inside.rfind(':'); colon != std::string::npos)
        inside.erase(0, colon + 1);
      return plausible(inside) ? inside : std::string();
    }
  }
  std::size_t start = 0;
  while (start < plain.size()) {
    std::size_t end = plain.find_first_of(" \t,;", start);
    if (end == std::string::npos) end = plain.size();
    std::string word(trim(std::string_view(plain).substr(start, end - start)));
    if (plausible(word)) return word;
    start = end + 1;
  }
  return {};
}

std::vector<std::string> message_ids(std::string_view v) {
  std::vector<std::string> ids;
  std::size_t pos = 0;
  while ((pos = v.find('<', pos)) != std::string_view::npos) {
    std::size_t close = v.find('>', pos);
    if (close == std::string_view::npos) break;
    std::string id(v.substr(pos, close - pos + 1));
    std::erase_if(id, [](char c) { return c == ' ' || c == '\t'; });
    if (id.size() > 2 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    pos = close + 1;
  }
  return ids;
}

bool address_matches(std::string_view address, const std::vector<std::string>& patterns) {
  if (address.empty()) return false;
  std::string a(address);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) {
    return fnmatch(p.c_str(), a.c_str(), FNM_CASEFOLD) == 0;
  });
}

}  // namespace closeout
