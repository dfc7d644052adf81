// Placeholder until the reader lands: the attachment is reported, honestly, as not read.
#include "image_reader.h"

namespace closeout::extract {

AttachmentReading read_image(std::string_view /*bytes*/, const ExtractRequest& /*request*/) {
  AttachmentReading r;
  r.read = AttachmentRead::unreadable;
  r.reason = "this build does not read images yet";
  return r;
}

AttachmentReading ocr_pdf_pages(std::string_view /*pdf_bytes*/, const ExtractRequest& /*request*/) {
  AttachmentReading r;
  r.read = AttachmentRead::unreadable;
  r.reason = "this build does not read scanned PDF pages yet";
  return r;
}

}  // namespace closeout::extract
