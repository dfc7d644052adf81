// SPDX-License-Identifier: GPL-3.0-or-later
// Scans and photos (PNG, JPEG, TIFF) and image-only PDF pages, through tesseract: printed text
// only, every word's confidence kept, EXIF orientation and page rotation undone.
#pragma once
#include <string_view>

#include "attachment_reading.h"
#include "extract_request.h"

namespace closeout::extract {

AttachmentReading read_image(std::string_view bytes, const ExtractRequest& request);
// The pages of a PDF without a text layer, rendered at 300 dpi (poppler-cpp) and read by OCR.
AttachmentReading ocr_pdf_pages(std::string_view pdf_bytes, const ExtractRequest& request);

}  // namespace closeout::extract
