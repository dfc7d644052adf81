// SPDX-License-Identifier: GPL-3.0-or-later
// The attribute stream of Outlook's winmail.dat (TNEF, [MS-OXTNEF]): the message body and the
// attached files, each with its name and bytes. Every length is checked against what is left
// before it is used; a stream damaged part-way keeps what was read before the damage.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace closeout::extract {

struct TnefAttachment {
  std::string name;       // PR_ATTACH_LONG_FILENAME, else attAttachTitle / PR_ATTACH_FILENAME
  std::string mime_type;  // PR_ATTACH_MIME_TAG, when the writer gave one
  std::string_view data;  // attAttachData, a view into the stream
  bool has_data = false;
  bool embedded_message = false;  // an Outlook item (PT_OBJECT), not a file
};

struct TnefMessage {
  std::string body;  // attBody, else PR_BODY from attMsgProps; UTF-8
  std::vector<TnefAttachment> attachments;
  std::string damage;  // empty: the whole stream was read; else where and why walking stopped
};

// nullopt (and *error set) when the bytes are not a TNEF stream at all.
std::optional<TnefMessage> parse_tnef(std::string_view bytes, std::string* error);

}  // namespace closeout::extract
