// SPDX-License-Identifier: GPL-3.0-or-later
// The IMAP sync: what is new in the dispatch mailbox since the last processed UID, fetched
// without touching \Seen, then moved on to Processed or Quarantine. UID-based (RFC 3501 2.3.1.1):
// the caller keeps UIDVALIDITY and the highest UID it processed; a changed UIDVALIDITY means
// every UID is new again, and the caller de-duplicates by Message-ID.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>
#include "asio_awaitable.h"

#include "imap_connection.h"

namespace closeout::transport {

struct MailboxStatus {
  std::uint32_t uidvalidity = 0;
  std::uint32_t uidnext = 0;
  std::uint32_t exists = 0;
};

struct ImapPosition {
  std::uint32_t uidvalidity = 0;  // 0: never synced
  std::uint32_t last_uid = 0;     // highest UID processed
};

struct NewMail {
  std::uint32_t uid = 0;
  std::uint64_t size = 0;  // RFC822.SIZE, known before any byte of the body is fetched
};

struct ScanResult {
  MailboxStatus status;
  bool uidvalidity_changed = false;  // the server renumbered: everything counts as new
  std::vector<NewMail> messages;     // UID order
};

struct FetchedMessage {
  std::uint32_t uid = 0;
  std::string bytes;
  // The body was larger than the connection keeps (whatever RFC822.SIZE said): read past and
  // dropped, bytes empty; size is what the server sent.
  bool oversize = false;
  std::uint64_t size = 0;
};

// The server said NO or BAD to a MOVE (or to the COPY fallback, or to the CREATE after
// [TRYCREATE]): the connection is still usable and the messages are still where they were.
class MoveRefused : public TransportError {
 public:
  using TransportError::TransportError;
};

// Fetch batches: at most max_count messages and about max_bytes bytes each; messages over the
// per-message limit are never fetched and come back as oversize (the caller quarantines them).
struct FetchPlan {
  std::vector<std::vector<std::uint32_t>> batches;
  std::vector<NewMail> oversize;
};
FetchPlan plan_fetch(const std::vector<NewMail>& messages, std::uint64_t max_message_bytes,
                     std::uint64_t max_batch_bytes = 64ULL << 20, std::size_t max_count = 500);

struct MoveResult {
  bool used_move = false;  // UID MOVE; otherwise UID COPY + \Deleted + UID EXPUNGE
};

class ImapMailbox {
 public:
  // use_move = false takes the COPY fallback even where MOVE is offered (tests of the fallback).
  explicit ImapMailbox(ImapConnection& connection, bool use_move = true);

  boost::asio::awaitable<MailboxStatus> select(std::string_view mailbox);
  // Selects mailbox and lists what is above known.last_uid, with sizes.
  boost::asio::awaitable<ScanResult> scan(std::string_view mailbox, ImapPosition known);
  // BODY.PEEK[] of these UIDs in the selected mailbox, in UID order. Messages gone meanwhile
  // (expunged by someone else) are simply absent.
  boost::asio::awaitable<std::vector<FetchedMessage>> fetch(const std::vector<std::uint32_t>& uids);
  // The same, appending to out as each message arrives, so what came before a lost connection
  // (which throws) is kept; returns the server's completion (a NO is returned, not thrown).
  // A UID that is absent from out afterwards was not delivered.
  boost::asio::awaitable<imap::Status> fetch_into(const std::vector<std::uint32_t>& uids,
                                                  std::vector<FetchedMessage>& out);
  // The same, handing each message to each as it arrives and keeping none: what a batch holds
  // in memory is then one message, whatever sizes the server announced beforehand.
  boost::asio::awaitable<imap::Status> fetch_each(
      const std::vector<std::uint32_t>& uids, const std::function<void(FetchedMessage&&)>& each);
  // Creates the folder (and subscribes to it) when LIST does not show it.
  boost::asio::awaitable<bool> ensure_folder(std::string_view folder);
  // Moves UIDs of the selected mailbox to folder; a NO [TRYCREATE] (the folder is gone) creates
  // it and tries once more; a refusal throws MoveRefused. Without MOVE, COPY + \Deleted + UID
  // EXPUNGE of exactly these UIDs (UIDPLUS); a plain EXPUNGE, which would remove other people's
  // deleted mail, is never sent: without UIDPLUS the copies stay flagged \Deleted in place.
  boost::asio::awaitable<MoveResult> move(const std::vector<std::uint32_t>& uids,
                                          std::string_view folder);
  // APPEND (tests, the demo, the benchmark); returns nothing useful beyond success.
  boost::asio::awaitable<void> append(std::string_view mailbox, std::string_view message);

 private:
  ImapConnection& connection_;
  bool use_move_;
};

}  // namespace closeout::transport
