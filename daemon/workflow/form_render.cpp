// SPDX-License-Identifier: GPL-3.0-or-later
#include "form_render.h"

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

#include "form_canvas.h"

namespace closeout::workflow {

namespace {

constexpr double kMargin = 54;
constexpr double kLabelWidth = 150;
constexpr double kValueX = kMargin + kLabelWidth + 10;
constexpr double kValueWidth = kFormPageWidth - kMargin - kValueX;
constexpr double kFontSize = 10;
constexpr double kLine = 13.5;
constexpr int kMaxValueLines = 4;
constexpr const char* kEllipsis = "\xE2\x80\xA6";  // U+2026

// cairo refuses a string that is not UTF-8 (and then draws nothing more), and a control
// character draws nothing useful on either page: repair, and make control characters blanks.
std::string clean_utf8(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size();) {
    auto c = static_cast<unsigned char>(in[i]);
    std::size_t len = c < 0x80         ? 1
                      : (c >> 5) == 6  ? 2
                      : (c >> 4) == 14 ? 3
                      : (c >> 3) == 30 ? 4
                                       : 0;
    bool ok = len > 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(in[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      out += '?';
      ++i;
      continue;
    }
    if (len == 1 && (c < 0x20 || c == 0x7F))
      out += ' ';
    else
      out.append(in.substr(i, len));
    i += len;
  }
  return out;
}

// The longest prefix of s (whole characters) that fits in room with "…" after it.
std::string cut(FormCanvas& page, std::string_view s, double room) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t j = next_char(s, i);
    std::string longer = out + std::string(s.substr(i, j - i));
    if (page.width(longer + kEllipsis) > room) break;
    out = std::move(longer);
    i = j;
  }
  return out + kEllipsis;
}

// s itself when it fits, else cut.
std::string fit(FormCanvas& page, const std::string& s, double room) {
  return page.width(s) <= room ? s : cut(page, s, room);
}

// Word-wrapped lines of at most max_lines; the last is cut with "…" when text is left over.
std::vector<std::string> wrap(FormCanvas& page, std::string_view s, double room, int max_lines) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    std::size_t end = s.find(' ', i);
    if (end == std::string_view::npos) end = s.size();
    std::string word(s.substr(i, end - i));
    if (word.empty()) break;
    std::string candidate = line.empty() ? word : line + " " + word;
    if (page.width(candidate) <= room) {
      line = std::move(candidate);
      i = end;
      continue;
    }
    if (line.empty()) {  // one word wider than the column: break it between characters
      std::size_t k = i;
      while (k < end) {
        std::size_t n = next_char(s, k);
        if (!line.empty() && page.width(line + std::string(s.substr(k, n - k))) > room) break;
        line += std::string(s.substr(k, n - k));
        k = n;
      }
      i = k;
    }
    if (static_cast<int>(lines.size()) + 1 == max_lines) {
      lines.push_back(cut(page, std::string(line) + " " + std::string(s.substr(i)), room));
      return lines;
    }
    lines.push_back(std::move(line));
    line.clear();
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

// The form's text as it is drawn: repaired UTF-8, so both canvases get the same strings.
struct CleanForm {
  std::string number_line;
  std::string provider_line;                                            // empty: no such line
  std::vector<std::pair<std::string, std::string>> section1, section2;  // label:, value
};

std::vector<std::pair<std::string, std::string>> clean_entries(const nlohmann::json& entries) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : entries)
    out.emplace_back(clean_utf8(entry.value("label", "")) + ":",
                     clean_utf8(entry.value("value", "")));
  return out;
}

bool all_in_standard_font(const CleanForm& form) {
  auto entries_drawable = [](const auto& entries) {
    return std::all_of(entries.begin(), entries.end(), [](const auto& entry) {
      return standard_font_can_draw(entry.first) && standard_font_can_draw(entry.second);
    });
  };
  return standard_font_can_draw(form.number_line) && standard_font_can_draw(form.provider_line) &&
         entries_drawable(form.section1) && entries_drawable(form.section2);
}

struct Cursor {
  double y = kMargin;
  bool full = false;
};

constexpr double kBottom = kFormPageHeight - kMargin - 2 * kLine;  // room for the footer

void section(FormCanvas& page, Cursor& at, const std::string& heading,
             const std::vector<std::pair<std::string, std::string>>& entries) {
  if (at.full) return;
  at.y += kLine;
  page.font(11.5, true);
  page.text(kMargin, at.y, heading);
  at.y += 4;
  page.rule(kMargin, kFormPageWidth - kMargin, at.y);
  at.y += kLine;
  for (const auto& [label, value] : entries) {
    if (at.y > kBottom) {
      page.font(kFontSize, false);
      page.text(kMargin, at.y, kEllipsis);
      at.full = true;
      return;
    }
    page.font(kFontSize, true);
    page.text(kMargin, at.y, fit(page, label, kLabelWidth));
    page.font(kFontSize, false);
    int room_lines = std::max(1, static_cast<int>((kBottom - at.y) / kLine) + 1);
    auto lines = wrap(page, value, kValueWidth, std::min(kMaxValueLines, room_lines));
    for (const auto& line : lines) {
      page.text(kValueX, at.y, line);
      at.y += kLine;
    }
    at.y += 3;
  }
}

std::string draw(FormCanvas& page, const CleanForm& form) {
  Cursor at;
  at.y = kMargin + 14;
  page.font(18, true);
  page.text(kMargin, at.y, "Service Dispatch Form");
  at.y += kLine * 1.6;
  page.font(kFontSize + 1, false);
  page.text(kMargin, at.y, fit(page, form.number_line, kFormPageWidth - 2 * kMargin));
  if (!form.provider_line.empty()) {
    at.y += kLine;
    page.text(kMargin, at.y, fit(page, form.provider_line, kFormPageWidth - 2 * kMargin));
  }
  at.y += kLine;
  section(page, at, "SECTION 1 - DISPATCH INFORMATION", form.section1);
  section(page, at, "SECTION 2 - SERVICE COMPLETION", form.section2);
  page.font(8, false);
  page.text(kMargin, kFormPageHeight - kMargin,
            "Made by closeoutd from the values in this e-mail; its text is the authoritative "
            "copy.");
  return page.finish();
}

}  // namespace

std::string render_form_pdf(const RenderedFormText& form) {
  CleanForm clean;
  clean.number_line = clean_utf8("Dispatch Number: " + form.dispatch_number);
  if (!form.service_provider.empty())
    clean.provider_line = clean_utf8("Service Provider: " + form.service_provider);
  clean.section1 = clean_entries(form.section1);
  clean.section2 = clean_entries(form.section2);
  if (all_in_standard_font(clean)) {
    try {
      return draw(*make_standard_font_canvas(), clean);
    } catch (const FormRenderError&) {  // NOLINT(bugprone-empty-catch): cairo draws it instead
    }
  }
  return draw(*make_embedded_font_canvas(), clean);
}

}  // namespace closeout::workflow
