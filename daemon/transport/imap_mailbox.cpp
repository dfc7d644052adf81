// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap_mailbox.h"

#include <algorithm>

#include "imap_syntax.h"
#include "text_util.h"

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
  connection_.take_new_mail_report();  // SELECT's EXISTS is the snapshot the scan reads
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
  auto status = co_await fetch_into(uids, out);
  if (!status.ok())
    throw TransportError(Failure::protocol, connection_.settings().where() +
                                                ": UID FETCH BODY.PEEK[] refused: " + status.word +
                                                " " + status.text);
  std::sort(out.begin(), out.end(),
            [](const FetchedMessage& a, const FetchedMessage& b) { return a.uid < b.uid; });
  co_return out;
}

asio::awaitable<imap::Status> ImapMailbox::fetch_into(const std::vector<std::uint32_t>& uids,
                                                      std::vector<FetchedMessage>& out) {
  co_return co_await fetch_each(uids, [&out](FetchedMessage&& m) { out.push_back(std::move(m)); });
}

asio::awaitable<imap::Status> ImapMailbox::fetch_each(
    const std::vector<std::uint32_t>& uids, const std::function<void(FetchedMessage&&)>& each) {
  if (uids.empty()) co_return imap::Status{"OK", "", ""};
  auto reply = co_await connection_.command_each(
      "UID FETCH " + imap::uid_set(uids) + " (UID BODY.PEEK[])", [&each](imap::Response&& r) {
        auto item = imap::parse_fetch(r);
        if (!item || !item->uid || !item->body) return;  // e.g. an unsolicited flag update
        FetchedMessage m{*item->uid, std::move(r.literals[*item->body]), false, 0};
        for (const auto& d : r.dropped)
          if (d.index == *item->body) {
            m.oversize = true;
            m.size = d.size;
          }
        if (!m.oversize) m.size = m.bytes.size();
        each(std::move(m));
      });
  co_return reply.status;
}

asio::awaitable<bool> ImapMailbox::ensure_folder(std::string_view folder) {
  auto arg = mailbox_or_throw(folder, connection_);
  auto listed = co_await connection_.command_ok("LIST \"\" " + arg, "LIST");
  for (const auto& r : listed.untagged)
    if (imap::parse_list_name(r)) co_return false;
  auto created = co_await connection_.command("CREATE " + arg);
  // Another client (or our own other session) made it between LIST and CREATE (RFC 5530).
  if (!created.status.ok() && istarts_with(created.status.code, "ALREADYEXISTS")) co_return false;
  if (!created.status.ok())
    throw TransportError(Failure::protocol,
                         connection_.settings().where() + ": CREATE " + std::string(folder) +
                             " refused: " + created.status.word + " " + created.status.text);
  (void)co_await connection_.command("SUBSCRIBE " + arg);  // nice to have: clients show it
  co_return true;
}

asio::awaitable<MoveResult> ImapMailbox::move(const std::vector<std::uint32_t>& uids,
                                              std::string_view folder) {
  MoveResult result;
  if (uids.empty()) co_return result;
  auto set = imap::uid_set(uids);
  auto target = mailbox_or_throw(folder, connection_);
  auto refused = [&](std::string_view what, const imap::Status& st) {
    return MoveRefused(Failure::protocol,
                       connection_.settings().where() + ": " + std::string(what) + " to " +
                           std::string(folder) + " refused: " + st.word +
                           (st.code.empty() ? "" : " [" + st.code + "]") + " " + st.text);
  };
  result.used_move = use_move_ && connection_.has_capability("MOVE");
  std::string verb = result.used_move ? "UID MOVE" : "UID COPY";
  auto reply = co_await connection_.command(verb + " " + set + " " + target);
  // The folder went away since it was ensured (renamed or deleted by someone): the server says
  // so with [TRYCREATE] (RFC 3501 6.4.7); create it and try exactly once more.
  if (!reply.status.ok() && istarts_with(reply.status.code, "TRYCREATE")) {
    auto created = co_await connection_.command("CREATE " + target);
    if (!created.status.ok()) throw refused("CREATE", created.status);
    (void)co_await connection_.command("SUBSCRIBE " + target);
    reply = co_await connection_.command(verb + " " + set + " " + target);
  }
  if (!reply.status.ok()) throw refused(verb, reply.status);
  if (result.used_move) co_return result;
  reply = co_await connection_.command("UID STORE " + set + " +FLAGS.SILENT (\\Deleted)");
  if (!reply.status.ok()) throw refused("UID STORE \\Deleted", reply.status);
  if (connection_.has_capability("UIDPLUS")) {
    reply = co_await connection_.command("UID EXPUNGE " + set);
    if (!reply.status.ok()) throw refused("UID EXPUNGE", reply.status);
  }
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
