// SPDX-License-Identifier: GPL-3.0-or-later
// Where the close-out's rendered form is drawn; form_render.cpp lays it out. Two kinds of page:
// - the reader's own Helvetica, nothing embedded (libharu), for a form whose text Windows-1252
//   (PDF's WinAnsiEncoding) can spell, which is nearly every form: about 0.1 ms and 3 KB;
// - embedded FreeSans (cairo), which draws any character FreeSans has: about 1 ms and 12 KB or
//   more, most of it the font subset cairo makes and deflates for every form (BENCHMARKS.md).
// Each measures text in its own font, so a value may wrap at other words in the other.
#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace closeout::workflow {

constexpr double kFormPageWidth = 612;  // US Letter, points
constexpr double kFormPageHeight = 792;
// GNU FreeSans (fonts-freefont-ttf, which the package depends on): a Helvetica-like face, as on
// CITS's own forms, and unhinted, so its subset is half of DejaVu Sans's.
constexpr const char* kFormFont = "FreeSans";

// Where the character after the one at i starts, in valid UTF-8.
inline std::size_t next_char(std::string_view s, std::size_t i) {
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

// Points from the top-left corner of the page; text is valid UTF-8 without control characters.
class FormCanvas {
 public:
  FormCanvas() = default;
  virtual ~FormCanvas() = default;
  FormCanvas(const FormCanvas&) = delete;
  FormCanvas& operator=(const FormCanvas&) = delete;

  virtual void font(double size, bool bold) = 0;
  virtual double width(std::string_view text) = 0;  // advance in the current font
  virtual void text(double x, double baseline, std::string_view text) = 0;
  virtual void rule(double x0, double x1, double y) = 0;  // a thin horizontal line
  virtual std::string finish() = 0;                       // the PDF; throws FormRenderError
};

std::unique_ptr<FormCanvas> make_embedded_font_canvas();

// Whether the Helvetica page can draw text: every character in Windows-1252.
bool standard_font_can_draw(std::string_view text);
std::unique_ptr<FormCanvas> make_standard_font_canvas();

}  // namespace closeout::workflow
