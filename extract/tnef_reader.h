// SPDX-License-Identifier: GPL-3.0-or-later
// Outlook's winmail.dat (TNEF): the attached files inside, each read as if it had been
// attached directly (reading.inner).
#pragma once
#include <string_view>

#include "attachment_reading.h"
#include "extract_request.h"

namespace closeout::extract {

AttachmentReading read_tnef(std::string_view bytes, const ExtractRequest& request);

}  // namespace closeout::extract
