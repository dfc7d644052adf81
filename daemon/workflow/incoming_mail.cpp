// SPDX-License-Identifier: GPL-3.0-or-later
#include "incoming_mail.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "mail_compose.h"

#include "address.h"
#include "analyze.h"
#include "ascr_registry.h"
#include "closeout_form.h"
#include "closeout_mail.h"
#include "dispatch_forms.h"
#include "dispatch_store.h"
#include "field_values.h"
#include "local_date.h"
#include "log_context.h"
#include "message_log.h"
#include "outbox_store.h"
#include "section2_review.h"
#include "section_text.h"

namespace closeout::workflow {

namespace {

using store::Timestamp;

std::string join_problems(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += "; ";
    out += p.field + " " + p.code;
  }
  return out;
}

bool oversize(const Workflow& w, const IncomingMessage& in) {
  return !in.bytes || in.bytes->size() > w.config.limits.max_message_bytes;
}

// Outside the write transaction (see process_message): this is where attachments are read.
AnalyzeOutcome analyze_incoming(const Workflow& w, const IncomingMessage& in,
                                std::chrono::year_month_day today) {
  AnalyzeOptions options;
  options.form = &w.form;
  options.cits_senders = w.config.cits.senders;
  options.technicians = w.config.dealer.technicians;
  options.today = today;
  options.limits.max_attachment_bytes = w.config.limits.max_attachment_bytes;
  options.read_attachment = w.read_attachment;
  return analyze_message(*in.bytes, options);
}

// Each tripped limit and each attachment that could not be read, once, with the dispatch and
// the Message-ID: the admin's only clue when a technician says "but I attached it".
void log_attachments(const Analysis& a, const Disposition& d) {
  bool any = std::any_of(a.attachments.begin(), a.attachments.end(), [](const auto& r) {
    return r.read == AttachmentRead::unreadable || !r.limits_tripped.empty();
  });
  if (!any) return;
  ScopedLogContext scope({d.dispatch_number, d.message_id, {}, {}});
  const std::string number = d.dispatch_number.empty() ? "-" : d.dispatch_number;
  const std::string id = d.message_id.empty() ? "(no Message-ID)" : d.message_id;
  for (const auto& r : a.attachments) {
    for (const auto& limit : r.limits_tripped)
      spdlog::warn("dispatch {} message {}: attachment {} ({}) tripped limits.{}: {}", number, id,
                   r.filename, r.type, limit, r.reason.empty() ? "cut short" : r.reason);
    if (r.read == AttachmentRead::unreadable)
      spdlog::warn("dispatch {} message {}: attachment {} ({}) is unreadable: {}", number, id,
                   r.filename, r.type, r.reason);
  }
}

class MessageHandler {
 public:
  // outcome: the analysis made before the transaction; null when the message is oversize.
  MessageHandler(Workflow& w, const IncomingMessage& in, Timestamp now,
                 std::chrono::year_month_day today, const AnalyzeOutcome* outcome)
      : w_(w),
        in_(in),
        now_(now),
        today_(today),
        outcome_(outcome),
        dispatches_(w.db),
        outbox_(w.db) {
    record_.uidvalidity = in.uidvalidity;
    record_.uid = in.uid;
    record_.size = in.size;
    record_.processed_at = now;
    record_.folder = w.config.imap.processed_folder;
  }

  Disposition run() {
    if (!outcome_) {
      quarantine("oversize", "over limits.max_message_bytes (" + std::to_string(in_.size) +
                                 " bytes); not downloaded");
      return finish();
    }
    if (!outcome_->analysis) {
      quarantine("unreadable", outcome_->error);
      return finish();
    }
    a_ = &*outcome_->analysis;
    record_.message_id = a_->message_id;
    record_.from_address = a_->from;
    record_.subject = a_->subject.substr(0, 500);
    record_.kind = std::string(kind_name(a_->kind));
    if (auto earlier = store::MessageLog(w_.db).find_message_id(a_->message_id)) {
      record_.action = "duplicate delivery; already handled";
      record_.folder = earlier->folder;
      record_.dispatch_number = earlier->dispatch_number;
      return finish();
    }
    switch (a_->kind) {
      case MessageKind::dispatch:
        on_dispatch();
        break;
      case MessageKind::section2:
        on_section2();
        break;
      case MessageKind::auto_reply:
      case MessageKind::bounce:
        on_automatic();
        break;
      case MessageKind::unknown:
        quarantine("unknown", "not from CITS and not a Section 2 reply");
        break;
    }
    return finish();
  }

 private:
  void quarantine(std::string kind, std::string detail) {
    if (record_.kind.empty() || kind != "unknown") record_.kind = std::move(kind);
    record_.action = "quarantined";
    record_.detail = std::move(detail);
    record_.folder = w_.config.imap.quarantine_folder;
  }

  Disposition finish() {
    store::MessageLog(w_.db).record(record_);
    Disposition d;
    d.folder = record_.folder;
    d.kind = record_.kind;
    d.action = record_.action + (record_.detail.empty() ? "" : ": " + record_.detail);
    d.dispatch_number = record_.dispatch_number;
    d.message_id = record_.message_id;
    d.quarantined = record_.folder == w_.config.imap.quarantine_folder;
    return d;
  }

  void queue(std::string_view kind, std::string_view name, const std::string& number,
             nlohmann::json context, const Addressing& to) {
    if (to.to.empty()) return;
    if (to.automatic_answer && a_->no_automatic_answer()) {
      not_answered(std::string(name) + " reply not sent", number);
      return;
    }
    // A sender with no address we can put in an envelope (From missing, or unusable) cannot
    // be answered; the message itself is still handled, and the timeline says why.
    if (to.automatic_answer && !is_envelope_safe(a_->from)) {
      not_answered_to(std::string(name) + " reply not sent: the sender's address \"" +
                          a_->from.substr(0, 200) + "\" cannot be answered",
                      number);
      return;
    }
    outbox_.enqueue(
        w_.mail.make(kind, name, number, std::move(context), to, now_, record_.message_id));
  }

  // Answering a machine can start a mail loop (RFC 3834): say on the timeline, and in the
  // message log, what was not sent and which header stopped it.
  void not_answered(const std::string& what, const std::string& number) {
    not_answered_to(what + ": the mail carries " + a_->automatic_mark +
                        " and closeoutd never answers automatic mail",
                    number);
  }
  void not_answered_to(const std::string& why, const std::string& number) {
    record_.detail = why;
    if (!number.empty() && dispatches_.find(number))
      dispatches_.note(number, kNotAnsweredEvent, a_->message_id, why, now_);
  }

  Addressing answer() const {
    Addressing to;
    to.to = {a_->from};
    to.automatic_answer = true;
    to.in_reply_to = a_->message_id;
    to.references = a_->references;
    if (!a_->message_id.empty()) to.references.push_back(a_->message_id);
    return to;
  }

  void on_dispatch() {
    if (!a_->dispatch_number) {
      quarantine("dispatch", "a CITS mail without a dispatch number");
      return;
    }
    const std::string& number = *a_->dispatch_number;
    record_.dispatch_number = number;
    store::DispatchRecord d;
    d.number = number;
    d.section1_json = field_entries(a_->fields, w_.form, 1).dump();
    auto text = [&](const char* key) {
      const Field* f = find_field(a_->fields, key);
      return f ? display_value(f->value) : std::string();
    };
    d.serial_number = text("serial_number");
    d.model = text("model");
    d.customer_name = text("customer_name");
    d.dispatch_date = text("dispatch_date");
    d.received_at = now_;
    store::AscrRegistry ascr(w_.db);
    d.unregistered = !d.serial_number.empty() && ascr.loaded() && !ascr.contains(d.serial_number);
    if (d.serial_number.empty()) d.unregistered = ascr.loaded();

    if (auto known = dispatches_.find(number)) {
      if (known->section1_json == d.section1_json) {
        dispatches_.note(number, "duplicate", a_->message_id, "the same dispatch again", now_);
        record_.action = "duplicate dispatch";
      } else {
        dispatches_.update_section1(d, a_->message_id, "Section 1 changed by CITS", now_);
        record_.action = "dispatch updated";
      }
      keep_dispatch_form(number);
      return;
    }
    dispatches_.insert(d, a_->message_id);
    keep_dispatch_form(number);
    if (!a_->problems.empty())
      dispatches_.note(number, "incomplete dispatch", a_->message_id,
                       "Section 1: " + join_problems(a_->problems), now_);
    nlohmann::json context = {{"section1", nlohmann::json::parse(d.section1_json)},
                              {"blank_section2", blank_section2(w_.form, number)},
                              {"model", d.model},
                              {"serial_number", d.serial_number},
                              {"unregistered", d.unregistered}};
    Addressing to;
    to.to = addresses(w_.config.dealer.notify);
    queue(store::mail_kind::notice, "notice", number, std::move(context), to);
    record_.action = to.to.empty() ? "new dispatch (no dealer.notify: no notice)"
                                   : "new dispatch; notice queued";
  }

  // CITS's own PDF form, for the close-out to return filled in (closeout.attach_form; kept
  // whatever it says now, so turning it on later still finds the form). The analysis keeps no
  // attachment bytes, so a message it saw a PDF in is decoded again; others (nearly every
  // dispatch, and a backlog of thousands) are not.
  void keep_dispatch_form(const std::string& number) {
    if (std::none_of(a_->attachments.begin(), a_->attachments.end(),
                     [](const AttachmentReading& r) { return r.type == "pdf"; }))
      return;
    DecodeLimits limits;
    limits.max_attachment_bytes = w_.config.limits.max_attachment_bytes;
    auto decoded = decode_message(*in_.bytes, limits);
    if (!decoded.message) return;
    const BinaryPart* pdf = dispatch_pdf(*decoded.message);
    if (!pdf) return;
    store::DispatchForms(w_.db).save({number, pdf->filename, pdf->bytes, now_});
  }

  // Auto-replies and bounces: recorded (against their dispatch when they name one), never
  // answered, because an answer to an automaton can start a mail loop.
  void on_automatic() {
    std::optional<std::string> number = a_->dispatch_number;
    for (const auto& id : a_->references) {
      if (!number) number = outbox_.dispatch_of_message_id(id);
    }
    record_.action = "recorded; not answered";
    if (!number || !dispatches_.find(*number)) return;
    record_.dispatch_number = *number;
    dispatches_.note(*number, record_.kind, a_->message_id, a_->from + ": " + a_->subject, now_);
  }

  // SPEC order: a Message-ID we sent, then the subject tag, then a number in the body.
  std::optional<std::string> match_dispatch() {
    std::vector<std::string> ids = a_->in_reply_to;
    ids.insert(ids.end(), a_->references.rbegin(), a_->references.rend());
    for (const auto& id : ids) {
      if (auto number = outbox_.dispatch_of_message_id(id)) return number;
    }
    return a_->dispatch_number;
  }

  void on_section2() {
    if (!w_.config.dealer.technicians.empty() &&
        !address_matches(a_->from, w_.config.dealer.technicians)) {
      quarantine("section2", "from " + a_->from + ", who is not in dealer.technicians");
      return;
    }
    auto number = match_dispatch();
    std::optional<store::DispatchRecord> d;
    if (number) d = dispatches_.find(*number);

    DispatchFacts facts = a_->facts;
    if (d) use_recorded_facts(facts, *d);
    Section2Check check = check_section2(a_->section2_raw, facts, today_, w_.form);
    // Where the mail and an attachment disagree: only the analysis saw both.
    check.warnings.insert(check.warnings.end(), a_->source_warnings.begin(),
                          a_->source_warnings.end());

    if (number && !d && w_.form.is_dispatch_number(*number)) {
      record_.dispatch_number = *number;
      queue(store::mail_kind::not_dispatched, "not_dispatched", *number, {}, answer());
      record_.action = "unknown dispatch; not-dispatched reply queued";
      return;
    }
    if (!d) {
      queue_problems("", check);
      record_.action = "no dispatch number; problems reply queued";
      return;
    }
    record_.dispatch_number = d->number;
    if (d->state == store::state::closing || d->state == store::state::closed_out) {
      dispatches_.note(d->number, "section2 after close-out", a_->message_id,
                       "already-closed reply; nothing sent to CITS again", now_);
      nlohmann::json context = {
          {"closed_out_at", d->closed_out_at ? format_local_time(d->closed_out_at) : ""}};
      if (!d->closed_out_at) context["closed_out_at"] = false;
      queue(store::mail_kind::already_closed, "already_closed", d->number, context, answer());
      record_.action = "already closed out; already-closed reply queued";
      return;
    }
    // A newer reply replaces one held for review, whatever it is; read by OCR again, it is held
    // in its place, typed, it goes the usual way.
    if (d->state == store::state::review) supersede_review(w_, d->number, a_->message_id, now_);
    if (a_->needs_review) {
      hold(*d, check);
      return;
    }
    if (!check.problems.empty()) {
      dispatches_.transition(d->number, store::state::rejected, "section2 rejected", a_->message_id,
                             join_problems(check.problems), now_);
      queue_problems(d->number, check);
      record_.action = "Section 2 incomplete; problems reply queued";
      return;
    }
    auto section2 = field_entries(check.fields, w_.form, 2);
    dispatches_.set_section2(d->number, section2.dump(), now_);
    std::string warnings = join_problems(check.warnings);
    if (check.call_status == CallStatus::pending) {
      dispatches_.transition(d->number, store::state::on_hold, "section2 pending", a_->message_id,
                             warnings, now_);
      queue(store::mail_kind::pending, "pending", d->number, {}, answer());
      record_.action = "Section 2 pending; on hold, acknowledgement queued";
      return;
    }
    queue_closeout(*d, section2);
    dispatches_.transition(d->number, store::state::closing, "close-out queued", a_->message_id,
                           warnings, now_);
    record_.action = "Section 2 complete; close-out queued";
  }

  // Values read by OCR never go to Canon unseen (SPEC): the admins check them first. The
  // technician hears only once it is decided (the confirmation, or the rejection's reason).
  void hold(const store::DispatchRecord& d, const Section2Check& check) {
    if (a_->no_automatic_answer()) not_answered("no confirmation will be sent", d.number);
    hold_for_review(w_, d, *a_, check, now_);
    record_.action = "Section 2 read by OCR; held for review, admins told";
  }

  void queue_problems(const std::string& number, const Section2Check& check) {
    auto list = [&](const std::vector<Problem>& problems) {
      auto out = nlohmann::json::array();
      for (const auto& p : problems) {
        if (p.field == "from") continue;  // about the sender, not something they can fix
        out.push_back({{"label", field_label(w_.form, p.field)}, {"message", p.message}});
      }
      return out;
    };
    auto problems = list(check.problems);
    auto warnings = list(check.warnings);
    nlohmann::json context = {{"problems", problems},
                              {"problem_count", std::to_string(problems.size())},
                              {"warnings", warnings},
                              {"has_warnings", !warnings.empty()},
                              {"known_dispatch", !number.empty()}};
    queue(store::mail_kind::problems, "problems", number, std::move(context), answer());
  }

  void queue_closeout(const store::DispatchRecord& d, const nlohmann::json& section2) {
    if (a_->no_automatic_answer()) not_answered("no confirmation will be sent", d.number);
    queue_closeout_mail(w_, d, section2, now_, record_.message_id);
  }

  Workflow& w_;
  const IncomingMessage& in_;
  Timestamp now_;
  std::chrono::year_month_day today_;
  const AnalyzeOutcome* outcome_;
  store::DispatchStore dispatches_;
  store::OutboxStore outbox_;
  store::MessageRecord record_;
  const Analysis* a_ = nullptr;
};

// The message is to blame for a compose error when the value refused is in it as received
// (a From, a Message-ID): configured values passed check_config_usable, generated ones are ours.
bool message_is_to_blame(const ComposeError& e, const IncomingMessage& message) {
  std::string_view what = e.what();
  auto colon = what.find(": ");
  if (colon == std::string_view::npos || !message.bytes) return false;
  std::string_view value = what.substr(colon + 2);
  return !value.empty() && message.bytes->find(value) != std::string::npos;
}

Disposition quarantine_unreadable(Workflow& w, const IncomingMessage& message, store::Timestamp now,
                                  std::chrono::year_month_day today, const std::string& why) {
  store::MessageRecord r;
  r.uidvalidity = message.uidvalidity;
  r.uid = message.uid;
  r.size = message.size;
  r.kind = "unreadable";
  r.action = "quarantined";
  r.detail = "could not be processed: " + why;
  r.folder = w.config.imap.quarantine_folder;
  r.processed_at = now;
  if (message.bytes) {  // what identifies it, when that much could be read
    AnalyzeOptions options;
    options.form = &w.form;
    options.cits_senders = w.config.cits.senders;
    options.technicians = w.config.dealer.technicians;
    options.today = today;
    try {
      if (auto a = analyze_message(*message.bytes, options).analysis) {
        r.message_id = a->message_id;
        r.from_address = a->from;
        r.subject = a->subject.substr(0, 500);
      }
    } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch): recorded without them
    }
  }
  store::WriteTransaction tx(w.db);
  store::MessageLog(w.db).record(r);
  tx.commit();
  Disposition d;
  d.folder = r.folder;
  d.kind = r.kind;
  d.action = r.action + ": " + r.detail;
  d.message_id = r.message_id;
  d.quarantined = true;
  return d;
}

Disposition held_back(const IncomingMessage& message, const std::string& why) {
  Disposition d;
  d.kind = "held back";
  d.held_back = true;
  d.action =
      "not processed, left in the mailbox to be tried again (a fault of closeoutd, not "
      "of the message): " +
      why;
  if (message.bytes) {  // the Message-ID for the log line, read without the parsers at fault
    auto at = message.bytes->find("\nMessage-ID:");
    if (at == std::string::npos) at = message.bytes->find("\nMessage-Id:");
    if (at != std::string::npos) {
      auto open = message.bytes->find('<', at);
      auto close = message.bytes->find('>', open);
      auto eol = message.bytes->find('\n', at + 1);
      if (open != std::string::npos && close != std::string::npos && close < eol)
        d.message_id = message.bytes->substr(open, close - open + 1);
    }
  }
  return d;
}

}  // namespace

void use_recorded_facts(DispatchFacts& facts, const store::DispatchRecord& dispatch) {
  facts.tag_number = dispatch.number;
  // Stored as iso_date wrote it, or as CITS wrote it when that could not be read: parse_date
  // reads the first and refuses the second again.
  if (auto date = parse_date(dispatch.dispatch_date)) facts.dispatch_date = date;
  if (!dispatch.serial_number.empty()) facts.serial_number = dispatch.serial_number;
}

Disposition process_message(Workflow& w, const IncomingMessage& message, store::Timestamp now,
                            std::chrono::year_month_day today) {
  std::string fault;
  bool message_fault = false;
  auto already_processed = [&]() -> std::optional<Disposition> {
    auto seen = store::MessageLog(w.db).find_uid(message.uidvalidity, message.uid);
    if (!seen) return std::nullopt;
    Disposition d;
    d.folder = seen->folder;
    d.kind = seen->kind;
    d.action = "already processed";
    d.dispatch_number = seen->dispatch_number;
    d.message_id = seen->message_id;
    d.already_recorded = true;
    d.quarantined = seen->folder == w.config.imap.quarantine_folder;
    return d;
  };
  try {
    // A message moved again after a failed MOVE is not analysed (nor its attachments read) again.
    if (auto d = already_processed()) return *d;
    // Reading attachments runs the helper process once per file, for up to extract_seconds
    // each: that happens here, before the write transaction, so the SQLite write lock is never
    // held meanwhile. The analysis reads nothing from the database.
    std::optional<AnalyzeOutcome> outcome;
    if (!oversize(w, message)) outcome = analyze_incoming(w, message, today);
    // The look-up again, inside the write transaction, so no other writer can record the same
    // UID between it and our own record.
    store::WriteTransaction tx(w.db);
    if (auto d = already_processed()) return *d;  // nothing written: the transaction rolls back
    Disposition d = MessageHandler(w, message, now, today, outcome ? &*outcome : nullptr).run();
    tx.commit();
    if (outcome && outcome->analysis) log_attachments(*outcome->analysis, d);
    return d;
  } catch (const SQLite::Exception&) {
    throw;  // the database, not the message: the caller stops, the mail stays where it is
  } catch (const store::StoreFault&) {
    throw;
  } catch (const MessageFault& e) {
    fault = e.what();
    message_fault = true;
  } catch (const ComposeError& e) {
    fault = e.what();
    message_fault = message_is_to_blame(e, message);
  } catch (const std::exception& e) {
    fault = e.what();
  }
  if (message_fault) return quarantine_unreadable(w, message, now, today, fault);
  return held_back(message, fault);
}

}  // namespace closeout::workflow
