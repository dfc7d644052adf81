// SPDX-License-Identifier: GPL-3.0-or-later
// Separates what a technician typed from the quoted history below or around it: '>' lines,
// "On ... wrote:", Outlook's "-----Original Message-----" and From:/Sent: blocks, and mobile
// signatures. The markers are data (ReplyMarkers, from the form definition).
#pragma once
#include <string>
#include <string_view>

#include "form_definition.h"

namespace closeout {

struct ReplyText {
  std::string new_text;  // what the sender wrote, signatures removed
  std::string history;   // the quoted history, with its '>' prefixes removed
};

ReplyText split_reply(std::string_view text, const ReplyMarkers& markers);

}  // namespace closeout
