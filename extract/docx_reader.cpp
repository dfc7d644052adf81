// SPDX-License-Identifier: GPL-3.0-or-later
// A .docx is a zip: only word/document.xml is inflated, after the archive's entry count and
// that entry's size and compression ratio have passed (zip_entry_reader.h); its body is read by
// docx_body.h. Every failure is an "unreadable" reading with a reason a technician can act on.
#include "docx_reader.h"

#include "docx_body.h"
#include "form_definition.h"
#include "zip_entry_reader.h"

namespace closeout::extract {

AttachmentReading read_docx(std::string_view bytes, const ExtractRequest& request) {
  AttachmentReading r;
  r.type = "docx";
  r.read = AttachmentRead::unreadable;
  ZipLimits limits;
  limits.max_entry_bytes = request.max_attachment_bytes;
  ZipEntry entry = read_zip_entry(bytes, "word/document.xml", limits);
  r.limits_tripped = std::move(entry.limits_tripped);
  if (!entry.bytes) {
    r.reason = entry.found ? entry.error : "not a Word document: " + entry.error;
    return r;
  }
  DocxBodyReading body = read_docx_body(*entry.bytes, FormDefinition::builtin());
  if (!body.body) {
    r.reason = std::move(body.error);
    return r;
  }
  r.form_fields = std::move(body.body->form_fields);
  r.text = std::move(body.body->text);
  r.read = body.body->any_field_value ? AttachmentRead::form_fields : AttachmentRead::text;
  if (r.text.empty() && r.form_fields.empty()) r.reason = "the document holds no text";
  return r;
}

}  // namespace closeout::extract
