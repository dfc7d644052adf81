// SPDX-License-Identifier: GPL-3.0-or-later
// Scans and photos (PNG, JPEG, TIFF) and the pages of image-only PDFs, read by OCR. The pixel
// count is checked from the file's header before anything is decoded, and a PDF page's from its
// size before it is rendered. Nothing here is fatal to the helper: every failure is a reading.
#include "image_reader.h"

#include <leptonica/allheaders.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "exif_orientation.h"
#include "ocr_page.h"
#include "ocr_verdict.h"

namespace closeout::extract {
namespace {

constexpr double kPdfDpi = 300;
// A page too big for max_image_pixels at 300 dpi is rendered smaller, down to this; below it
// printed text is too small to read and the page is refused instead.
constexpr double kLeastPdfDpi = 150;
// OCR costs 1-2 s of CPU a page and the helper has extract_seconds (30 s) for the whole file;
// a returned form is one or two pages, so a long scan is read only this far.
constexpr int kMostOcrPages = 6;

AttachmentReading unreadable(std::string reason, std::string limit = {}) {
  AttachmentReading r;
  r.read = AttachmentRead::unreadable;
  r.reason = std::move(reason);
  if (!limit.empty()) r.limits_tripped.push_back(std::move(limit));
  return r;
}

const auto* as_bytes(std::string_view bytes) {
  return reinterpret_cast<const l_uint8*>(bytes.data());
}

// Leptonica's grey 8 bpp pixels are packed four to a 32-bit word, the first one highest.
PixPtr pix_from_grey(const poppler::image& image) {
  PixPtr pix(pixCreate(image.width(), image.height(), 8));
  if (!pix) return pix;
  const char* rows = image.const_data();
  l_uint32* data = pixGetData(pix.get());
  l_int32 wpl = pixGetWpl(pix.get());
  for (int y = 0; y < image.height(); ++y) {
    const auto* row =
        reinterpret_cast<const unsigned char*>(rows + std::ptrdiff_t{y} * image.bytes_per_row());
    l_uint32* line = data + std::ptrdiff_t{y} * wpl;
    for (int x = 0; x < image.width(); ++x) SET_DATA_BYTE(line, x, row[x]);
  }
  return pix;
}

// read_pdf reads such a page from its text layer; OCR would read it a second time. Same
// threshold as read_pdf's: fewer visible characters than this is a scan or a blank page.
bool has_text_layer(const poppler::page& page) {
  std::size_t chars = 0;
  for (const auto& box : page.text_list()) {
    for (char c : box.text().to_utf8())
      if (c != ' ') ++chars;
    if (chars >= 10) return true;
  }
  return false;
}

}  // namespace

AttachmentReading read_image(std::string_view bytes, const ExtractRequest& request) {
  setMsgSeverity(L_SEVERITY_NONE);  // every failure is reported in the reading instead
  l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, colormap = 0;
  if (pixReadHeaderMem(as_bytes(bytes), bytes.size(), &format, &w, &h, &bps, &spp, &colormap) !=
          0 ||
      w <= 0 || h <= 0)
    return unreadable("not a PNG, JPEG or TIFF image that can be read");
  if (std::uint64_t(w) * std::uint64_t(h) > request.max_image_pixels)
    return unreadable("the image is larger than max_image_pixels (" + std::to_string(w) + "x" +
                          std::to_string(h) + ")",
                      "max_image_pixels");
  PixPtr pix(pixReadMem(as_bytes(bytes), bytes.size()));
  if (!pix) return unreadable("the image could not be decoded (damaged or truncated)");
  // TIFF's own orientation tag is rare from scanners and is not applied; leptonica's upright
  // test in ocr_page turns such a page anyway.
  if (format == IFF_JFIF_JPEG)
    pix = apply_exif_orientation(std::move(pix), jpeg_exif_orientation(bytes));
  if (!pix) return unreadable("the image could not be turned as its EXIF orientation says");
  OcrPage page = ocr_page(pix.get(), 0, pixGetXRes(pix.get()), request.tessdata_dir);
  return reading_from_ocr(page.words, FormDefinition::builtin());
}

AttachmentReading ocr_pdf_pages(std::string_view pdf_bytes, const ExtractRequest& request) {
  setMsgSeverity(L_SEVERITY_NONE);
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(pdf_bytes.data(), int(pdf_bytes.size())));
  if (!doc) return unreadable("not a PDF that can be opened");
  if (doc->is_locked())
    return unreadable("the PDF is encrypted; please type Section 2 into the reply");
  std::vector<std::string> limits;
  std::vector<std::string> notes;
  int pages = std::max(doc->pages(), 0);
  if (std::size_t(pages) > request.max_pdf_pages) {
    notes.push_back("only the first " + std::to_string(request.max_pdf_pages) +
                    " pages were read (max_pdf_pages)");
    pages = int(request.max_pdf_pages);
    limits.emplace_back("max_pdf_pages");
  }
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
  renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
  std::vector<PlacedWord> words;
  int refused = 0, scans = 0;
  for (int p = 0; p < pages; ++p) {
    std::unique_ptr<poppler::page> page(doc->create_page(p));
    if (!page || has_text_layer(*page)) continue;
    if (scans == kMostOcrPages) {
      notes.push_back("OCR read only the first " + std::to_string(kMostOcrPages) +
                      " pages without text");
      break;
    }
    ++scans;
    // What render_page draws is the crop box.
    poppler::rectf box = page->page_rect(poppler::crop_box);
    double pixels_at_300 = (box.width() / 72 * kPdfDpi) * (box.height() / 72 * kPdfDpi);
    double dpi = kPdfDpi;
    if (pixels_at_300 > double(request.max_image_pixels)) {
      dpi = kPdfDpi * std::sqrt(double(request.max_image_pixels) / pixels_at_300);
      if (limits.empty() || limits.back() != "max_image_pixels")
        limits.emplace_back("max_image_pixels");
      if (dpi < kLeastPdfDpi) {
        ++refused;
        continue;
      }
    }
    // render_page adds the page's own /Rotate, so a page scanned sideways comes out as shown.
    poppler::image image = renderer.render_page(page.get(), dpi, dpi);
    if (!image.is_valid() || image.format() != poppler::image::format_gray8) continue;
    PixPtr pix = pix_from_grey(image);
    if (!pix) continue;
    OcrPage read = ocr_page(pix.get(), p, int(dpi), request.tessdata_dir);
    words.insert(words.end(), read.words.begin(), read.words.end());
  }
  if (refused > 0)
    notes.push_back(std::to_string(refused) + " page(s) larger than max_image_pixels allows at " +
                    std::to_string(int(kLeastPdfDpi)) + " dpi were not read");
  AttachmentReading reading = refused > 0 && refused == scans
                                  ? unreadable("every page is larger than max_image_pixels allows")
                                  : reading_from_ocr(words, FormDefinition::builtin());
  // A read reading's reason is its note; an unreadable one keeps its own first.
  for (const auto& note : notes) reading.reason += (reading.reason.empty() ? "" : "; ") + note;
  reading.limits_tripped.insert(reading.limits_tripped.end(), limits.begin(), limits.end());
  return reading;
}

}  // namespace closeout::extract
