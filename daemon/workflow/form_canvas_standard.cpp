// SPDX-License-Identifier: GPL-3.0-or-later
// The form in the reader's own Helvetica (one of PDF's standard fonts, which every reader has):
// nothing embedded, so nothing subset or deflated per form; the page is built with libharu,
// which also knows the standard fonts' widths.
#include <fmt/format.h>
#include <hpdf.h>
#include <iconv.h>

#include <array>
#include <map>
#include <utility>

#include "form_canvas.h"
#include "form_render.h"

namespace closeout::workflow {

namespace {

constexpr int kFirstCode = 32;
constexpr int kLastCode = 255;

// WinAnsiEncoding is Windows-1252 (ISO 32000-1, Annex D): character -> code, read off iconv
// once. Without iconv's module for it, only ASCII, and anything else goes to the FreeSans page.
const std::map<char32_t, unsigned char>& win_ansi() {
  static const std::map<char32_t, unsigned char> table = [] {
    std::map<char32_t, unsigned char> t;
    iconv_t cd = iconv_open("UTF-32LE", "WINDOWS-1252");
    // NOLINTNEXTLINE(performance-no-int-to-ptr): (iconv_t)-1 is how iconv_open says it failed
    const bool opened = cd != reinterpret_cast<iconv_t>(-1);
    for (int c = kFirstCode; c <= kLastCode; ++c) {
      char32_t u = c < 0x7F ? static_cast<char32_t>(c) : 0;
      if (c > 0x7F && opened) {
        char in = static_cast<char>(c);
        std::array<unsigned char, 4> out{};
        char* in_at = &in;
        auto* out_at = reinterpret_cast<char*>(out.data());
        std::size_t in_left = 1;
        std::size_t out_left = out.size();
        if (iconv(cd, &in_at, &in_left, &out_at, &out_left) != static_cast<std::size_t>(-1) &&
            out_left == 0)
          u = out[0] | (out[1] << 8) | (out[2] << 16) | (static_cast<char32_t>(out[3]) << 24);
      }
      if (u < 0x20 || (u >= 0x7F && u < 0xA0)) continue;  // undefined in 1252, or a control
      t.emplace(u, static_cast<unsigned char>(c));
    }
    if (opened) iconv_close(cd);
    return t;
  }();
  return table;
}

// The next character of valid UTF-8 at i, and i moved past it.
char32_t next_utf8(std::string_view s, std::size_t& i) {
  auto c = static_cast<unsigned char>(s[i++]);
  int more = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : 3;
  char32_t u = more == 0 ? c : more == 1 ? (c & 0x1F) : more == 2 ? (c & 0x0F) : (c & 0x07);
  for (; more > 0 && i < s.size(); --more)
    u = (u << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  return u;
}

// text in WinAnsi codes; false (and '?' in its place) for a character it has no code for.
bool to_win_ansi(std::string_view text, std::string* codes) {
  const auto& table = win_ansi();
  bool all = true;
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F) {  // ASCII is itself in WinAnsi
      if (codes) codes->push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    auto found = table.find(next_utf8(text, i));
    all = all && found != table.end();
    if (codes) codes->push_back(static_cast<char>(found != table.end() ? found->second : '?'));
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
