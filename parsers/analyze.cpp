// SPDX-License-Identifier: GPL-3.0-or-later
// Orchestrates the parse path. Body choice: in a multipart/alternative the part whose text
// yields the most form fields wins (CITS's text part may only say "view in HTML"); ties go to
// the first, normally text/plain. Values are offered body first, then text attachments, then
// binary attachments as read (form fields before their text), then the quoted history: the
// first non-empty value of a key wins, so new text in the mail beats an attachment.
#include "analyze.h"

#include <algorithm>
#include <map>
#include <set>

#include "address.h"
#include "attachment_kind.h"
#include "dispatch_tag.h"
#include "html_text.h"
#include "label_fields.h"
#include "reading_fields.h"
#include "reply_history.h"
#include "section1.h"
#include "text_util.h"
#include "value_compare.h"

namespace closeout {
namespace {

struct RenderedPart {
  const TextPart* part;
  std::string text;
  std::size_t filled_labels = 0;
};

std::size_t count_filled(const std::vector<LabeledValue>& values) {
  std::size_t n = 0;
  for (const auto& v : values) n += v.value.empty() ? 0 : 1;
  return n;
}

// Takes the decoded texts over (plain text moves, HTML is rendered); m.parts keep their metadata.
// Body parts per alternative group, in document order (groups are numbered from 1 upward).
std::map<int, std::vector<RenderedPart*>> body_groups(std::vector<RenderedPart>& parts) {
  std::map<int, std::vector<RenderedPart*>> groups;
  for (auto& r : parts) {
    if (!r.part->attachment) groups[r.part->alternative_group].push_back(&r);
  }
  return groups;
}

// Takes the decoded texts over (plain text moves, HTML is rendered); m.parts keep their metadata.
std::vector<RenderedPart> render_parts(DecodedMessage& m, const FormDefinition& form) {
  std::vector<RenderedPart> out;
  out.reserve(m.parts.size());
  for (auto& p : m.parts) {
    out.push_back({&p, p.type == TextPart::Type::html ? html_to_text(p.text) : std::move(p.text)});
  }
  // Scores only matter where there is a choice: parts with an alternative beside them.
  for (auto& [group, members] : body_groups(out)) {
    if (members.size() < 2) continue;
    for (RenderedPart* r : members)
      r->filled_labels = count_filled(find_labeled_values(r->text, form));
  }
  return out;
}

// The body text: one chosen alternative per group (the first of the highest score), in
// document order; attachments excluded.
std::string body_text(std::vector<RenderedPart>& parts) {
  std::string body;
  for (auto& [group, members] : body_groups(parts)) {
    const RenderedPart* best = members.front();
    for (const RenderedPart* r : members) {
      if (r->filled_labels > best->filled_labels) best = r;
    }
    body += best->text;
    body += '\n';
  }
  return body;
}

constexpr const char* kBody = "body";
constexpr const char* kQuote = "quote";

using Accept = bool (*)(const FieldSpec&);

void offer(RawFields& raw, const std::string& text, const FormDefinition& form, Accept accept,
           const std::string& source) {
  for (auto& lv : find_labeled_values(text, form)) {
    if (accept(*lv.field)) raw.offer(lv.field->key, std::move(lv.value), source);
  }
}

bool any_field(const FieldSpec&) { return true; }
bool section1_field(const FieldSpec& f) { return f.in_section1; }
bool section2_field(const FieldSpec& f) { return f.in_section2; }
// Only what a technician types: Section 1 values in the quoted notice are CITS's, not theirs.
bool technician_field(const FieldSpec& f) { return f.in_section2 && !f.in_section1; }

// ---------------------------------------------------------------- binary attachments

// One reading as the parse path uses it: the name it goes by in field_sources and attachments
// ("Section2.pdf"; a file inside winmail.dat is "winmail.dat/Section2.pdf").
struct UsedReading {
  std::string name;
  const AttachmentReading* reading;
};

struct Attachments {
  std::vector<AttachmentReading> readings;  // one per binary part, in document order
  std::vector<UsedReading> used;            // flattened: a TNEF's files after the TNEF itself
};

std::string display_name(const std::string& filename, const std::string& type) {
  return filename.empty() ? "(unnamed " + type + ")" : filename;
}

std::string source_of(const std::string& name) { return "attachment:" + name; }

AttachmentReading read_part(const BinaryPart& part, const AnalyzeOptions& o, bool sender_known) {
  AttachmentReading r;
  r.filename = part.filename;
  r.type = part.content_type;
  r.read = AttachmentRead::skipped;
  if (part.too_large) {
    r.reason = "larger than limits.max_attachment_bytes (" + std::to_string(part.size) +
               " bytes; the limit is " + std::to_string(o.limits.max_attachment_bytes) + ")";
    r.limits_tripped = {"max_attachment_bytes"};
    return r;
  }
  const std::string kind = attachment_kind(part.bytes, part.filename, part.content_type);
  if (kind.empty()) {
    r.reason = "not a form (" + (part.content_type.empty() ? "no type" : part.content_type) + ")";
    return r;
  }
  r.type = kind;
  if (!o.read_attachment) {
    r.reason = "attachments are not read here";
    return r;
  }
  if (!sender_known) {
    r.reason = "the sender is neither CITS nor in dealer.technicians: their files are not read";
    return r;
  }
  try {
    AttachmentReading got = o.read_attachment(part, kind);
    if (got.filename.empty()) got.filename = part.filename;
    if (got.type.empty()) got.type = kind;
    return got;
  } catch (const std::exception& e) {  // the reader promises not to throw; a bug must not stop us
    r.read = AttachmentRead::unreadable;
    r.reason = std::string("the attachment reader failed: ") + e.what();
  }
  return r;
}

void flatten(const AttachmentReading& r, const std::string& prefix, Attachments& out) {
  std::string name = prefix + display_name(r.filename, r.type);
  out.used.push_back({name, &r});
  for (const auto& inner : r.inner) flatten(inner, name + "/", out);
}

// Mail from a stranger goes to quarantine whatever it carries: their files are never opened.
Attachments read_attachments(const DecodedMessage& m, const AnalyzeOptions& o) {
  const bool sender_known = address_matches(m.from, o.cits_senders) || o.technicians.empty() ||
                            address_matches(m.from, o.technicians);
  Attachments out;
  out.readings.reserve(m.binary_parts.size());
  for (const auto& part : m.binary_parts) out.readings.push_back(read_part(part, o, sender_known));
  for (const auto& r : out.readings) flatten(r, "", out);
  return out;
}

// Automatic mail is never read for a form; its attachments are listed, unopened.
std::vector<AttachmentReading> unopened(const DecodedMessage& m) {
  std::vector<AttachmentReading> out;
  for (const auto& part : m.binary_parts) {
    AttachmentReading r;
    r.filename = part.filename;
    r.type = part.content_type;
    r.reason = "automatic mail: not read for a form";
    out.push_back(std::move(r));
  }
  return out;
}

// What Analysis::attachments lists: every reading, under its used name, without its content.
std::vector<AttachmentReading> listed(const Attachments& attachments) {
  std::vector<AttachmentReading> out;
  for (const auto& u : attachments.used) {
    AttachmentReading r = *u.reading;
    r.filename = u.name;
    r.text.clear();
    r.form_fields.clear();
    r.inner.clear();
    out.push_back(std::move(r));
  }
  return out;
}

void offer_reading(RawFields& raw, const UsedReading& u, const FormDefinition& form,
                   Accept accept) {
  const std::string source = source_of(u.name);
  for (auto& mapped : map_form_fields(u.reading->form_fields, form)) {
    if (accept(*mapped.field)) raw.offer(mapped.field->key, std::move(mapped.value), source);
  }
  offer(raw, u.reading->text, form, accept, source);
}

// Text attachments (a .txt with Section 2), then the binary ones as read.
void offer_attachments(RawFields& raw, const std::vector<RenderedPart>& parts,
                       const Attachments& attachments, const FormDefinition& form, Accept accept) {
  for (const auto& p : parts) {
    if (p.part->attachment)
      offer(raw, p.text, form, accept,
            source_of(display_name(p.part->filename, p.part->type == TextPart::Type::html
                                                         ? "text/html"
                                                         : "text/plain")));
  }
  for (const auto& u : attachments.used) offer_reading(raw, u, form, accept);
}

// ---------------------------------------------------------------- sources

// Where each field's value came from, in field order. A value the rules derived rather than
// read has the source of what it was derived from when that is one place (labour hours from
// two times read in the same attachment); a dispatch number from the subject has none.
std::vector<std::pair<std::string, std::string>> field_sources(
    const std::vector<Field>& fields, const RawFields& raw, const FormDefinition& form,
    const char* unwritten_number_source = nullptr) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields) {
    const std::string* source = raw.source(f.key);
    if (f.key == "dispatch_number") {
      const std::string* written = raw.get(f.key);
      auto read = written ? form.read_dispatch_number(*written) : std::nullopt;
      if (!read || *read != std::get<std::string>(f.value)) {
        // Not the number written in the mail: the tag's, the subject's or the quote's.
        if (unwritten_number_source) out.emplace_back(f.key, unwritten_number_source);
        continue;
      }
    }
    if (!source && f.key == "labor_hours") {
      const std::string* arrival = raw.source("arrival_time");
      const std::string* completion = raw.source("completion_time");
      if (arrival && completion && *arrival == *completion) source = arrival;
    }
    if (source) out.emplace_back(f.key, *source);
  }
  return out;
}

// ---------------------------------------------------------------- Section 2

struct ReplyContent {
  RawFields raw;      // the technician's values, new text first
  RawFields history;  // everything labelled in the quoted history
  bool has_section2_label = false;
  std::vector<Problem> mismatches;  // the mail's text and an attachment disagree
};

// The body wins; the technician is told which value was used, and where the other one was.
std::vector<Problem> find_mismatches(const RawFields& raw, const RawFields& attached,
                                     const FormDefinition& form) {
  std::vector<Problem> out;
  for (const auto& [key, value] : attached.entries()) {
    const std::string* used = raw.get(key);
    const std::string* source = raw.source(key);
    const std::string* where = attached.source(key);
    if (!used || !source || *source != kBody || value.empty() || !where) continue;
    if (same_value(key, *used, value, form)) continue;
    const FieldSpec* spec = form.field(key);
    const std::string name = where->substr(where->find(':') + 1);
    out.push_back({key, "mismatch",
                   (spec ? spec->label : key) + ": your mail says \"" +
                       truncate_utf8(collapse_spaces(*used), 80) + "\" but the attachment " + name +
                       " says \"" + truncate_utf8(collapse_spaces(value), 80) +
                       "\"; closeoutd used the value in the mail (new text in the mail beats an "
                       "attachment)."});
  }
  return out;
}

// A file that may hold the form but could not be read (a password, handwriting, too large): the
// technician is told, so that a problems reply listing "missing" fields makes sense to them.
void unread_form_warnings(const Attachments& attachments, std::vector<Problem>& out) {
  for (const auto& u : attachments.used) {
    const AttachmentReading& r = *u.reading;
    const bool too_large = r.read == AttachmentRead::skipped && !r.limits_tripped.empty();
    if (r.read != AttachmentRead::unreadable && !too_large) continue;
    std::string message = "closeoutd could not read " + u.name;
    if (!r.reason.empty()) message += " (" + truncate_utf8(r.reason, 200) + ")";
    out.push_back(
        {"attachment", "invalid", message + ": please type Section 2 into the reply itself."});
  }
}

ReplyContent read_reply(const std::vector<RenderedPart>& parts, const std::string& body,
                        const Attachments& attachments, const FormDefinition& form) {
  ReplyContent c;
  ReplyText split = split_reply(body, form.reply());
  offer(c.raw, split.new_text, form, section2_field, kBody);
  RawFields attached;
  offer_attachments(attached, parts, attachments, form, section2_field);
  for (const auto& [key, value] : attached.entries()) {
    const std::string* source = attached.source(key);
    c.raw.offer(key, value, source ? *source : std::string());
  }
  c.mismatches = find_mismatches(c.raw, attached, form);
  offer(c.history, split.history, form, any_field, kQuote);
  for (const auto& [key, value] : c.history.entries()) {
    const FieldSpec* spec = form.field(key);
    if (spec && technician_field(*spec)) c.raw.offer(key, value, kQuote);
  }
  for (const auto& [key, value] : c.raw.entries()) {
    const FieldSpec* spec = form.field(key);
    c.has_section2_label = c.has_section2_label || (spec && technician_field(*spec));
  }
  return c;
}

std::optional<std::string> history_dispatch_number(const RawFields& history,
                                                   const FormDefinition& form) {
  const std::string* v = history.get("dispatch_number");
  return v ? form.read_dispatch_number(*v) : std::nullopt;
}

void fill_section2(Analysis& a, ReplyContent& reply, const Attachments& attachments,
                   const AnalyzeOptions& o) {
  const FormDefinition& form = *o.form;
  a.facts.tag_number = find_dispatch_tag(a.subject);
  // The tag wins over a number in the subject, so the (slow) subject search is only needed
  // without one.
  if (!a.facts.tag_number) a.facts.subject_number = form.dispatch_number_in_subject(a.subject);
  a.facts.history_number = history_dispatch_number(reply.history, form);
  if (const std::string* d = reply.history.get("dispatch_date")) {
    a.facts.dispatch_date = parse_date(collapse_spaces(*d));
  }
  if (const std::string* s = reply.history.get("serial_number"); s && !form.is_placeholder(*s)) {
    a.facts.serial_number = collapse_spaces(*s);
  }
  Section2Check check = check_section2(reply.raw, a.facts, o.today, form);
  a.fields = std::move(check.fields);
  a.problems = std::move(check.problems);
  a.warnings = std::move(check.warnings);
  a.call_status = check.call_status;
  if (const Field* n = find_field(a.fields, "dispatch_number");
      n && form.is_dispatch_number(std::get<std::string>(n->value))) {
    a.dispatch_number = std::get<std::string>(n->value);
  }
  a.source_warnings = std::move(reply.mismatches);
  unread_form_warnings(attachments, a.source_warnings);
  a.warnings.insert(a.warnings.end(), a.source_warnings.begin(), a.source_warnings.end());
  // Without a tag or a number in the subject, a dispatch number not in the reply itself is the
  // quoted notice's.
  const bool number_from_quote = !a.facts.tag_number && !a.facts.subject_number &&
                                 a.facts.history_number &&
                                 a.dispatch_number == a.facts.history_number;
  a.field_sources = field_sources(a.fields, reply.raw, form, number_from_quote ? kQuote : nullptr);
  std::set<std::string> ocr_sources;
  for (const auto& u : attachments.used) {
    if (u.reading->read == AttachmentRead::ocr) ocr_sources.insert(source_of(u.name));
  }
  a.needs_review = std::any_of(a.field_sources.begin(), a.field_sources.end(),
                               [&](auto& s) { return ocr_sources.count(s.second) > 0; });
  if (!o.technicians.empty() && !address_matches(a.from, o.technicians)) {
    a.warnings.push_back({"from", "invalid",
                          "The sender " + (a.from.empty() ? std::string("(none)") : a.from) +
                              " is not in dealer.technicians; closeoutd quarantines Section 2 "
                              "from anyone else."});
  }
  a.section2_raw = std::move(reply.raw);
}

// ---------------------------------------------------------------- Section 1

struct DispatchContent {
  RawFields raw;
  Section1Check check;
};

DispatchContent read_section1(const Analysis& a, const std::vector<RenderedPart>& parts,
                              const std::string& body, const Attachments& attachments,
                              const FormDefinition& form) {
  DispatchContent c;
  offer(c.raw, body, form, section1_field, kBody);
  offer_attachments(c.raw, parts, attachments, form, section1_field);
  c.check = check_section1(c.raw, form.dispatch_number_in_subject(a.subject), form);
  return c;
}

void fill_dispatch(Analysis& a, DispatchContent content, const FormDefinition& form) {
  a.fields = std::move(content.check.fields);
  a.problems = std::move(content.check.problems);
  a.warnings = std::move(content.check.warnings);
  a.dispatch_number = content.check.dispatch_number;
  a.field_sources = field_sources(a.fields, content.raw, form);
}

// Which dispatch an automatic mail concerns: the tag or number in its subject, or for a bounce
// the tag in the returned headers (anywhere in the raw message).
std::optional<std::string> automatic_reference(const Analysis& a, std::string_view raw,
                                               const FormDefinition& form) {
  if (auto tag = find_dispatch_tag(a.subject)) return tag;
  if (auto n = form.dispatch_number_in_subject(a.subject)) return n;
  if (a.kind == MessageKind::bounce) return find_dispatch_tag(raw);
  return std::nullopt;
}

}  // namespace

AnalyzeOutcome analyze_message(std::string_view raw, const AnalyzeOptions& o) {
  AnalyzeOutcome outcome;
  DecodeOutcome decoded = decode_message(raw, o.limits);
  if (!decoded.message) {
    outcome.error = decoded.error;
    return outcome;
  }
  DecodedMessage& m = *decoded.message;
  const FormDefinition& form = *o.form;
  Analysis a;
  a.message_id = m.message_id;
  a.from = m.from;
  a.subject = m.subject;
  a.in_reply_to = m.in_reply_to;
  a.references = m.references;

  a.automatic_mark = automatic_mark(m);
  auto automatic = [&](MessageKind kind) {
    a.kind = kind;
    a.dispatch_number = automatic_reference(a, raw, form);
    outcome.analysis = std::move(a);
    return outcome;
  };
  if (auto kind = automatic_kind(m)) {
    a.attachments = unopened(m);
    return automatic(*kind);
  }
  auto parts = render_parts(m, form);
  const std::string body = body_text(parts);
  const Attachments attachments = read_attachments(m, o);
  a.attachments = listed(attachments);
  std::optional<DispatchContent> section1;
  if (address_matches(a.from, o.cits_senders))
    section1 = read_section1(a, parts, body, attachments, form);
  if (section1 && section1->check.dispatch_number) {
    a.kind = MessageKind::dispatch;
    fill_dispatch(a, std::move(*section1), form);
  } else if (ReplyContent reply = read_reply(parts, body, attachments, form);
             reply.has_section2_label ||
             (!a.no_automatic_answer() && find_dispatch_tag(a.subject))) {
    // A person's reply with only the tag gets a problems reply listing what to fill in; a
    // machine's mail with only the tag (a ticket system's receipt) holds no Section 2 at all.
    a.kind = MessageKind::section2;
    fill_section2(a, reply, attachments, o);
  } else if (a.no_automatic_answer()) {
    return automatic(MessageKind::auto_reply);
  }
  outcome.analysis = std::move(a);
  return outcome;
}

}  // namespace closeout
