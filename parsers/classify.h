// What kind of mail this is (SPEC "Messages"): a CITS dispatch, a technician's Section 2, an
// automatic reply, a bounce, or unknown. Automatic mail is recognised first, because answering
// it could start a mail loop.
#pragma once
#include <optional>
#include <string_view>

#include "mime_decode.h"

namespace closeout {

enum class MessageKind { dispatch, section2, auto_reply, bounce, unknown };

std::string_view kind_name(MessageKind kind) noexcept;

// bounce (multipart/report, Return-Path <>) or auto_reply (RFC 3834 Auto-Submitted,
// Precedence bulk/junk/list, X-Autoreply); nullopt for mail a person sent.
std::optional<MessageKind> automatic_kind(const DecodedMessage& message);

}  // namespace closeout
