// SPDX-License-Identifier: GPL-3.0-or-later
#include "send_results.h"

#include <SQLiteCpp/Exception.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include "dispatch_store.h"
#include "incoming_mail.h"
#include "local_date.h"
#include "message_log.h"
#include "phase_counters.h"
#include "statement_cache.h"

namespace closeout::workflow {

std::chrono::seconds retry_delay(const Config& config, int attempts) {
  auto delay = config.outbox.retry_first;
  for (int i = 1; i < attempts && delay < config.outbox.retry_max; ++i) delay *= 2;
  return std::min(delay, config.outbox.retry_max);
}

namespace {

void queue_confirmation(Workflow& w, const store::OutboxEntry& closeout,
                        const store::DispatchRecord& d, store::Timestamp now) {
  // The technician whose reply caused the close-out; an admin's resend has no one to confirm to.
  auto reply = store::MessageLog(w.db).find_message_id(closeout.caused_by);
  if (!reply || reply->kind != "section2" || reply->from_address.empty()) return;
  store::DispatchStore dispatches(w.db);
  for (const auto& e : dispatches.timeline(d.number)) {
    if (e.event == kNotAnsweredEvent && e.message_id == reply->message_id) {
      dispatches.note(d.number, kNotAnsweredEvent, reply->message_id,
                      "confirmation not sent: the Section 2 was automatic mail", now);
      return;
    }
  }
  nlohmann::json context = {
      {"section2",
       nlohmann::json::parse(d.section2_json.empty() ? std::string("[]") : d.section2_json)},
      {"sent_at", format_local_time(now)}};
  Addressing to;
  to.to = {reply->from_address};
  to.automatic_answer = true;
  to.in_reply_to = reply->message_id;
  to.references = {reply->message_id};
  store::OutboxStore(w.db).enqueue(w.mail.make(store::mail_kind::confirmation, "confirmation",
                                               d.number, std::move(context), to, now,
                                               reply->message_id));
}

// A follow-up mail (confirmation, escalation) that cannot be made is a fact about that mail, not
// about the send that caused it: it goes on the dispatch's timeline and in the log, and what the
// send itself did still stands. Only the database failing is passed on.
template <typename Queue>
void queue_follow_up(Workflow& w, const store::OutboxEntry& cause, std::string_view what,
                     Queue&& queue, store::Timestamp now) {
  try {
    queue();
  } catch (const SQLite::Exception&) {
    throw;
  } catch (const std::exception& error) {
    spdlog::error("dispatch {} message {} outbox {}: {} not queued: {}",
                  cause.dispatch_number.empty() ? "-" : cause.dispatch_number, cause.message_id,
                  cause.id, what, error.what());
    if (!cause.dispatch_number.empty())
      store::DispatchStore(w.db).note(cause.dispatch_number, std::string(what) + " not sent",
                                      cause.message_id, error.what(), now);
  }
}

void on_accepted(Workflow& w, const store::OutboxEntry& e, const SendReport& report,
                 store::Timestamp now) {
  store::DispatchStore dispatches(w.db);
  auto d = dispatches.find(e.dispatch_number);
  if (!d) return;
  std::string detail = e.kind + " to " + (e.recipients.empty() ? "" : e.recipients.front());
  if (e.kind == store::mail_kind::notice && d->state == store::state::received) {
    dispatches.transition(d->number, store::state::notified, "notice sent", e.message_id, detail,
                          now);
  } else if (e.kind == store::mail_kind::closeout) {
    if (d->state == store::state::closing || d->state == store::state::failed)
      dispatches.transition(d->number, store::state::closed_out, "close-out accepted", e.message_id,
                            detail + ": " + report.server_reply, now);
    else
      dispatches.note(d->number, "close-out accepted", e.message_id, detail, now);
    dispatches.set_closed_out(d->number, now);
    // Replayed after a crash, the close-out is still confirmed only once.
    if (!store::OutboxStore(w.db).has_follow_up(store::mail_kind::confirmation, d->number,
                                                e.caused_by))
      queue_follow_up(
          w, e, "confirmation", [&] { queue_confirmation(w, e, *d, now); }, now);
  } else {
    dispatches.note(d->number, "sent " + e.kind, e.message_id, detail, now);
  }
}

void on_refused(Workflow& w, const store::OutboxEntry& e, const SendReport& report,
                store::Timestamp now) {
  store::DispatchStore dispatches(w.db);
  auto d = dispatches.find(e.dispatch_number);
  if (!d) return;
  if (e.kind != store::mail_kind::closeout) {
    dispatches.note(d->number, e.kind + " refused", e.message_id, report.server_reply, now);
    return;
  }
  dispatches.transition(d->number, store::state::failed, "close-out refused", e.message_id,
                        report.server_reply, now);
  Addressing to;
  to.to = addresses(w.config.dealer.admins);
  if (to.to.empty()) return;
  nlohmann::json context = {{"error", report.server_reply}, {"outbox_id", std::to_string(e.id)}};
  queue_follow_up(
      w, e, "escalation",
      [&] {
        store::OutboxStore(w.db).enqueue(w.mail.make(store::mail_kind::escalation,
                                                     "closeout_failed", d->number,
                                                     std::move(context), to, now, e.message_id));
      },
      now);
}

// Under synchronous=FULL for the one commit it guards, then back to the daemon's NORMAL.
class SyncedCommits {
 public:
  SyncedCommits(SQLite::Database& db, bool on) : db_(db), on_(on) {
    if (on_) db_.exec("PRAGMA synchronous = FULL");
  }
  ~SyncedCommits() {
    try {
      if (on_) db_.exec("PRAGMA synchronous = NORMAL");
    } catch (...) {  // NOLINT(bugprone-empty-catch): FULL stays, which is only slower
    }
  }
  SyncedCommits(const SyncedCommits&) = delete;
  SyncedCommits& operator=(const SyncedCommits&) = delete;

 private:
  SQLite::Database& db_;
  bool on_;
};

// A close-out accepted and then forgotten by a power loss would go to Canon a second time: its
// acceptance is on disk before anything else happens (tens a day, worth an fsync each; the
// mailbox does the same in make_durable). Other mail keeps the cheaper NORMAL.
void record_acceptance(Workflow& w, const store::OutboxEntry& e, store::Timestamp now) {
  bool synced_on = e.kind == store::mail_kind::closeout;
  phases::Timer timer(synced_on ? phases::fsync : phases::current());
  if (synced_on) phases::count(phases::fsyncs);
  SyncedCommits synced(w.db, synced_on);
  store::WriteTransaction sent(w.db);
  store::OutboxStore(w.db).mark_sent(e.id, now);
  sent.commit();
}

// The effects and their mark in one transaction: after a crash either both are there or neither.
void finish_effects(Workflow& w, const store::OutboxEntry& e, const SendReport& report,
                    store::Timestamp now) {
  store::WriteTransaction effects(w.db);
  on_accepted(w, e, report, now);
  store::OutboxStore(w.db).mark_effects_done(e.id);
  effects.commit();
}

// Any other mail (a notice, above all: one per dispatch of a backlog): the acceptance and its
// effects in ONE commit, not two. Its effects are one state change or timeline note and never a
// follow-up mail, so nothing in them needs the acceptance on disk first; a crash before the
// commit loses both, which is the RFC 1047 window the acceptance alone already had. The effects
// run under a savepoint: if they fail, they alone are undone and the acceptance is still
// committed (effects_done = 0, so finish_accepted_sends redoes them), as with two commits.
void record_acceptance_and_effects(Workflow& w, const store::OutboxEntry& e,
                                   const SendReport& report, store::Timestamp now) {
  std::exception_ptr effects_failed;
  {
    store::WriteTransaction tx(w.db);
    store::OutboxStore(w.db).mark_sent(e.id, now);
    store::Query(w.db, "SAVEPOINT effects").exec();
    try {
      on_accepted(w, e, report, now);
      store::OutboxStore(w.db).mark_effects_done(e.id);
      store::Query(w.db, "RELEASE effects").exec();
      tx.commit();
      return;
    } catch (const std::exception&) {
      effects_failed = std::current_exception();
    }
    // Some errors (a full disk, an I/O error) end the whole transaction: then there is no
    // savepoint to go back to, and the acceptance is recorded alone below.
    if (sqlite3_get_autocommit(w.db.getHandle()) == 0) {
      store::Query(w.db, "ROLLBACK TO effects").exec();
      store::Query(w.db, "RELEASE effects").exec();
      tx.commit();
      std::rethrow_exception(effects_failed);
    }
  }
  record_acceptance(w, e, now);
  std::rethrow_exception(effects_failed);
}

}  // namespace

void apply_send_result(Workflow& w, const store::OutboxEntry& e, const SendReport& report,
                       store::Timestamp now) {
  store::OutboxStore outbox(w.db);
  if (report.verdict == SendVerdict::accepted && e.kind != store::mail_kind::closeout) {
    record_acceptance_and_effects(w, e, report, now);
    return;
  }
  if (report.verdict == SendVerdict::accepted) {
    record_acceptance(w, e, now);
    finish_effects(w, e, report, now);
    return;
  }
  store::WriteTransaction tx(w.db);
  switch (report.verdict) {
    case SendVerdict::accepted:
      break;
    case SendVerdict::transient:
      outbox.mark_retry(e.id, now + retry_delay(w.config, e.attempts + 1).count(),
                        report.server_reply);
      break;
    case SendVerdict::permanent:
      outbox.mark_failed(e.id, report.server_reply);
      on_refused(w, e, report, now);
      break;
  }
  tx.commit();
}

}  // namespace closeout::workflow

namespace closeout::workflow {

int finish_accepted_sends(Workflow& w, store::Timestamp now) {
  store::OutboxStore outbox(w.db);
  int finished = 0;
  for (const auto& e : outbox.sent_without_effects()) {
    finish_effects(w, e, {SendVerdict::accepted, "accepted before a restart"},
                   e.sent_at ? e.sent_at : now);
    ++finished;
  }
  return finished;
}

}  // namespace closeout::workflow
