// SPDX-License-Identifier: GPL-3.0-or-later
// The subject tag "[CITS #<number>]" that closeoutd puts on every mail it sends, so replies
// find their dispatch even when a client drops In-Reply-To.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace closeout {

std::string make_dispatch_tag(std::string_view dispatch_number);
// The number in the first well-formed tag in text (case-insensitive, "#" and spaces optional).
std::optional<std::string> find_dispatch_tag(std::string_view text);

}  // namespace closeout
