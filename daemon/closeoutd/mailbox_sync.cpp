#include "mailbox_sync.h"

#include <spdlog/spdlog.h>

#include <map>

#include "dispatch_store.h"
#include "incoming_mail.h"
#include "log_context.h"
#include "message_log.h"
#include "wall_clock.h"

namespace closeout {

namespace asio = boost::asio;

namespace {

// Small batches keep resident memory flat whatever the backlog (BENCHMARKS.md).
constexpr std::uint64_t kBatchBytes = 4ULL << 20;
constexpr std::size_t kBatchCount = 100;

void log_disposition(const workflow::Disposition& d, std::uint32_t uid, SQLite::Database& db) {
  LogContext context{d.dispatch_number, d.message_id, {}, {}};
  if (!d.dispatch_number.empty()) {
    if (auto dispatch = store::DispatchStore(db).find(d.dispatch_number))
      context.closeout_state = dispatch->state;
  }
  ScopedLogContext scope(std::move(context));
  auto level = d.quarantined ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level, "dispatch {} message {} (uid {}, {}): {} -> {}",
              d.dispatch_number.empty() ? "-" : d.dispatch_number,
              d.message_id.empty() ? "(no Message-ID)" : d.message_id, uid, d.kind, d.action,
              d.folder);
}

// The commits of a batch reach the disk before its messages leave the mailbox: a message moved
// but forgotten by a power loss would be a dispatch lost. One fsync per batch, not per message:
// a commit under synchronous=FULL syncs the whole WAL, every earlier commit included.
void make_durable(store::MessageLog& log, SQLite::Database& db, const std::string& box) {
  db.exec("PRAGMA synchronous = FULL");
  store::WriteTransaction tx(db);
  log.set_position(box, log.position(box));  // rewritten as it is: the commit is the point
  tx.commit();
  db.exec("PRAGMA synchronous = NORMAL");
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

asio::awaitable<void> move_all(transport::ImapMailbox& mailbox,
                               const std::map<std::string, std::vector<std::uint32_t>>& moves) {
  for (const auto& [folder, uids] : moves) {
    if (!uids.empty()) co_await mailbox.move(uids, folder);
  }
}

}  // namespace

asio::awaitable<SyncStats> sync_mailbox(transport::ImapConnection& connection,
                                        transport::ImapMailbox& mailbox, workflow::Runtime& runtime,
                                        const bool& stop_requested) {
  SyncStats stats;
  const std::string box = connection.url_mailbox();
  store::MessageLog log(runtime.db());
  store::MailboxPosition position = log.position(box);
  transport::ImapPosition known{position.uidvalidity, position.last_uid};
  transport::ScanResult scan = co_await mailbox.scan(box, known);
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
  std::uint32_t first_held = UINT32_MAX;
  auto handle = [&](std::uint32_t uid, std::uint64_t size, const std::string* bytes,
                    std::map<std::string, std::vector<std::uint32_t>>& moves) {
    workflow::IncomingMessage in{position.uidvalidity, uid, size, bytes};
    auto workflow = runtime.workflow();
    auto d = workflow::process_message(workflow, in, wall_now(), local_today());
    if (d.held_back) {  // stays in INBOX; the stored position stops below it
      log_held_back(d, position.uidvalidity, uid);
      ++stats.held_back;
      first_held = std::min(first_held, uid);
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

  // Everything below the first unfinished UID is done; oversize mail is never downloaded.
  std::map<std::string, std::vector<std::uint32_t>> oversize_moves;
  for (const auto& m : plan.oversize) handle(m.uid, m.size, nullptr, oversize_moves);
  if (!oversize_moves.empty()) make_durable(log, runtime.db(), box);
  co_await move_all(mailbox, oversize_moves);

  std::uint32_t done_up_to = position.last_uid;
  for (const auto& batch : plan.batches) {
    if (stop_requested) break;
    auto fetched = co_await mailbox.fetch(batch);
    std::map<std::string, std::vector<std::uint32_t>> moves;
    for (const auto& message : fetched)
      handle(message.uid, message.bytes.size(), &message.bytes, moves);
    make_durable(log, runtime.db(), box);
    co_await move_all(mailbox, moves);
    done_up_to = std::max(done_up_to, batch.back());
    store::WriteTransaction tx(runtime.db());
    log.set_position(box, {position.uidvalidity, std::min(done_up_to, first_held - 1)});
    tx.commit();
  }
  if (plan.batches.empty() && (position.uidvalidity != known.uidvalidity)) {
    store::WriteTransaction tx(runtime.db());
    log.set_position(box, {position.uidvalidity, std::max(done_up_to, position.last_uid)});
    tx.commit();
  }
  co_return stats;
}

}  // namespace closeout
