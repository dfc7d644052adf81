// SPDX-License-Identifier: GPL-3.0-or-later
// Charset conversion to UTF-8 (glibc iconv). The result is always valid UTF-8: bytes that do
// not convert become U+FFFD, so one bad byte never loses a technician's whole answer.
#pragma once
#include <string>
#include <string_view>

namespace closeout {

// Unknown, empty or us-ascii charsets: UTF-8 if the bytes are valid UTF-8, else windows-1252.
// iso-8859-1 is read as windows-1252, as mail clients mean it.
std::string to_utf8(std::string_view bytes, std::string_view charset);
bool is_valid_utf8(std::string_view s) noexcept;
// Invalid sequences (overlong, surrogates, past U+10FFFF, truncated) become U+FFFD.
std::string repair_utf8(std::string_view s);

}  // namespace closeout
