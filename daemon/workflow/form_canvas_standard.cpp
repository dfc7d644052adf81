// SPDX-License-Identifier: GPL-3.0-or-later
// The form in the reader's own Helvetica (one of PDF's standard fonts, which every reader has):
// nothing embedded, so nothing subset or deflated per form; the page is built with libharu,
// which also knows the standard fonts' widths.
#include <fmt/format.h>
#include <hpdf.h>

#include <functional>
#include <map>
#include <utility>

#include "charset.h"
#include "form_canvas.h"
#include "form_render.h"

namespace closeout::workflow {

namespace {

// WinAnsiEncoding is Windows-1252 (ISO 32000-1, Annex D): each of its characters above ASCII,
// as UTF-8, to its code, read off the project's own charset conversion once.
const std::map<std::string, unsigned char, std::less<>>& win_ansi() {
  static const auto table = [] {
    std::map<std::string, unsigned char, std::less<>> t;
    for (int c = 0xA0; c <= 0xFF; ++c)
      t.emplace(to_utf8(std::string(1, static_cast<char>(c)), "windows-1252"), c);
    for (int c = 0x80; c < 0xA0; ++c) {
      auto utf8 = to_utf8(std::string(1, static_cast<char>(c)), "windows-1252");
      // Five codes are undefined in 1252 (U+FFFD), and a C1 control would draw nothing.
      bool control = utf8.size() == 2 && static_cast<unsigned char>(utf8[0]) == 0xC2;
      if (utf8 != "\xEF\xBF\xBD" && !control) t.emplace(std::move(utf8), c);
    }
    return t;
  }();
  return table;
}

// text in WinAnsi codes; false (and '?' in its place) for a character it has no code for.
bool to_win_ansi(std::string_view text, std::string* codes) {
  const auto& table = win_ansi();
  bool all = true;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t next = next_char(text, i);
    auto c = static_cast<unsigned char>(text[i]);
    char code = '?';
    if (c >= 0x20 && c < 0x7F) {  // ASCII is itself in WinAnsi
      code = static_cast<char>(c);
    } else if (auto found = table.find(text.substr(i, next - i)); found != table.end()) {
      code = static_cast<char>(found->second);
    } else {
      all = false;
    }
    if (codes) codes->push_back(code);
    i = next;
  }
  return all;
}

// libharu reports errors to a handler; the first is kept and raised once the page is done.
void keep_error(HPDF_STATUS error, HPDF_STATUS detail, void* first) {
  auto& kept = *static_cast<std::pair<HPDF_STATUS, HPDF_STATUS>*>(first);
  if (kept.first == HPDF_OK) kept = {error, detail};
}

class StandardFontCanvas final : public FormCanvas {
 public:
  StandardFontCanvas() : pdf_(HPDF_New(&keep_error, &error_)) {
    if (!pdf_) throw FormRenderError("libharu: out of memory");
    // A few KB of text operators: deflating them would cost more time than the bytes are worth.
    HPDF_SetCompressionMode(pdf_, HPDF_COMP_NONE);
    HPDF_SetInfoAttr(pdf_, HPDF_INFO_TITLE, "Service Dispatch Form");
    HPDF_SetInfoAttr(pdf_, HPDF_INFO_CREATOR, "closeoutd");
    page_ = HPDF_AddPage(pdf_);
    HPDF_Page_SetWidth(page_, static_cast<HPDF_REAL>(kFormPageWidth));
    HPDF_Page_SetHeight(page_, static_cast<HPDF_REAL>(kFormPageHeight));
    regular_ = HPDF_GetFont(pdf_, "Helvetica", "WinAnsiEncoding");
    bold_ = HPDF_GetFont(pdf_, "Helvetica-Bold", "WinAnsiEncoding");
    font_ = regular_;
  }
  ~StandardFontCanvas() override { HPDF_Free(pdf_); }
  StandardFontCanvas(const StandardFontCanvas&) = delete;
  StandardFontCanvas& operator=(const StandardFontCanvas&) = delete;

  void font(double size, bool bold) override {
    size_ = size;
    font_ = bold ? bold_ : regular_;
  }
  double width(std::string_view text) override {
    std::string codes;
    to_win_ansi(text, &codes);
    auto w = HPDF_Font_TextWidth(font_, reinterpret_cast<const HPDF_BYTE*>(codes.data()),
                                 static_cast<HPDF_UINT>(codes.size()));
    return w.width * size_ / 1000;
  }
  void text(double x, double baseline, std::string_view text) override {
    std::string codes;
    to_win_ansi(text, &codes);
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, font_, static_cast<HPDF_REAL>(size_));
    HPDF_Page_TextOut(page_, static_cast<HPDF_REAL>(x),
                      static_cast<HPDF_REAL>(kFormPageHeight - baseline), codes.c_str());
    HPDF_Page_EndText(page_);
  }
  void rule(double x0, double x1, double y) override {
    auto at = static_cast<HPDF_REAL>(kFormPageHeight - y);
    HPDF_Page_SetLineWidth(page_, 0.6F);
    HPDF_Page_MoveTo(page_, static_cast<HPDF_REAL>(x0), at);
    HPDF_Page_LineTo(page_, static_cast<HPDF_REAL>(x1), at);
    HPDF_Page_Stroke(page_);
  }
  std::string finish() override {
    std::string out;
    if (error_.first == HPDF_OK && HPDF_SaveToStream(pdf_) == HPDF_OK) {
      HPDF_UINT32 size = HPDF_GetStreamSize(pdf_);
      out.resize(size);
      HPDF_ReadFromStream(pdf_, reinterpret_cast<HPDF_BYTE*>(out.data()), &size);
      out.resize(size);
    }
    if (error_.first != HPDF_OK || out.empty())  // libharu's manual lists its codes in hex
      throw FormRenderError(
          fmt::format("libharu error {:#06x} (detail {})", error_.first, error_.second));
    return out;
  }

 private:
  std::pair<HPDF_STATUS, HPDF_STATUS> error_{HPDF_OK, HPDF_OK};
  HPDF_Doc pdf_;
  HPDF_Page page_ = nullptr;
  HPDF_Font regular_ = nullptr;
  HPDF_Font bold_ = nullptr;
  HPDF_Font font_ = nullptr;
  double size_ = 10;
};

}  // namespace

bool standard_font_can_draw(std::string_view text) { return to_win_ansi(text, nullptr); }

std::unique_ptr<FormCanvas> make_standard_font_canvas() {
  return std::make_unique<StandardFontCanvas>();
}

}  // namespace closeout::workflow
