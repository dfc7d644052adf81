#include "imap_mailbox.h"

#include <algorithm>

#include "imap_syntax.h"

namespace closeout::transport {

namespace asio = boost::asio;

namespace {

std::string mailbox_or_throw(std::string_view name, const ImapConnection& c) {
  auto arg = imap::mailbox_argument(name);
  if (!arg)
    throw TransportError(Failure::config, c.settings().where() + ": \"" + std::string(name) +
                                              "\" cannot be used as a folder name");
  return *arg;
}

}  // namespace

FetchPlan plan_fetch(const std::vector<NewMail>& messages, std::uint64_t max_message_bytes,
                     std::uint64_t max_batch_bytes, std::size_t max_count) {
  FetchPlan plan;
  std::vector<std::uint32_t> batch;
  std::uint64_t bytes = 0;
  for (const auto& m : messages) {
    if (m.size > max_message_bytes) {
      plan.oversize.push_back(m);
      continue;
    }
    if (!batch.empty() && (batch.size() >= max_count || bytes + m.size > max_batch_bytes)) {
      plan.batches.push_back(std::move(batch));
      batch.clear();
      bytes = 0;
    }
    batch.push_back(m.uid);
    bytes += m.size;
  }
  if (!batch.empty()) plan.batches.push_back(std::move(batch));
  return plan;
}

ImapMailbox::ImapMailbox(ImapConnection& connection, bool use_move)
    : connection_(connection), use_move_(use_move) {}

asio::awaitable<MailboxStatus> ImapMailbox::select(std::string_view mailbox) {
  auto reply = co_await connection_.command_ok("SELECT " + mailbox_or_throw(mailbox, connection_),
                                               "SELECT " + std::string(mailbox));
  MailboxStatus status;
  for (const auto& r : reply.untagged) {
    if (auto n = imap::parse_exists(r)) status.exists = *n;
    if (auto st = imap::parse_status(r)) {
      if (auto v = imap::code_number(st->code, "UIDVALIDITY")) status.uidvalidity = *v;
      if (auto v = imap::code_number(st->code, "UIDNEXT")) status.uidnext = *v;
    }
  }
  if (status.uidvalidity == 0)
    throw TransportError(Failure::protocol, connection_.settings().where() +
                                                ": the server gave no UIDVALIDITY for " +
                                                std::string(mailbox));
  co_return status;
}

asio::awaitable<ScanResult> ImapMailbox::scan(std::string_view mailbox, ImapPosition known) {
  ScanResult result;
  result.status = co_await select(mailbox);
  result.uidvalidity_changed =
      known.uidvalidity != 0 && known.uidvalidity != result.status.uidvalidity;
  std::uint32_t after = result.uidvalidity_changed ? 0 : known.last_uid;
  if (result.status.exists == 0 ||
      (result.status.uidnext != 0 && result.status.uidnext <= after + 1))
    co_return result;
  auto reply = co_await connection_.command_ok(
      "UID FETCH " + std::to_string(after + 1) + ":* (UID RFC822.SIZE)", "UID FETCH sizes");
  for (const auto& r : reply.untagged) {
    auto item = imap::parse_fetch(r);
    // "n:*" always includes the highest UID, even below n: only what is really new counts.
    if (item && item->uid && *item->uid > after)
      result.messages.push_back({*item->uid, item->size.value_or(0)});
  }
  std::sort(result.messages.begin(), result.messages.end(),
            [](const NewMail& a, const NewMail& b) { return a.uid < b.uid; });
  co_return result;
}

asio::awaitable<std::vector<FetchedMessage>> ImapMailbox::fetch(
    const std::vector<std::uint32_t>& uids) {
  std::vector<FetchedMessage> out;
  if (uids.empty()) co_return out;
  auto reply = co_await connection_.command_ok(
      "UID FETCH " + imap::uid_set(uids) + " (UID BODY.PEEK[])", "UID FETCH BODY.PEEK[]");
  for (auto& r : reply.untagged) {
    auto item = imap::parse_fetch(r);
    if (!item || !item->uid || !item->body) continue;  // e.g. an unsolicited flag update
    out.push_back({*item->uid, std::move(r.literals[*item->body])});
  }
  std::sort(out.begin(), out.end(),
            [](const FetchedMessage& a, const FetchedMessage& b) { return a.uid < b.uid; });
  co_return out;
}

asio::awaitable<bool> ImapMailbox::ensure_folder(std::string_view folder) {
  auto arg = mailbox_or_throw(folder, connection_);
  auto listed = co_await connection_.command_ok("LIST \"\" " + arg, "LIST");
  for (const auto& r : listed.untagged)
    if (imap::parse_list_name(r)) co_return false;
  co_await connection_.command_ok("CREATE " + arg, "CREATE " + std::string(folder));
  (void)co_await connection_.command("SUBSCRIBE " + arg);  // nice to have: clients show it
  co_return true;
}

asio::awaitable<MoveResult> ImapMailbox::move(const std::vector<std::uint32_t>& uids,
                                              std::string_view folder) {
  MoveResult result;
  if (uids.empty()) co_return result;
  auto set = imap::uid_set(uids);
  auto target = mailbox_or_throw(folder, connection_);
  if (use_move_ && connection_.has_capability("MOVE")) {
    co_await connection_.command_ok("UID MOVE " + set + " " + target, "UID MOVE");
    result.used_move = true;
    co_return result;
  }
  co_await connection_.command_ok("UID COPY " + set + " " + target, "UID COPY");
  co_await connection_.command_ok("UID STORE " + set + " +FLAGS.SILENT (\\Deleted)",
                                  "UID STORE \\Deleted");
  if (connection_.has_capability("UIDPLUS"))
    co_await connection_.command_ok("UID EXPUNGE " + set, "UID EXPUNGE");
  co_return result;
}

asio::awaitable<void> ImapMailbox::append(std::string_view mailbox, std::string_view message) {
  auto reply = co_await connection_.command_with_literal(
      "APPEND " + mailbox_or_throw(mailbox, connection_), message);
  if (!reply.status.ok())
    throw TransportError(Failure::protocol,
                         connection_.settings().where() + ": APPEND refused: " + reply.status.text);
}

}  // namespace closeout::transport
