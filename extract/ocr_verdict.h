// SPDX-License-Identifier: GPL-3.0-or-later
// What OCR's words amount to as an attachment reading: noise dropped, lines laid out for the
// label finder, and a scan whose Section 2 values are mostly low-confidence (handwriting, a
// blurred photo) refused as "unreadable" so the technician is asked to type it.
#pragma once
#include <vector>

#include "attachment_reading.h"
#include "form_definition.h"
#include "layout_text.h"

namespace closeout::extract {

// Below this a word is noise (specks, lines of the form, a pen's strokes) and is dropped.
inline constexpr double kNoiseConfidence = 30;
// A Section 2 value whose words average below this is doubtful; printed values read at 85-96.
inline constexpr double kTrustedConfidence = 75;

AttachmentReading reading_from_ocr(const std::vector<PlacedWord>& words,
                                   const FormDefinition& form);

}  // namespace closeout::extract
