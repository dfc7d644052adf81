// Placeholder until the reader lands: the attachment is reported, honestly, as not read.
#include "tnef_reader.h"

namespace closeout::extract {

AttachmentReading read_tnef(std::string_view /*bytes*/, const ExtractRequest& /*request*/) {
  AttachmentReading r;
  r.read = AttachmentRead::unreadable;
  r.reason = "this build does not read winmail.dat yet";
  return r;
}

}  // namespace closeout::extract
