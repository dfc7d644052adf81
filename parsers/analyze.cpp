// Orchestrates the parse path. Body choice: in a multipart/alternative the part whose text
// yields the most form fields wins (CITS's text part may only say "view in HTML"); ties go to
// the first, normally text/plain.
#include "analyze.h"

#include <algorithm>
#include <map>

#include "address.h"
#include "dispatch_tag.h"
#include "html_text.h"
#include "label_fields.h"
#include "reply_history.h"
#include "section1.h"
#include "text_util.h"

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

void offer(RawFields& raw, const std::string& text, const FormDefinition& form,
           bool (*accept)(const FieldSpec&)) {
  for (auto& lv : find_labeled_values(text, form)) {
    if (accept(*lv.field)) raw.offer(lv.field->key, std::move(lv.value));
  }
}

bool any_field(const FieldSpec&) { return true; }
bool section1_field(const FieldSpec& f) { return f.in_section1; }
bool section2_field(const FieldSpec& f) { return f.in_section2; }
// Only what a technician types: Section 1 values in the quoted notice are CITS's, not theirs.
bool technician_field(const FieldSpec& f) { return f.in_section2 && !f.in_section1; }

struct ReplyContent {
  RawFields raw;      // the technician's values, new text first
  RawFields history;  // everything labelled in the quoted history
  bool has_section2_label = false;
};

ReplyContent read_reply(const std::vector<RenderedPart>& parts, const std::string& body,
                        const FormDefinition& form) {
  ReplyContent c;
  ReplyText split = split_reply(body, form.reply());
  offer(c.raw, split.new_text, form, section2_field);
  for (const auto& p : parts) {
    if (p.part->attachment) offer(c.raw, p.text, form, section2_field);
  }
  offer(c.history, split.history, form, any_field);
  for (const auto& [key, value] : c.history.entries()) {
    const FieldSpec* spec = form.field(key);
    if (spec && technician_field(*spec)) c.raw.offer(key, value);
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

void fill_section2(Analysis& a, ReplyContent& reply, const AnalyzeOptions& o) {
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
  if (!o.technicians.empty() && !address_matches(a.from, o.technicians)) {
    a.warnings.push_back({"from", "invalid",
                          "The sender " + (a.from.empty() ? std::string("(none)") : a.from) +
                              " is not in dealer.technicians; closeoutd quarantines Section 2 "
                              "from anyone else."});
  }
  a.section2_raw = std::move(reply.raw);
}

Section1Check read_section1(const Analysis& a, const std::vector<RenderedPart>& parts,
                            const std::string& body, const FormDefinition& form) {
  RawFields raw;
  offer(raw, body, form, section1_field);
  for (const auto& p : parts) {
    if (p.part->attachment) offer(raw, p.text, form, section1_field);
  }
  return check_section1(raw, form.dispatch_number_in_subject(a.subject), form);
}

void fill_dispatch(Analysis& a, Section1Check check) {
  a.fields = std::move(check.fields);
  a.problems = std::move(check.problems);
  a.warnings = std::move(check.warnings);
  a.dispatch_number = check.dispatch_number;
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
  if (auto kind = automatic_kind(m)) return automatic(*kind);
  auto parts = render_parts(m, form);
  const std::string body = body_text(parts);
  std::optional<Section1Check> section1;
  if (address_matches(a.from, o.cits_senders)) section1 = read_section1(a, parts, body, form);
  if (section1 && section1->dispatch_number) {
    a.kind = MessageKind::dispatch;
    fill_dispatch(a, std::move(*section1));
  } else if (ReplyContent reply = read_reply(parts, body, form);
             reply.has_section2_label ||
             (!a.no_automatic_answer() && find_dispatch_tag(a.subject))) {
    // A person's reply with only the tag gets a problems reply listing what to fill in; a
    // machine's mail with only the tag (a ticket system's receipt) holds no Section 2 at all.
    a.kind = MessageKind::section2;
    fill_section2(a, reply, o);
  } else if (a.no_automatic_answer()) {
    return automatic(MessageKind::auto_reply);
  }
  outcome.analysis = std::move(a);
  return outcome;
}

}  // namespace closeout
