// SPDX-License-Identifier: GPL-3.0-or-later
// The PDF a close-out carries (closeout.attach_form): the dispatch's own fillable PDF with
// Section 2 filled in by closeout-extract when CITS sent one, else a page rendered here. Never
// throws: a form that cannot be made is a reason, and the close-out goes without it.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "attachment_helper.h"
#include "config.h"
#include "dispatch_store.h"
#include "form_definition.h"
#include "mail_compose.h"
#include "mime_decode.h"

namespace closeout::workflow {

struct CloseoutFormSettings {
  AttachmentHelperSettings helper;  // [limits]: the same process and limits as reading
};

CloseoutFormSettings closeout_form_settings(const Config& config);

struct CloseoutForm {
  std::optional<MailAttachment> attachment;  // "Service-Dispatch-<number>.pdf"
  std::string how;                           // "filled" | "rendered"
  std::string fill_error;  // why CITS's own form was not used, when the dispatch had one
  std::string error;       // why there is no attachment at all
};

CloseoutForm make_closeout_form(SQLite::Database& db, const Config& config,
                                const FormDefinition& form, const store::DispatchRecord& dispatch,
                                const nlohmann::json& section2,
                                const CloseoutFormSettings& settings);

// What goes in which field of CITS's form, from `closeout-extract fields` JSON: a text or
// choice field whose name maps to a Section 2 key gets that entry's value as the close-out's
// text writes it; a radio group the on-state equal to the value; a check box is ticked when its
// on-state is the value ("CallStatus.Completed"), or, named for the key itself, when the value
// is not empty or "None". Section 1 fields are CITS's and stay as they are.
std::vector<std::pair<std::string, std::string>> form_field_values(const nlohmann::json& fields,
                                                                   const FormDefinition& form,
                                                                   const nlohmann::json& section2);

std::string closeout_form_filename(const std::string& dispatch_number);

// The PDF of a dispatch mail to keep for its close-out: the first PDF attachment that shows an
// AcroForm in its bytes, else the first PDF at all (an AcroForm inside a compressed object
// stream does not show; whether it has fields is found out when it is filled). Nothing is
// parsed here.
const BinaryPart* dispatch_pdf(const DecodedMessage& message);

}  // namespace closeout::workflow
