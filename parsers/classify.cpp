// SPDX-License-Identifier: GPL-3.0-or-later
// Header-only classification of automatic mail (RFC 3834, RFC 3464).
#include "classify.h"

#include "text_util.h"

namespace closeout {

std::string_view kind_name(MessageKind kind) noexcept {
  switch (kind) {
    case MessageKind::dispatch:
      return "dispatch";
    case MessageKind::section2:
      return "section2";
    case MessageKind::auto_reply:
      return "auto_reply";
    case MessageKind::bounce:
      return "bounce";
    case MessageKind::unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<MessageKind> automatic_kind(const DecodedMessage& m) {
  if (m.is_report || m.null_return_path) return MessageKind::bounce;
  // An out-of-office quotes what it answers: our notice, with the whole form in it.
  if (m.auto_submitted == "auto-replied" || m.autoreply_header) return MessageKind::auto_reply;
  return std::nullopt;
}

std::string automatic_mark(const DecodedMessage& m) {
  // Bounded: the value is the sender's, and ends up in the timeline and the log.
  if (!m.auto_submitted.empty() && m.auto_submitted != "no")
    return "Auto-Submitted: " + truncate_utf8(m.auto_submitted, 40);
  if (m.precedence == "bulk" || m.precedence == "junk" || m.precedence == "list")
    return "Precedence: " + m.precedence;
  if (m.autoreply_header) return "X-Autoreply";
  return {};
}

}  // namespace closeout
