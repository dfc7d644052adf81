// SPDX-License-Identifier: GPL-3.0-or-later
#include "form_render.h"

#include <cairo-pdf.h>
#include <cairo.h>

#include <memory>
#include <string_view>
#include <vector>

namespace closeout::workflow {

namespace {

constexpr double kPageWidth = 612;  // US Letter, points
constexpr double kPageHeight = 792;
constexpr double kMargin = 54;
constexpr double kLabelWidth = 150;
constexpr double kValueX = kMargin + kLabelWidth + 10;
constexpr double kValueWidth = kPageWidth - kMargin - kValueX;
constexpr double kFontSize = 10;
constexpr double kLine = 13.5;
constexpr int kMaxValueLines = 4;
constexpr const char* kEllipsis = "\xE2\x80\xA6";  // U+2026
// GNU FreeSans (fonts-freefont-ttf, which the package depends on): a Helvetica-like face, as on
// CITS's own forms, and unhinted, so the subset cairo embeds and deflates into every form is
// half of DejaVu Sans's: 12.7 KB against 22.4 KB a form, 0.82 against 1.08 ms (BENCHMARKS.md).
constexpr const char* kFont = "FreeSans";

// cairo refuses a string that is not UTF-8 (and then draws nothing more): repair, and make
// control characters blanks.
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

std::size_t next_char(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

class Page {
 public:
  Page() {
    surface_ = cairo_pdf_surface_create_for_stream(&Page::write, &pdf_, kPageWidth, kPageHeight);
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE, "Service Dispatch Form");
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR, "closeoutd");
    cr_ = cairo_create(surface_);
  }
  ~Page() {
    cairo_destroy(cr_);
    cairo_surface_destroy(surface_);
  }
  Page(const Page&) = delete;
  Page& operator=(const Page&) = delete;

  void font(double size, bool bold) {
    cairo_select_font_face(cr_, kFont, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
  }
  double width(const std::string& text) {
    cairo_text_extents_t e;
    cairo_text_extents(cr_, text.c_str(), &e);
    return e.x_advance;
  }
  void text(double x, double y, const std::string& s) {
    cairo_move_to(cr_, x, y);
    cairo_show_text(cr_, s.c_str());
  }
  void rule(double y) {
    cairo_set_line_width(cr_, 0.6);
    cairo_move_to(cr_, kMargin, y);
    cairo_line_to(cr_, kPageWidth - kMargin, y);
    cairo_stroke(cr_);
  }

  // The longest prefix of s (whole characters) that fits in room with "…" after it.
  std::string cut(std::string_view s, double room) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
      std::size_t j = next_char(s, i);
      std::string longer = out + std::string(s.substr(i, j - i));
      if (width(longer + kEllipsis) > room) break;
      out = std::move(longer);
      i = j;
    }
    return out + kEllipsis;
  }

  // s itself when it fits, else cut.
  std::string fit(const std::string& s, double room) { return width(s) <= room ? s : cut(s, room); }

  // Word-wrapped lines of at most max_lines; the last is cut with "…" when text is left over.
  std::vector<std::string> wrap(std::string_view s, double room, int max_lines) {
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
      if (width(candidate) <= room) {
        line = std::move(candidate);
        i = end;
        continue;
      }
      if (line.empty()) {  // one word wider than the column: break it between characters
        std::size_t k = i;
        while (k < end) {
          std::size_t n = next_char(s, k);
          if (!line.empty() && width(line + std::string(s.substr(k, n - k))) > room) break;
          line += std::string(s.substr(k, n - k));
          k = n;
        }
        i = k;
      }
      if (static_cast<int>(lines.size()) + 1 == max_lines) {
        lines.push_back(cut(std::string(line) + " " + std::string(s.substr(i)), room));
        return lines;
      }
      lines.push_back(std::move(line));
      line.clear();
    }
    if (!line.empty() || lines.empty()) lines.push_back(line);
    return lines;
  }

  std::string finish() {
    cairo_show_page(cr_);
    cairo_surface_finish(surface_);
    cairo_status_t status = cairo_surface_status(surface_);
    if (status == CAIRO_STATUS_SUCCESS) status = cairo_status(cr_);
    if (status != CAIRO_STATUS_SUCCESS) throw FormRenderError(cairo_status_to_string(status));
    return pdf_;
  }

 private:
  static cairo_status_t write(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
  }

  std::string pdf_;
  cairo_surface_t* surface_ = nullptr;
  cairo_t* cr_ = nullptr;
};

struct Cursor {
  double y = kMargin;
  bool full = false;
};

constexpr double kBottom = kPageHeight - kMargin - 2 * kLine;  // room for the footer

void section(Page& page, Cursor& at, const std::string& heading, const nlohmann::json& entries) {
  if (at.full) return;
  at.y += kLine;
  page.font(11.5, true);
  page.text(kMargin, at.y, heading);
  at.y += 4;
  page.rule(at.y);
  at.y += kLine;
  for (const auto& entry : entries) {
    if (at.y > kBottom) {
      page.font(kFontSize, false);
      page.text(kMargin, at.y, kEllipsis);
      at.full = true;
      return;
    }
    std::string label = clean_utf8(entry.value("label", ""));
    std::string value = clean_utf8(entry.value("value", ""));
    page.font(kFontSize, true);
    page.text(kMargin, at.y, page.fit(label + ":", kLabelWidth));
    page.font(kFontSize, false);
    int room_lines = std::max(1, static_cast<int>((kBottom - at.y) / kLine) + 1);
    auto lines = page.wrap(value, kValueWidth, std::min(kMaxValueLines, room_lines));
    for (const auto& line : lines) {
      page.text(kValueX, at.y, line);
      at.y += kLine;
    }
    at.y += 3;
  }
}

}  // namespace

std::string render_form_pdf(const RenderedFormText& form) {
  Page page;
  Cursor at;
  at.y = kMargin + 14;
  page.font(18, true);
  page.text(kMargin, at.y, "Service Dispatch Form");
  at.y += kLine * 1.6;
  page.font(kFontSize + 1, false);
  page.text(
      kMargin, at.y,
      page.fit(clean_utf8("Dispatch Number: " + form.dispatch_number), kPageWidth - 2 * kMargin));
  if (!form.service_provider.empty()) {
    at.y += kLine;
    page.text(kMargin, at.y,
              page.fit(clean_utf8("Service Provider: " + form.service_provider),
                       kPageWidth - 2 * kMargin));
  }
  at.y += kLine;
  section(page, at, "SECTION 1 - DISPATCH INFORMATION", form.section1);
  section(page, at, "SECTION 2 - SERVICE COMPLETION", form.section2);
  page.font(8, false);
  page.text(kMargin, kPageHeight - kMargin,
            "Made by closeoutd from the values in this e-mail; its text is the authoritative "
            "copy.");
  return page.finish();
}

}  // namespace closeout::workflow
