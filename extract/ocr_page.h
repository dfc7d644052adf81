// SPDX-License-Identifier: GPL-3.0-or-later
// One page image through OCR: made grey, straightened (small skew), turned upright (leptonica's
// text orientation test), then read by tesseract word by word with each word's confidence.
// Fatal (an exception, so the attachment is "unreadable"): tesseract cannot start.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "layout_text.h"

struct Pix;

namespace closeout::extract {

struct PixDeleter {
  void operator()(Pix* pix) const;
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

struct OcrPage {
  std::vector<PlacedWord> words;  // in pixels of the upright, straightened page
  int rotation_degrees = 0;       // clockwise turn applied to make the text upright
  double skew_degrees = 0;        // small tilt removed
};

// `image`: any depth leptonica holds (not taken over); `dpi` <= 0 when the file did not say.
OcrPage ocr_page(Pix* image, int page, int dpi, const std::string& tessdata_dir);

// Turns a picture as its EXIF Orientation tag (1-8) says a viewer would show it.
PixPtr apply_exif_orientation(PixPtr image, int orientation);

}  // namespace closeout::extract
