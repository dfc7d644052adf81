// SPDX-License-Identifier: GPL-3.0-or-later
// Magic bytes first, then names and types; a kind here only decides which reader is tried, and
// that reader answers "unreadable" for a file that is not what it looked like. Never fails.
#include "attachment_kind.h"

#include "text_util.h"

namespace closeout {
namespace {

using namespace std::string_view_literals;

bool starts_with(std::string_view bytes, std::string_view magic) {
  return bytes.substr(0, magic.size()) == magic;
}

bool ends_with_ci(std::string_view name, std::string_view suffix) {
  return name.size() >= suffix.size() && iequals(name.substr(name.size() - suffix.size()), suffix);
}

}  // namespace

std::string attachment_kind(std::string_view bytes, std::string_view filename,
                            std::string_view content_type) {
  // A PDF may have junk before its header (readers look within the first 1024 bytes).
  if (bytes.substr(0, 1024).find("%PDF-"sv) != std::string_view::npos) return "pdf";
  if (starts_with(bytes, "\x89PNG\r\n\x1a\n"sv) || starts_with(bytes, "\xff\xd8\xff"sv) ||
      starts_with(bytes, "II*\0"sv) || starts_with(bytes, "MM\0*"sv))
    return "image";
  if (starts_with(bytes, "\x78\x9f\x3e\x22"sv)) return "tnef";
  // Outlook names it winmail.dat and types it application/ms-tnef; the TNEF reader refuses one
  // whose signature is wrong, with a reason, which is better than silently skipping it.
  if (iequals(filename, "winmail.dat") || content_type == "application/ms-tnef" ||
      content_type == "application/vnd.ms-tnef")
    return "tnef";
  if (starts_with(bytes, "PK\x03\x04"sv)) {
    if (ends_with_ci(filename, ".docx") || ends_with_ci(filename, ".docm") ||
        content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document" ||
        content_type == "application/vnd.ms-word.document.macroenabled.12")
      return "docx";
    // A .docx renamed or sent as application/octet-stream: the zip's central directory (at its
    // end) names every entry, and only a Word document has word/document.xml.
    if (bytes.find("word/document.xml"sv) != std::string_view::npos) return "docx";
  }
  return "";
}

}  // namespace closeout
