// SPDX-License-Identifier: GPL-3.0-or-later
// Addresses and message ids from header values, and the glob match that decides who is CITS
// and who is a technician. Input is already decoded UTF-8; garbage gives empty results.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace closeout {

// The addr-spec: "Dana W" <dana@x.example> -> dana@x.example; "<>" -> "".
std::string address_of(std::string_view header_value);
// Every <msg-id> in an In-Reply-To or References value, brackets kept, in order, no duplicates.
std::vector<std::string> message_ids(std::string_view header_value);
// Case-insensitive glob match ("*@cits.canon.com"); an empty address matches nothing.
bool address_matches(std::string_view address, const std::vector<std::string>& patterns);

}  // namespace closeout
