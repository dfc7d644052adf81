// SPDX-License-Identifier: GPL-3.0-or-later
// PDF attachments: AcroForm fields with qpdf (names fully qualified, check boxes and choices
// included); otherwise the text layer with poppler-cpp, words laid out by position; pages with
// almost no text are scans and go to OCR (image_reader.h). An encrypted PDF is opened with the
// empty user password or is "unreadable".
#pragma once
#include <string_view>

#include "attachment_reading.h"
#include "extract_request.h"

namespace closeout::extract {

AttachmentReading read_pdf(std::string_view bytes, const ExtractRequest& request);

}  // namespace closeout::extract
