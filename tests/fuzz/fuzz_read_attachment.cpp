// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target for one attachment reader, in-process, with the limits closeout-extract is
// given by default (SPEC [limits]); CLOSEOUT_FUZZ_KIND fixes the reader ("pdf", "docx", "image"),
// so each kind's corpus stays its own. In closeoutd a reader's crash or hang costs only the
// helper process, but it still loses the technician's form: any crash, leak, hang or unbounded
// allocation here is a bug. The reader must also never throw (read_attachment.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attachment_reading.h"
#include "read_attachment.h"

#ifndef CLOSEOUT_FUZZ_KIND
#error "CLOSEOUT_FUZZ_KIND names the reader: \"pdf\", \"docx\" or \"image\""
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  closeout::extract::ExtractRequest request;
  request.kind = CLOSEOUT_FUZZ_KIND;
  request.filename = "fuzz";
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  closeout::AttachmentReading reading = closeout::extract::read_attachment(bytes, request);
  // The reply the helper would write, so its JSON path is fuzzed with every reading too.
  volatile std::size_t n = closeout::reading_to_json(reading).size();
  (void)n;
  return 0;
}
