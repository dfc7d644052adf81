// SPDX-License-Identifier: GPL-3.0-or-later
#include "section2_review.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "closeout_mail.h"
#include "incoming_mail.h"
#include "mail_compose.h"
#include "outbox_store.h"
#include "section_text.h"

namespace closeout::workflow {

namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string join_problems(const std::vector<Problem>& problems) {
  std::vector<std::string> parts;
  parts.reserve(problems.size());
  for (const auto& p : problems) parts.push_back(p.field + " " + p.code);
  return join(parts, "; ");
}

// Every reading, those inside a winmail.dat too, under the names field_sources may use for it.
void flatten(const std::vector<AttachmentReading>& readings, const std::string& prefix, json& out) {
  for (const auto& r : readings) {
    json entry = {{"filename", prefix + r.filename},
                  {"type", r.type},
                  {"read", std::string(to_string(r.read))},
                  {"reason", r.reason}};
    if (r.read == AttachmentRead::ocr) entry["min_confidence"] = r.min_confidence;
    out.push_back(entry);
    if (!r.inner.empty()) flatten(r.inner, prefix + r.filename + "/", out);
  }
}

json pairs_json(const std::vector<std::pair<std::string, std::string>>& pairs) {
  auto out = json::array();
  for (const auto& [key, value] : pairs) out.push_back({key, value});
  return out;
}

// The OCR'd attachment a source names ("attachment:<file name>"), if it is one.
const json* ocr_reading(const json& attachments, const std::string& source) {
  static constexpr std::string_view kPrefix = "attachment:";
  if (!source.starts_with(kPrefix)) return nullptr;
  std::string name = source.substr(kPrefix.size());
  for (const auto& a : attachments) {
    if (a.value("read", "") != "ocr") continue;
    std::string filename = a.value("filename", "");
    // Inside a winmail.dat the source may name the inner file alone.
    if (filename == name || filename.ends_with("/" + name)) return &a;
  }
  return nullptr;
}

std::vector<ReviewField> fields_of(const FormDefinition& form, const store::ReviewRecord& r) {
  json raw = json::parse(r.raw_json);
  json sources = json::parse(r.sources_json);
  json attachments = json::parse(r.attachments_json);
  std::map<std::string, std::string> value_of;
  std::map<std::string, std::string> source_of;
  for (const auto& pair : raw) value_of.emplace(pair[0].get<std::string>(), pair[1]);
  for (const auto& pair : sources) source_of.emplace(pair[0].get<std::string>(), pair[1]);
  std::vector<ReviewField> out;
  for (const auto& spec : form.fields()) {
    auto value = value_of.find(spec.key);
    if (!spec.in_section2 || value == value_of.end()) continue;
    ReviewField f{spec.key, spec.label, value->second, "", std::nullopt};
    if (auto source = source_of.find(spec.key); source != source_of.end()) {
      f.source = source->second;
      if (const json* ocr = ocr_reading(attachments, f.source))
        f.ocr_confidence = ocr->value("min_confidence", 0.0);
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::string source_text(const ReviewField& f) {
  if (f.source.empty()) return "(source not recorded)";
  if (!f.ocr_confidence) return f.source;
  char confidence[32];
  (void)std::snprintf(confidence, sizeof confidence, "%.0f%%", *f.ocr_confidence);
  return f.source + " (OCR, lowest word confidence " + confidence + ")";
}

json problem_list(const FormDefinition& form, const std::vector<Problem>& problems) {
  auto out = json::array();
  for (const auto& p : problems) {
    if (p.field == "from") continue;
    out.push_back({{"label", field_label(form, p.field)}, {"message", p.message}});
  }
  return out;
}

void queue_review_needed(Workflow& w, const store::DispatchRecord& d, const store::ReviewRecord& r,
                         const Section2Check& check, store::Timestamp now) {
  Addressing to;
  to.to = addresses(w.config.dealer.admins);
  store::DispatchStore dispatches(w.db);
  if (to.to.empty()) {
    dispatches.note(d.number, "review not announced", r.message_id,
                    "no dealer.admins configured: see closeoutctl review", now);
    return;
  }
  auto fields = json::array();
  for (const auto& f : fields_of(w.form, r))
    fields.push_back(
        {{"key", f.key}, {"label", f.label}, {"value", f.value}, {"source", source_text(f)}});
  auto problems = problem_list(w.form, check.problems);
  json context = {{"model", d.model},
                  {"serial_number", d.serial_number},
                  {"customer_name", d.customer_name},
                  {"technician", r.from_address},
                  {"message_id", r.message_id},
                  {"fields", fields},
                  {"problems", problems},
                  {"has_problems", !problems.empty()},
                  {"config", w.config.source},
                  {"keys", join(section2_keys(w.form))}};
  store::OutboxStore(w.db).enqueue(w.mail.make(store::mail_kind::review_needed, "review_needed",
                                               d.number, std::move(context), to, now,
                                               r.message_id));
}

// "service_date, labor_hours (scan.jpg)": the values OCR gave, for the timeline.
std::string ocr_detail(const FormDefinition& form, const store::ReviewRecord& r) {
  std::vector<std::string> keys;
  std::vector<std::string> files;
  for (const auto& f : fields_of(form, r)) {
    if (!f.ocr_confidence) continue;
    keys.push_back(f.key);
    std::string file = f.source.substr(std::string_view("attachment:").size());
    if (std::find(files.begin(), files.end(), file) == files.end()) files.push_back(file);
  }
  if (keys.empty()) return "values from OCR";
  return "from OCR: " + join(keys) + " (" + join(files) + ")";
}

struct Held {
  store::DispatchRecord dispatch;
  store::ReviewRecord review;
};

Held find_held(Workflow& w, const std::string& number) {
  auto d = store::DispatchStore(w.db).find(number);
  if (!d) throw AdminError("no dispatch " + number + " on record");
  if (d->state != store::state::review)
    throw NotInReview("dispatch " + number + " is not waiting in review (state " + d->state +
                      "); closeoutctl review lists those that are");
  auto r = store::ReviewStore(w.db).waiting(number);
  if (!r)
    throw NotInReview("dispatch " + number +
                      " is in state review but no Section 2 is held for it; see closeoutctl show " +
                      number);
  return {std::move(*d), std::move(*r)};
}

Addressing answer_to(const store::ReviewRecord& r) {
  Addressing to;
  to.to = {r.from_address};
  to.automatic_answer = true;
  to.in_reply_to = r.message_id;
  for (const auto& id : json::parse(r.references_json)) to.references.push_back(id);
  if (!r.message_id.empty()) to.references.push_back(r.message_id);
  return to;
}

// An answer to the technician, unless RFC 3834 or an unusable address forbids it: then the
// timeline says why. Returns the outbox id, 0 when not sent.
std::int64_t answer_technician(Workflow& w, const store::ReviewRecord& r, std::string_view kind,
                               std::string_view template_name, json context, store::Timestamp now) {
  store::DispatchStore dispatches(w.db);
  if (!r.automatic_mark.empty()) {
    dispatches.note(r.dispatch_number, kNotAnsweredEvent, r.message_id,
                    std::string(template_name) + " reply not sent: the mail carries " +
                        r.automatic_mark + " and closeoutd never answers automatic mail",
                    now);
    return 0;
  }
  if (r.from_address.empty() || !is_envelope_safe(r.from_address)) {
    dispatches.note(r.dispatch_number, kNotAnsweredEvent, r.message_id,
                    std::string(template_name) + " reply not sent: the sender's address \"" +
                        r.from_address.substr(0, 200) + "\" cannot be answered",
                    now);
    return 0;
  }
  return store::OutboxStore(w.db).enqueue(w.mail.make(
      kind, template_name, r.dispatch_number, std::move(context), answer_to(r), now, r.message_id));
}

// The held values with the admin's corrections on top: a corrected key takes the new value,
// even an empty one (which makes the field missing again).
RawFields corrected(const store::ReviewRecord& r, const std::vector<Correction>& corrections,
                    std::vector<std::string>& changes) {
  std::map<std::string, std::string> value_of;
  for (const auto& c : corrections) value_of[c.key] = c.value;
  RawFields raw;
  std::map<std::string, std::string> before;
  for (const auto& pair : json::parse(r.raw_json)) {
    auto key = pair[0].get<std::string>();
    before.emplace(key, pair[1].get<std::string>());
    if (!value_of.count(key)) raw.offer(key, pair[1].get<std::string>());
  }
  for (const auto& [key, value] : value_of) {
    raw.offer(key, value);
    auto old = before.find(key);
    changes.push_back(key + " \"" + (old == before.end() ? "" : old->second) + "\" -> \"" + value +
                      "\"");
  }
  return raw;
}

}  // namespace

std::vector<std::string> section2_keys(const FormDefinition& form) {
  std::vector<std::string> out;
  for (const auto& spec : form.fields()) {
    if (spec.in_section2) out.push_back(spec.key);
  }
  return out;
}

void hold_for_review(Workflow& w, const store::DispatchRecord& d, const Analysis& a,
                     const Section2Check& check, store::Timestamp now) {
  store::ReviewRecord r;
  r.dispatch_number = d.number;
  r.message_id = a.message_id;
  r.from_address = a.from;
  r.references_json = json(a.references).dump();
  r.automatic_mark = a.automatic_mark;
  r.raw_json = pairs_json(a.section2_raw.entries()).dump();
  r.sources_json = pairs_json(a.field_sources).dump();
  auto attachments = json::array();
  flatten(a.attachments, "", attachments);
  r.attachments_json = attachments.dump();
  r.received_at = now;
  store::ReviewStore(w.db).hold(r, now);
  std::string detail = ocr_detail(w.form, r);
  if (!check.problems.empty()) detail += "; as read: " + join_problems(check.problems);
  store::DispatchStore(w.db).transition(d.number, store::state::review, kReviewHeldEvent,
                                        a.message_id, detail, now);
  queue_review_needed(w, d, r, check, now);
}

std::vector<WaitingReview> waiting_reviews(Workflow& w) {
  std::vector<WaitingReview> out;
  store::DispatchStore dispatches(w.db);
  for (auto& r : store::ReviewStore(w.db).all_waiting()) {
    auto d = dispatches.find(r.dispatch_number);
    if (!d || d->state != store::state::review) continue;
    auto fields = fields_of(w.form, r);
    out.push_back({std::move(*d), std::move(r), std::move(fields)});
  }
  return out;
}

ApproveResult approve_review(Workflow& w, const std::string& number,
                             const std::vector<Correction>& corrections, const std::string& who,
                             store::Timestamp now, std::chrono::year_month_day today) {
  for (const auto& c : corrections) {
    const FieldSpec* spec = w.form.field(c.key);
    if (!spec || !spec->in_section2)
      throw UnknownFieldKey("--set " + c.key + ": not a Section 2 field; the keys are " +
                            join(section2_keys(w.form)));
  }
  store::WriteTransaction tx(w.db);
  Held held = find_held(w, number);
  const auto& d = held.dispatch;
  std::vector<std::string> changes;
  RawFields raw = corrected(held.review, corrections, changes);
  DispatchFacts facts;
  use_recorded_facts(facts, d);
  Section2Check check = check_section2(raw, facts, today, w.form);
  ApproveResult result;
  result.warnings = check.warnings;
  if (!check.problems.empty()) {
    result.problems = check.problems;
    result.state = d.state;
    return result;  // nothing written: the transaction rolls back
  }
  auto section2 = field_entries(check.fields, w.form, 2);
  store::DispatchStore dispatches(w.db);
  dispatches.set_section2(number, section2.dump(), now);
  std::string detail =
      "by " + who + (changes.empty() ? "; as read" : "; corrected " + join(changes));
  if (!check.warnings.empty()) detail += "; warnings: " + join_problems(check.warnings);
  if (check.call_status == CallStatus::pending) {
    dispatches.transition(number, store::state::on_hold, kReviewApprovedEvent,
                          held.review.message_id, detail + "; call status pending: on hold", now);
    result.outbox_id = answer_technician(w, held.review, store::mail_kind::pending, "pending",
                                         json::object(), now);
    result.state = store::state::on_hold;
  } else {
    // caused_by is the technician's Message-ID: the confirmation after CITS's server accepts
    // goes to them, as for a typed reply (send_results.cpp).
    result.outbox_id = queue_closeout_mail(w, d, section2, now, held.review.message_id);
    dispatches.transition(
        number, store::state::closing, kReviewApprovedEvent, held.review.message_id,
        detail + "; close-out queued as outbox " + std::to_string(result.outbox_id), now);
    result.state = store::state::closing;
  }
  store::ReviewStore(w.db).decide(held.review.id, store::review_decision::approved, detail, now);
  tx.commit();
  result.approved = true;
  return result;
}

std::int64_t reject_review(Workflow& w, const std::string& number, const std::string& reason,
                           const std::string& who, store::Timestamp now) {
  store::WriteTransaction tx(w.db);
  Held held = find_held(w, number);
  json context = {{"reason", reason}, {"blank_section2", blank_section2(w.form, number)}};
  auto id = answer_technician(w, held.review, store::mail_kind::problems, "review_rejected",
                              std::move(context), now);
  std::string detail = "by " + who + ": " + reason;
  store::DispatchStore(w.db).transition(number, store::state::rejected, kReviewRejectedEvent,
                                        held.review.message_id, detail, now);
  store::ReviewStore(w.db).decide(held.review.id, store::review_decision::rejected, detail, now);
  tx.commit();
  return id;
}

void supersede_review(Workflow& w, const std::string& number, const std::string& message_id,
                      store::Timestamp now) {
  std::string detail = "a newer Section 2 (" + message_id + ") replaces the one held";
  if (store::ReviewStore(w.db).supersede(number, detail, now))
    store::DispatchStore(w.db).note(number, "review superseded", message_id, detail, now);
}

}  // namespace closeout::workflow
