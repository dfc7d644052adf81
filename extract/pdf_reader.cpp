// Placeholder until the reader lands: the attachment is reported, honestly, as not read.
#include "pdf_reader.h"

namespace closeout::extract {

AttachmentReading read_pdf(std::string_view /*bytes*/, const ExtractRequest& /*request*/) {
  AttachmentReading r;
  r.read = AttachmentRead::unreadable;
  r.reason = "this build does not read PDF yet";
  return r;
}

}  // namespace closeout::extract
