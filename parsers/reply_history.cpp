// SPDX-License-Identifier: GPL-3.0-or-later
// Splits a reply into new text and quoted history, line by line. Once a history marker is
// seen, everything after it is history: clients put the quoted mail last. '>' lines before
// that are history too, but text after them stays new (people answer between quotes).
#include "reply_history.h"

#include <algorithm>
#include <vector>

#include "text_util.h"

namespace closeout {
namespace {

// Lower-cased, with blanks and the '-', '_', '*' decoration around it removed.
std::string marker_form(std::string_view line) {
  std::string_view t = trim(line);
  auto decoration = [](char c) {
    return c == '-' || c == '_' || c == '*' || c == ' ' || c == '\t';
  };
  while (!t.empty() && decoration(t.front())) t.remove_prefix(1);
  while (!t.empty() && decoration(t.back())) t.remove_suffix(1);
  return to_lower_ascii(t);
}

bool starts_with_any(std::string_view s, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return s.rfind(p, 0) == 0; });
}

bool ends_with_any(std::string_view s, const std::vector<std::string>& suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](const std::string& x) {
    return s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
  });
}

bool is_rule_line(std::string_view line) {
  std::string_view t = trim(line);
  return t.size() >= 10 && std::all_of(t.begin(), t.end(), [](char c) { return c == '_'; });
}

// "On Mon, Nov 23, 2026 at 4:12 PM Acme <x@y>\nwrote:" is wrapped by Gmail; join up to 3 lines.
bool is_wrote_line(const std::vector<std::string_view>& lines, std::size_t i,
                   const ReplyMarkers& m) {
  std::string joined = to_lower_ascii(trim(lines[i]));
  if (!starts_with_any(joined, m.wrote_prefixes)) return false;
  for (std::size_t k = i; k < lines.size() && k < i + 3; ++k) {
    if (k > i) {
      if (trim(lines[k]).empty()) return false;
      joined += ' ';
      joined += to_lower_ascii(trim(lines[k]));
    }
    if (ends_with_any(joined, m.wrote_suffixes)) return true;
  }
  return false;
}

bool is_header_block(const std::vector<std::string_view>& lines, std::size_t i,
                     const ReplyMarkers& m) {
  if (!starts_with_any(marker_form(lines[i]), m.header_block_first)) return false;
  for (std::size_t k = i + 1; k < lines.size() && k <= i + 4; ++k) {
    if (starts_with_any(marker_form(lines[k]), m.header_block_next)) return true;
  }
  return false;
}

bool starts_history(const std::vector<std::string_view>& lines, std::size_t i,
                    const ReplyMarkers& m) {
  std::string form = marker_form(lines[i]);
  if (form.empty()) return false;
  return std::find(m.history_lines.begin(), m.history_lines.end(), form) != m.history_lines.end() ||
         is_rule_line(lines[i]) || is_wrote_line(lines, i, m) || is_header_block(lines, i, m);
}

bool is_signature_start(std::string_view line, const ReplyMarkers& m) {
  if (line == "-- " || line == "--") return true;
  return starts_with_any(to_lower_ascii(trim(line)), m.signature_prefixes);
}

// "> > text" -> "text"; nullopt when the line is not quoted.
std::optional<std::string_view> unquote(std::string_view line) {
  std::string_view t = line;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  if (t.empty() || t.front() != '>') return std::nullopt;
  while (!t.empty() && (t.front() == '>' || t.front() == ' ')) t.remove_prefix(1);
  return t;
}

void append_line(std::string& out, std::string_view line) {
  out.append(line);
  out.push_back('\n');
}

}  // namespace

ReplyText split_reply(std::string_view text, const ReplyMarkers& markers) {
  ReplyText out;
  const auto lines = split_lines(text);
  bool in_history = false;
  bool in_signature = false;
  // Text typed straight under a quoted line answers it ("> Technician Name:" then "Mike Ross"):
  // it is new text, and it also stays beside its quoted label in the history.
  bool answering_quote = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    auto quoted = unquote(line);
    if (!in_history && !quoted && starts_history(lines, i, markers)) in_history = true;
    if (in_history) {
      append_line(out.history, quoted ? *quoted : line);
      continue;
    }
    if (quoted) {
      append_line(out.history, *quoted);
      answering_quote = true;
      continue;
    }
    answering_quote = answering_quote && !trim(line).empty();
    if (answering_quote) append_line(out.history, line);
    if (!in_signature && is_signature_start(line, markers)) in_signature = true;
    if (!in_signature) append_line(out.new_text, line);
  }
  return out;
}

}  // namespace closeout
