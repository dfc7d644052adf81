// SPDX-License-Identifier: GPL-3.0-or-later
// HTML bodies (CITS dispatch tables, Outlook replies) as plain text lines the label and
// quote stages understand: table rows become "Label: value", <blockquote> becomes "> " lines,
// Outlook's From:/Sent: block stays line by line. Parsed with libxml2, never with regexes.
#pragma once
#include <string>
#include <string_view>

namespace closeout {

// Input must be UTF-8 (charset conversion happened before). Never fails: malformed HTML is
// recovered as browsers would, and the result is valid UTF-8.
std::string html_to_text(std::string_view html_utf8);

}  // namespace closeout
