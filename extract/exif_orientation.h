// SPDX-License-Identifier: GPL-3.0-or-later
// The EXIF Orientation tag (1-8) of a JPEG, read by a small bounded parser of its APP1 segment:
// phone cameras store the pixels as the sensor saw them and say in this tag how to turn them.
// Never fails: anything missing, truncated or odd reads as 1 (as stored).
#pragma once
#include <string_view>

namespace closeout::extract {

int jpeg_exif_orientation(std::string_view jpeg);

}  // namespace closeout::extract
