// SPDX-License-Identifier: GPL-3.0-or-later
// Aligned, plain text: what an admin needs to decide whether closeoutd understood a mail.
#include "parse_report.h"

#include <iomanip>
#include <sstream>

namespace closeout {
namespace {

std::string kind_description(MessageKind kind) {
  switch (kind) {
    case MessageKind::dispatch:
      return "dispatch (a CITS service dispatch)";
    case MessageKind::section2:
      return "section2 (a technician's Section 2 reply)";
    case MessageKind::auto_reply:
      return "auto_reply (automatic reply: recorded, never answered)";
    case MessageKind::bounce:
      return "bounce (delivery report: recorded, never answered)";
    case MessageKind::unknown:
      return "unknown (not a dispatch or a Section 2)";
  }
  return "unknown";
}

std::string value_text(const FieldValue& v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto d = std::get_if<double>(&v)) {
    std::ostringstream o;
    o << *d;
    return o.str();
  }
  const auto& parts = std::get<std::vector<Part>>(v);
  if (parts.empty()) return "None";
  std::string out;
  for (const auto& p : parts) {
    out += (out.empty() ? "" : ", ") + p.part_number + " x" + std::to_string(p.quantity);
  }
  return out;
}

void line(std::ostream& out, const std::string& name, const std::string& value) {
  out << "  " << std::left << std::setw(12) << name << value << '\n';
}

// "body" -> "the mail", "attachment:Section2.pdf" -> "Section2.pdf".
std::string source_text(const std::string& source) {
  if (source == "body") return "the mail";
  if (source == "quote") return "the quoted history";
  if (source.rfind("attachment:", 0) == 0) return source.substr(11);
  return source;
}

const std::string* source_of(const Analysis& a, const std::string& key) {
  for (const auto& [k, source] : a.field_sources) {
    if (k == key) return &source;
  }
  return nullptr;
}

std::string how_read(const AttachmentReading& r) {
  std::string how;
  switch (r.read) {
    case AttachmentRead::form_fields:
      how = "form fields read";
      break;
    case AttachmentRead::text:
      how = "text read";
      break;
    case AttachmentRead::ocr:
      how = "read by OCR (printed text; values need review)";
      break;
    case AttachmentRead::unreadable:
      how = "unreadable";
      break;
    case AttachmentRead::skipped:
      how = "skipped";
      break;
  }
  return r.reason.empty() ? how : how + ": " + r.reason;
}

void print_attachments(std::ostream& out, const Analysis& a) {
  if (a.attachments.empty()) return;
  out << "  Attachments\n";
  for (const auto& r : a.attachments)
    out << "    - " << r.filename << " (" << r.type << "): " << how_read(r) << '\n';
}

void print_problems(std::ostream& out, const char* title, const std::vector<Problem>& list) {
  if (list.empty()) return;
  out << "  " << title << '\n';
  for (const auto& p : list) out << "    - [" << p.code << "] " << p.message << '\n';
}

}  // namespace

void print_parse_report(std::ostream& out, const std::string& source, const Analysis& a,
                        const FormDefinition& form) {
  out << source << '\n';
  line(out, "Kind", kind_description(a.kind));
  line(out, "Dispatch", a.dispatch_number.value_or("(none)"));
  line(out, "From", a.from.empty() ? "(none)" : a.from);
  line(out, "Subject", a.subject);
  line(out, "Message-ID", a.message_id.empty() ? "(none)" : a.message_id);
  if (!a.fields.empty()) {
    out << "  Fields\n";
    for (const auto& f : a.fields) {
      const FieldSpec* spec = form.field(f.key);
      out << "    " << std::left << std::setw(22) << (spec ? spec->label : f.key)
          << value_text(f.value);
      if (const std::string* source = source_of(a, f.key))
        out << "  (from " << source_text(*source) << ")";
      out << '\n';
    }
  }
  print_attachments(out, a);
  if (a.kind == MessageKind::dispatch || a.kind == MessageKind::section2) {
    std::string verdict;
    if (a.valid()) {
      verdict = a.kind == MessageKind::dispatch ? "VALID: complete Section 1"
                                                : (a.call_status == CallStatus::pending
                                                       ? "VALID: pending (dispatch goes on hold)"
                                                       : "VALID: ready to close out");
    } else {
      verdict = "NOT VALID: " + std::to_string(a.problems.size()) +
                (a.problems.size() == 1 ? " problem" : " problems");
    }
    line(out, "Result", verdict);
    if (a.needs_review)
      line(out, "Review",
           "needed: values read by OCR wait for a person (closeoutctl review / approve)");
  }
  print_problems(out, "Problems", a.problems);
  print_problems(out, "Warnings", a.warnings);
  out << '\n';
}

void ParseTally::add(const Analysis& a) {
  ++by_kind[static_cast<int>(a.kind)];
  if (a.valid() && a.kind == MessageKind::dispatch) ++valid_dispatches;
  if (a.valid() && a.kind == MessageKind::section2) ++valid_section2;
}

void print_parse_tally(std::ostream& out, const ParseTally& t) {
  auto count = [&](MessageKind k) { return t.by_kind[static_cast<int>(k)]; };
  const int dispatches = count(MessageKind::dispatch);
  const int replies = count(MessageKind::section2);
  out << "Summary\n";
  line(out, "Dispatches",
       std::to_string(dispatches) + " (" + std::to_string(t.valid_dispatches) + " complete, " +
           std::to_string(dispatches - t.valid_dispatches) + " missing required Section 1 fields)");
  line(out, "Section 2",
       std::to_string(replies) + " (" + std::to_string(t.valid_section2) + " valid, " +
           std::to_string(replies - t.valid_section2) + " would get a problems reply)");
  auto plural = [](int n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  line(out, "Automatic",
       plural(count(MessageKind::auto_reply), "auto-reply", "auto-replies") + ", " +
           plural(count(MessageKind::bounce), "bounce", "bounces") + " (recorded, never answered)");
  line(out, "Unknown",
       std::to_string(count(MessageKind::unknown)) + " (closeoutd would quarantine these)");
  if (t.unreadable)
    line(out, "Unreadable", std::to_string(t.unreadable) + " (see the errors above)");
}

}  // namespace closeout
