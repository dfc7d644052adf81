// SPDX-License-Identifier: GPL-3.0-or-later
// The form on a cairo PDF surface, in embedded FreeSans: any character the face has.
#include <cairo-pdf.h>
#include <cairo.h>

#include "form_canvas.h"
#include "form_render.h"

namespace closeout::workflow {

namespace {

class CairoCanvas final : public FormCanvas {
 public:
  CairoCanvas() {
    surface_ = cairo_pdf_surface_create_for_stream(&CairoCanvas::write, &pdf_, kFormPageWidth,
                                                   kFormPageHeight);
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_TITLE, "Service Dispatch Form");
    cairo_pdf_surface_set_metadata(surface_, CAIRO_PDF_METADATA_CREATOR, "closeoutd");
    cr_ = cairo_create(surface_);
  }
  ~CairoCanvas() override {
    cairo_destroy(cr_);
    cairo_surface_destroy(surface_);
  }
  CairoCanvas(const CairoCanvas&) = delete;
  CairoCanvas& operator=(const CairoCanvas&) = delete;

  void font(double size, bool bold) override {
    cairo_select_font_face(cr_, kFormFont, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr_, size);
  }
  double width(std::string_view text) override {
    cairo_text_extents_t e;
    cairo_text_extents(cr_, std::string(text).c_str(), &e);
    return e.x_advance;
  }
  void text(double x, double baseline, std::string_view text) override {
    cairo_move_to(cr_, x, baseline);
    cairo_show_text(cr_, std::string(text).c_str());
  }
  void rule(double x0, double x1, double y) override {
    cairo_set_line_width(cr_, 0.6);
    cairo_move_to(cr_, x0, y);
    cairo_line_to(cr_, x1, y);
    cairo_stroke(cr_);
  }
  std::string finish() override {
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

}  // namespace

std::unique_ptr<FormCanvas> make_embedded_font_canvas() { return std::make_unique<CairoCanvas>(); }

}  // namespace closeout::workflow
