// SPDX-License-Identifier: GPL-3.0-or-later
// What we write to an IMAP server: mailbox names and UID sets (RFC 3501 sections 4.3, 5.1.3,
// 9). Values from the config go through here, so none can break out of its argument.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace closeout::imap {

// A mailbox name as a quoted string, non-ASCII in modified UTF-7 ("Geprüft" → "Gepr&APw-ft").
// Nothing for a name that cannot be sent: empty, invalid UTF-8, or with CR, LF or NUL.
std::optional<std::string> mailbox_argument(std::string_view utf8_name);

// Sorted, de-duplicated UIDs as a compact set: {1,2,3,7,9,10} → "1:3,7,9:10".
std::string uid_set(std::vector<std::uint32_t> uids);

}  // namespace closeout::imap
