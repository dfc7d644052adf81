// SPDX-License-Identifier: GPL-3.0-or-later
#include "mailbox_sync.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "dispatch_store.h"
#include "incoming_mail.h"
#include "log_context.h"
#include "message_log.h"
#include "phase_counters.h"
#include "wall_clock.h"

namespace closeout {

namespace asio = boost::asio;

namespace {

// Small batches keep resident memory flat whatever the backlog (BENCHMARKS.md).
constexpr std::uint64_t kBatchBytes = 4ULL << 20;
constexpr std::size_t kBatchCount = 100;

void log_disposition(const workflow::Disposition& d, std::uint32_t uid, SQLite::Database& db) {
  auto level = d.quarantined ? spdlog::level::warn : spdlog::level::info;
  if (!spdlog::should_log(level)) return;  // nor the dispatch read for the line's context
  LogContext context{d.dispatch_number, d.message_id, {}, {}};
  if (!d.dispatch_number.empty()) {
    if (auto dispatch = store::DispatchStore(db).find(d.dispatch_number))
      context.closeout_state = dispatch->state;
  }
  ScopedLogContext scope(std::move(context));
  spdlog::log(level, "dispatch {} message {} (uid {}, {}): {} -> {}",
              d.dispatch_number.empty() ? "-" : d.dispatch_number,
              d.message_id.empty() ? "(no Message-ID)" : d.message_id, uid, d.kind, d.action,
              d.folder);
}

// The commits of a batch reach the disk before its messages leave the mailbox: a message moved
// but forgotten by a power loss would be a dispatch lost. One fsync per batch, not per message:
// a commit under synchronous=FULL syncs the whole WAL, every earlier commit included.
void make_durable(store::MessageLog& log, SQLite::Database& db, const std::string& box) {
  phases::Timer timer(phases::fsync);
  phases::count(phases::fsyncs);
  db.exec("PRAGMA synchronous = FULL");
  store::WriteTransaction tx(db);
  log.set_position(box, log.position(box));  // rewritten as it is: the commit is the point
  tx.commit();
  db.exec("PRAGMA synchronous = NORMAL");
}

// UIDs the server listed but did not deliver, per mailbox, UIDVALIDITY and UID, for as long as
// the process runs. Each is fetched again, alone and after the others, on the next syncs. A
// FETCH answered OK without its BODY[] counts as a try; after kDeliveryTries such answers the
// message is recorded and quarantined unread, so it never holds the stored position back for
// good. A connection lost while it was due does not count (the network may be to blame, and a
// dispatch must not end in quarantine for that): it is only isolated, so the others go on.
// (closeoutd --once starts afresh each run: it warns and retries, and never gives up.)
constexpr unsigned kDeliveryTries = 3;

using UidKey = std::tuple<std::string, std::uint32_t, std::uint32_t>;
std::map<UidKey, unsigned>& delivery_failures() {
  static std::map<UidKey, unsigned> failures;  // UID -> FETCH answers without the body
  return failures;
}

// A message the server kept listing but never delivered: recorded and quarantined unread, so
// an admin finds it in the quarantine folder, and intake goes on past it.
void quarantine_undelivered(workflow::Runtime& runtime, std::uint32_t uidvalidity,
                            std::uint32_t uid, std::uint64_t size, unsigned tries) {
  const auto& config = runtime.config();
  store::MessageRecord r;
  r.uidvalidity = uidvalidity;
  r.uid = uid;
  r.size = size;
  r.kind = "unreadable";
  r.action = "quarantined";
  r.detail = "the server listed it but did not deliver it in " + std::to_string(tries) +
             " tries; moved unread";
  r.folder = config.imap.quarantine_folder;
  r.processed_at = wall_now();
  store::WriteTransaction tx(runtime.db());
  store::MessageLog(runtime.db()).record(r);
  tx.commit();
  spdlog::warn("message (no Message-ID) (uid {}): {} -> {}", uid, r.detail, r.folder);
}

// A message held back (a fault of ours) is tried at every sync until the fix: its error is
// logged when first met and when it changes, not at every sync.
void log_held_back(const workflow::Disposition& d, std::uint32_t uidvalidity, std::uint32_t uid) {
  static std::map<std::pair<std::uint32_t, std::uint32_t>, std::string> logged;
  auto& last = logged[{uidvalidity, uid}];
  ScopedLogContext scope(LogContext{d.dispatch_number, d.message_id, {}, {}});
  spdlog::log(last == d.action ? spdlog::level::debug : spdlog::level::err,
              "dispatch {} message {} (uid {}): {}",
              d.dispatch_number.empty() ? "-" : d.dispatch_number,
              d.message_id.empty() ? "(no Message-ID)" : d.message_id, uid, d.action);
  last = d.action;
}

// Moves what each folder is due; a folder that refuses (quota, permissions) leaves its messages
// in place, recorded, for a later sync: one warning, and the other folders still go.
asio::awaitable<std::vector<std::uint32_t>> move_all(
    transport::ImapMailbox& mailbox, const std::string& box,
    const std::map<std::string, std::vector<std::uint32_t>>& moves) {
  std::vector<std::uint32_t> left;
  for (const auto& [folder, uids] : moves) {
    if (uids.empty()) continue;
    try {
      phases::Timer timer(phases::move);
      phases::count(phases::imap_commands);
      co_await mailbox.move(uids, folder);
    } catch (const transport::MoveRefused& e) {
      spdlog::warn("{}; {} message(s) stay in {}, recorded, and are moved on a later sync",
                   e.what(), uids.size(), box);
      left.insert(left.end(), uids.begin(), uids.end());
    }
  }
  co_return left;
}

}  // namespace

asio::awaitable<SyncStats> sync_mailbox(transport::ImapConnection& connection,
                                        transport::ImapMailbox& mailbox, workflow::Runtime& runtime,
                                        const bool& stop_requested,
                                        std::function<void()> batch_done) {
  SyncStats stats;
  const std::string box = connection.url_mailbox();
  store::MessageLog log(runtime.db());
  store::MailboxPosition position = log.position(box);
  transport::ImapPosition known{position.uidvalidity, position.last_uid};
  transport::ScanResult scan;
  {
    phases::Timer timer(phases::fetch);
    phases::count(phases::imap_commands, 2);  // SELECT (or STATUS) and UID FETCH of the sizes
    scan = co_await mailbox.scan(box, known);
  }
  if (scan.uidvalidity_changed)
    spdlog::warn(
        "{}: UIDVALIDITY changed from {} to {}; reading the whole mailbox again "
        "(messages already handled are recognised by Message-ID)",
        box, position.uidvalidity, scan.status.uidvalidity);
  if (scan.uidvalidity_changed || position.uidvalidity == 0)
    position = {scan.status.uidvalidity, 0};

  const auto& config = runtime.config();
  auto plan = transport::plan_fetch(scan.messages, config.limits.max_message_bytes, kBatchBytes,
                                    kBatchCount);
  // The stored position only passes UIDs that are done: recorded and moved (or gone from the
  // mailbox). Anything left in place holds it at the UID below, so the next scan lists it again.
  std::uint32_t first_unfinished = UINT32_MAX;
  auto hold = [&](std::uint32_t uid) { first_unfinished = std::min(first_unfinished, uid); };
  auto handle = [&](std::uint32_t uid, std::uint64_t size, const std::string* bytes,
                    std::map<std::string, std::vector<std::uint32_t>>& moves) {
    phases::Timer timer(phases::parse);
    workflow::IncomingMessage in{position.uidvalidity, uid, size, bytes};
    auto workflow = runtime.workflow();
    auto d = workflow::process_message(workflow, in, wall_now(), latest_date_on_earth(wall_now()));
    if (d.held_back) {  // a fault of ours: stays in INBOX, the stored position stops below it
      log_held_back(d, position.uidvalidity, uid);
      ++stats.held_back;
      hold(uid);
      return;
    }
    if (d.already_recorded)
      ++stats.moved_again;
    else
      ++stats.processed;
    if (d.quarantined) ++stats.quarantined;
    if (!d.already_recorded) log_disposition(d, uid, runtime.db());
    moves[d.folder].push_back(uid);
  };

  std::uint32_t stored = position.last_uid;
  auto advance = [&](std::uint32_t covered) {
    std::uint32_t to = std::min(covered, first_unfinished - 1);
    if (to <= stored && position.uidvalidity == known.uidvalidity) return;
    stored = std::max(stored, to);
    store::WriteTransaction tx(runtime.db());
    log.set_position(box, {position.uidvalidity, stored});
    tx.commit();
    known.uidvalidity = position.uidvalidity;
  };

  // Oversize mail is never downloaded.
  std::map<std::string, std::vector<std::uint32_t>> oversize_moves;
  for (const auto& m : plan.oversize) handle(m.uid, m.size, nullptr, oversize_moves);
  if (!oversize_moves.empty()) make_durable(log, runtime.db(), box);
  for (auto uid : co_await move_all(mailbox, box, oversize_moves)) hold(uid);

  std::map<std::uint32_t, std::uint64_t> announced;
  for (const auto& m : scan.messages) announced[m.uid] = m.size;
  auto& failures = delivery_failures();
  auto failure_key = [&](std::uint32_t uid) { return UidKey(box, position.uidvalidity, uid); };
  // A UID no longer listed is gone (expunged by someone else): nothing left to retry.
  std::erase_if(failures, [&](const auto& entry) {
    const UidKey& key = entry.first;
    return std::get<0>(key) == box &&
           (std::get<1>(key) != position.uidvalidity || !announced.count(std::get<2>(key)));
  });

  bool finished = true;
  for (const auto& batch : plan.batches) {
    if (stop_requested) {
      finished = false;
      break;
    }
    std::map<std::string, std::vector<std::uint32_t>> moves;
    // Recorded before (a crash or a refused move in between): moved without downloading again.
    // A message the server failed to deliver before is fetched on its own, after the others.
    std::vector<std::vector<std::uint32_t>> fetches(1);
    for (auto uid : batch) {
      if (log.find_uid(position.uidvalidity, uid)) {
        handle(uid, announced[uid], nullptr, moves);
        continue;
      }
      auto tries = failures.find(failure_key(uid));
      if (tries == failures.end()) {
        fetches.front().push_back(uid);
      } else if (tries->second >= kDeliveryTries) {
        quarantine_undelivered(runtime, position.uidvalidity, uid, announced[uid], tries->second);
        failures.erase(tries);
        moves[config.imap.quarantine_folder].push_back(uid);
        ++stats.processed;
        ++stats.quarantined;
        continue;
      } else {
        fetches.push_back({uid});
      }
    }
    // One group at a time, each moved before the next is fetched: a message that makes the
    // server hang up then never keeps the ones before it in INBOX.
    for (const auto& uids : fetches) {
      // Each message is processed (and committed) the moment it arrives, so memory holds one
      // body at a time, whatever RFC822.SIZE promised when the batch was planned.
      std::set<std::uint32_t> delivered;
      auto arrived = [&](transport::FetchedMessage&& message) {
        if (std::find(uids.begin(), uids.end(), message.uid) == uids.end() ||
            !delivered.insert(message.uid).second)
          return;  // an unasked-for or a second copy
        if (message.oversize)
          handle(message.uid, message.size, nullptr, moves);
        else
          handle(message.uid, message.bytes.size(), &message.bytes, moves);
        failures.erase(failure_key(message.uid));
      };
      std::optional<transport::TransportError> lost;
      if (!uids.empty()) {
        try {
          phases::Timer timer(phases::fetch);
          phases::count(phases::imap_commands);
          auto status = co_await mailbox.fetch_each(uids, arrived);
          if (!status.ok())
            spdlog::warn("{}: UID FETCH of {} message(s) answered {} {}", box, uids.size(),
                         status.word, status.text);
        } catch (const transport::TransportError& e) {
          lost = e;
        }
      }
      make_durable(log, runtime.db(), box);
      bool blamed = false;
      for (auto uid : uids) {
        if (delivered.count(uid)) continue;
        hold(uid);
        // After a lost connection only the message that was due is to blame, not those after it.
        if (lost && (blamed || lost->kind() == transport::Failure::cancelled)) continue;
        blamed = true;
        if (lost) {
          failures.try_emplace(failure_key(uid), 0);
          continue;
        }
        unsigned tries = ++failures[failure_key(uid)];
        spdlog::warn(
            "{}: uid {} was listed but the server sent no body for it (try {} of {}); it "
            "stays in {} and is fetched again on the next sync",
            box, uid, tries, kDeliveryTries, box);
      }
      // The connection is gone: what came is recorded and moves next time; the watcher (or
      // --once) reports the loss, once.
      if (lost) throw *lost;
      for (auto uid : co_await move_all(mailbox, box, moves)) hold(uid);
      moves.clear();
    }
    advance(batch.back());
    if (batch_done && &batch != &plan.batches.back()) batch_done();
  }
  if (finished && !scan.messages.empty()) advance(scan.messages.back().uid);
  if (position.uidvalidity != known.uidvalidity) advance(position.last_uid);
  co_return stats;
}

}  // namespace closeout
