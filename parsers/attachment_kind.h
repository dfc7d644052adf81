// SPDX-License-Identifier: GPL-3.0-or-later
// Which attachments can carry the form, from their first bytes first (a PDF sent as
// application/octet-stream named "scan" is still a PDF), then the MIME type and file name.
#pragma once
#include <string>
#include <string_view>

namespace closeout {

// "pdf" | "docx" | "image" | "tnef", or "" for anything closeoutd does not read.
std::string attachment_kind(std::string_view bytes, std::string_view filename,
                            std::string_view content_type);

}  // namespace closeout
