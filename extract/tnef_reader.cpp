// SPDX-License-Identifier: GPL-3.0-or-later
// winmail.dat: the stream is walked by tnef_stream.h, then each file inside is read by the
// reader for its kind, as if it had been attached directly. One level only: a winmail.dat
// inside a winmail.dat is listed, not opened. Damage part-way keeps what was read before it.
#include "tnef_reader.h"

#include "attachment_kind.h"
#include "read_attachment.h"
#include "text_util.h"
#include "tnef_stream.h"

namespace closeout::extract {
namespace {

// A form comes as one or two files; more than this many are listed, not read, so one
// attachment cannot make the helper OCR a whole photo album within its CPU limit.
constexpr std::size_t kMaxFilesRead = 8;

AttachmentReading listed(const TnefAttachment& a, std::string type, std::string reason) {
  AttachmentReading r;
  r.filename = a.name;
  r.type = std::move(type);
  r.read = AttachmentRead::skipped;
  r.reason = std::move(reason);
  return r;
}

AttachmentReading read_inner(const TnefAttachment& a, bool damaged, const ExtractRequest& request,
                             std::size_t& files_read, std::vector<std::string>& limits) {
  const std::string mime = a.mime_type.empty() ? "application/octet-stream" : a.mime_type;
  if (a.embedded_message) return listed(a, mime, "an Outlook item, not a file");
  if (!a.has_data)
    return listed(a, mime, damaged ? "no data (the winmail.dat is damaged)" : "no data");
  std::string kind = attachment_kind(a.data, a.name, a.mime_type);
  if (kind.empty()) return listed(a, mime, "not a kind closeoutd reads");
  if (kind == "tnef") return listed(a, kind, "a winmail.dat inside a winmail.dat is not opened");
  if (files_read == kMaxFilesRead) {
    if (limits.empty()) limits.emplace_back("max_tnef_files");
    return listed(a, kind, "more than " + std::to_string(kMaxFilesRead) + " files to read");
  }
  ++files_read;
  ExtractRequest inner = request;
  inner.kind = kind;
  inner.filename = a.name;
  return read_attachment(a.data, inner);
}

}  // namespace

AttachmentReading read_tnef(std::string_view bytes, const ExtractRequest& request) {
  AttachmentReading r;
  r.type = "tnef";
  r.read = AttachmentRead::unreadable;
  std::string error;
  auto message = parse_tnef(bytes, &error);
  if (!message) {
    r.reason = error;
    return r;
  }
  std::size_t files_read = 0;
  std::string names;
  for (const auto& a : message->attachments) {
    r.inner.push_back(
        read_inner(a, !message->damage.empty(), request, files_read, r.limits_tripped));
    names += (names.empty() ? "" : ", ") + (a.name.empty() ? "(no name)" : a.name);
  }
  // Outlook's CRLF lines become the "\n" lines every reader reports.
  for (auto line : split_lines(trim(message->body))) (r.text += line) += '\n';
  if (r.text.empty() && r.inner.empty()) {
    r.reason = message->damage.empty() ? "holds no message text and no files"
                                       : "damaged: " + message->damage;
    return r;
  }
  // Read, even when only the files inside hold anything: they are in r.inner.
  r.read = AttachmentRead::text;
  r.reason = std::to_string(r.inner.size()) + (r.inner.size() == 1 ? " file" : " files") +
             " inside" + (names.empty() ? "" : ": " + names);
  if (!message->damage.empty()) r.reason += "; the rest is damaged (" + message->damage + ")";
  return r;
}

}  // namespace closeout::extract
