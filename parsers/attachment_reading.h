// SPDX-License-Identifier: GPL-3.0-or-later
// What reading one attachment (PDF, .docx, image, winmail.dat) produced, as the attachment
// helper process reports it and the parse path consumes it. The JSON form is the helper's
// protocol: bounded, and any reply that does not parse is an "unreadable" attachment.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace closeout {

enum class AttachmentRead { form_fields, text, ocr, unreadable, skipped };
std::string_view to_string(AttachmentRead read);
std::optional<AttachmentRead> attachment_read_from_string(std::string_view text);

struct AttachmentReading {
  std::string filename;
  std::string type;  // "pdf" | "docx" | "image" | "tnef", or the MIME type of anything else
  AttachmentRead read = AttachmentRead::skipped;
  std::string reason;  // why unreadable or skipped; for a read one, an optional note
  // PDF AcroForm fields (fully qualified name -> value) and .docx content controls and legacy
  // form fields (tag, else title, else name -> value), in document order.
  std::vector<std::pair<std::string, std::string>> form_fields;
  // Everything else read, laid out as lines ("Label: value" where a label and its value were
  // found side by side or one below the other), ready for the label finder.
  std::string text;
  // OCR only: the lowest confidence (0-100) of the words that made up `text`.
  double min_confidence = 100;
  // The limits this reading tripped ("max_pdf_pages", "max_image_pixels", ...), for the log.
  std::vector<std::string> limits_tripped;
  // winmail.dat: the files inside, each read on its own.
  std::vector<AttachmentReading> inner;
};

// The most any one reading may carry; the helper cuts text and fields to fit.
inline constexpr std::size_t max_reading_json_bytes = std::size_t{4} * 1024 * 1024;

std::string reading_to_json(const AttachmentReading& reading);
// nullopt (and *error set) for anything that is not a reading this program wrote.
std::optional<AttachmentReading> reading_from_json(std::string_view json, std::string* error);

}  // namespace closeout
