// SPDX-License-Identifier: GPL-3.0-or-later
// The helper's one entry point: the reader for request.kind. Never throws; whatever goes wrong
// inside a reader is an "unreadable" reading with the reason.
#pragma once
#include <string_view>

#include "attachment_reading.h"
#include "extract_request.h"

namespace closeout::extract {

AttachmentReading read_attachment(std::string_view bytes, const ExtractRequest& request);

}  // namespace closeout::extract
