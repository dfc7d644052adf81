// SPDX-License-Identifier: GPL-3.0-or-later
// Word .docx attachments with libzip and libxml2 (no network, no external entities): tables,
// paragraphs, content controls (w:sdt) and legacy form fields. Entry counts and uncompressed
// sizes are checked before anything is inflated.
#pragma once
#include <string_view>

#include "attachment_reading.h"
#include "extract_request.h"

namespace closeout::extract {

AttachmentReading read_docx(std::string_view bytes, const ExtractRequest& request);

}  // namespace closeout::extract
