// SPDX-License-Identifier: GPL-3.0-or-later
// The whole parse path for one message: decode, classify, extract, validate. This is what
// `closeoutctl parse` prints and what the daemon acts on. Pure: the caller passes the bytes,
// the form definition, the configured addresses and today's date.
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attachment_reading.h"
#include "classify.h"
#include "fields.h"
#include "form_definition.h"
#include "mime_decode.h"
#include "section2_rules.h"

namespace closeout {

// Reads one binary attachment of a kind attachment_kind() recognised ("pdf", "docx", "image",
// "tnef"). The daemon and closeoutctl pass one that runs the attachment helper process; tests
// may read in-process. Must not throw: a failure is an "unreadable" reading with its reason.
using AttachmentReader =
    std::function<AttachmentReading(const BinaryPart& part, std::string_view kind)>;

struct AnalyzeOptions {
  const FormDefinition* form = &FormDefinition::builtin();
  std::vector<std::string> cits_senders = {"*@cits.canon.com"};
  std::vector<std::string> technicians;  // empty: not checked (no config given)
  // The latest date it is anywhere now (the daemon passes the date at UTC+14): a service date
  // after it is in the future, whichever zone the technician is in.
  std::chrono::year_month_day today;
  DecodeLimits limits;
  // Empty: binary attachments are listed as "skipped" ("attachments are not read here").
  AttachmentReader read_attachment;
};

struct Analysis {
  MessageKind kind = MessageKind::unknown;
  std::string message_id;  // as written, with angle brackets
  std::string from;        // bare address
  std::string subject;
  std::optional<std::string> dispatch_number;
  std::vector<Field> fields;
  std::vector<Problem> problems;
  std::vector<Problem> warnings;
  std::optional<CallStatus> call_status;  // section2 only
  std::vector<std::string> in_reply_to;
  std::vector<std::string> references;
  // For the daemon, which re-checks Section 2 against the dispatch it has on record.
  RawFields section2_raw;
  DispatchFacts facts;
  // The header that marks this as machine-sent mail ("Auto-Submitted: auto-generated",
  // "Precedence: bulk"); empty for a person's mail. It changes nothing about what the mail is,
  // only that closeoutd must not answer it (SPEC "Other mail").
  std::string automatic_mark;
  // Where each extracted value came from: key -> "body" | "quote" | "attachment:<file name>",
  // in field order (SPEC "The form itself as an attachment").
  std::vector<std::pair<std::string, std::string>> field_sources;
  // Every binary attachment, read or not; text is dropped from these once used.
  std::vector<AttachmentReading> attachments;
  // A Section 2 value came from OCR: nothing goes to CITS until a person approves it.
  bool needs_review = false;
  // Section 2 warnings about attachments, also in warnings: "mismatch" where the mail's text and
  // an attachment disagree (the text wins), and field "attachment" for a file that could not be
  // read. The daemon re-checks section2_raw, which cannot find these, and adds them.
  std::vector<Problem> source_warnings;

  bool no_automatic_answer() const { return !automatic_mark.empty(); }

  bool valid() const {
    return (kind == MessageKind::dispatch || kind == MessageKind::section2) && problems.empty();
  }
};

struct AnalyzeOutcome {
  std::optional<Analysis> analysis;
  std::string error;  // why the input is not a readable message
};

AnalyzeOutcome analyze_message(std::string_view raw, const AnalyzeOptions& options);

}  // namespace closeout
