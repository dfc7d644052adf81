// Header-only classification of automatic mail (RFC 3834, RFC 3464).
#include "classify.h"

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
  const bool auto_submitted = !m.auto_submitted.empty() && m.auto_submitted != "no";
  const bool bulk = m.precedence == "bulk" || m.precedence == "junk" || m.precedence == "list";
  if (auto_submitted || bulk || m.autoreply_header) return MessageKind::auto_reply;
  return std::nullopt;
}

}  // namespace closeout
