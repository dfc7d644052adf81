// SPDX-License-Identifier: GPL-3.0-or-later
// What kind of mail this is (SPEC "Messages"): a CITS dispatch, a technician's Section 2, an
// automatic reply, a bounce, or unknown. Replies and bounces are recognised first, because
// answering them could start a mail loop and their bodies quote our own mail.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "mime_decode.h"

namespace closeout {

enum class MessageKind { dispatch, section2, auto_reply, bounce, unknown };

std::string_view kind_name(MessageKind kind) noexcept;

// What the headers alone decide (SPEC "Other mail"): bounce (multipart/report, Return-Path <>)
// or auto_reply (Auto-Submitted: auto-replied, X-Autoreply): never a dispatch or a Section 2,
// whatever the body says. nullopt for everything else, which is classified by its content.
std::optional<MessageKind> automatic_kind(const DecodedMessage& message);

// The header that marks mail as sent by a machine ("Auto-Submitted: auto-generated",
// "Precedence: bulk"), empty for mail a person sent. Such mail is recognised by its content
// like any other, but closeoutd never answers it (RFC 3834 section 2: no mail loops).
std::string automatic_mark(const DecodedMessage& message);

}  // namespace closeout
