// SPDX-License-Identifier: GPL-3.0-or-later
#include "read_attachment.h"

#include <exception>

#include "docx_reader.h"
#include "image_reader.h"
#include "pdf_reader.h"
#include "tnef_reader.h"

namespace closeout::extract {

AttachmentReading read_attachment(std::string_view bytes, const ExtractRequest& request) {
  AttachmentReading reading;
  try {
    if (request.kind == "pdf")
      reading = read_pdf(bytes, request);
    else if (request.kind == "docx")
      reading = read_docx(bytes, request);
    else if (request.kind == "image")
      reading = read_image(bytes, request);
    else if (request.kind == "tnef")
      reading = read_tnef(bytes, request);
    else {
      reading.read = AttachmentRead::skipped;
      reading.reason = "not a kind closeoutd reads";
    }
  } catch (const std::exception& e) {
    reading = {};
    reading.read = AttachmentRead::unreadable;
    reading.reason = e.what();
  }
  reading.filename = request.filename;
  if (reading.type.empty()) reading.type = request.kind;
  return reading;
}

}  // namespace closeout::extract
