// SPDX-License-Identifier: GPL-3.0-or-later
// Header field values as people read them: unfolded, RFC 2047 encoded words decoded, any
// charset turned into UTF-8. The result is one line with no CR, LF or NUL, so a decoded value
// can never smuggle a header into mail we send.
#pragma once
#include <string>
#include <string_view>

namespace closeout {

std::string decode_header_value(std::string_view raw);

}  // namespace closeout
