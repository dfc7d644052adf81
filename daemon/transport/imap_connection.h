// SPDX-License-Identifier: GPL-3.0-or-later
// One IMAP connection. libcurl connects, does TLS (IMAPS or STARTTLS, verified) and logs in
// (password or XOAUTH2), then hands the connection over (CURLOPT_CONNECT_ONLY): we speak IMAP
// ourselves with curl_easy_send/recv, because libcurl's own commands cannot fetch with
// BODY.PEEK[] (its FETCH sets \Seen), cannot MOVE, and have no IDLE. Every wait is an Asio wait
// with a deadline, so a server that stops answering is noticed, and abort() ends everything in
// flight at once. Errors are TransportError.
#pragma once
#include <curl/curl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/socket_base.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include "asio_awaitable.h"

#include "curl_multi.h"
#include "imap_response.h"
#include "server_settings.h"

namespace closeout::transport {

struct ImapReply {
  imap::Status status;  // the tagged completion
  std::vector<imap::Response> untagged;
};

class ImapConnection {
 public:
  using Clock = std::chrono::steady_clock;

  // max_literal_bytes bounds what is kept of one literal (a message body): a larger one is read
  // past and dropped (imap::Response::dropped), so one oversize message, whatever size the
  // server announced for it beforehand, does not break the connection or the batch.
  ImapConnection(boost::asio::io_context& io, ServerSettings settings,
                 std::size_t max_literal_bytes);
  ~ImapConnection();
  ImapConnection(const ImapConnection&) = delete;
  ImapConnection& operator=(const ImapConnection&) = delete;

  boost::asio::awaitable<void> connect();
  // Sends "TAG text" and gathers the untagged responses until the tagged one. A NO or BAD is
  // returned, not thrown; a lost connection or a timeout throws.
  boost::asio::awaitable<ImapReply> command(std::string_view text);
  // As command(), but each untagged response goes to each_untagged as it arrives (the reply's
  // list stays empty): what came before a connection was lost has been handed over already.
  boost::asio::awaitable<ImapReply> command_each(
      std::string_view text, const std::function<void(imap::Response&&)>& each_untagged);
  // As command(), then throws Failure::protocol naming `what` unless the server said OK.
  boost::asio::awaitable<ImapReply> command_ok(std::string_view text, std::string_view what);
  // "TAG head {N}" + literal, waiting for the server's go-ahead (APPEND).
  boost::asio::awaitable<ImapReply> command_with_literal(std::string_view head,
                                                         std::string_view literal);
  // IDLE until the server reports new mail (EXISTS) or at_most passes; true on new mail.
  boost::asio::awaitable<bool> idle(std::chrono::milliseconds at_most);
  // True once if the server reported new mail (an untagged EXISTS) in the reply to any command
  // since the last call, IDLE's own excepted (idle() returns that). A sync that meets one must
  // sync again: IDLE reports only what the client was not yet told.
  bool take_new_mail_report() { return std::exchange(new_mail_reported_, false); }
  // LOGOUT, politely and briefly; the connection is unusable afterwards.
  boost::asio::awaitable<void> logout();

  // Ends every wait of this connection with Failure::cancelled; safe from any Asio handler.
  void abort();

  bool has_capability(std::string_view name) const;
  const std::vector<std::string>& capabilities() const { return capabilities_; }
  const ServerSettings& settings() const { return settings_; }
  // The mailbox the URL names ("imaps://host/INBOX" → "INBOX"; none → "INBOX").
  std::string url_mailbox() const;

 private:
  boost::asio::awaitable<void> send(std::string_view bytes);
  // The next response; with a soft deadline, nothing when it passes instead of a timeout error.
  boost::asio::awaitable<std::optional<imap::Response>> read(
      std::optional<Clock::time_point> soft_deadline = std::nullopt);
  boost::asio::awaitable<ImapReply> finish(
      const std::string& tag, const std::function<void(imap::Response&&)>* each = nullptr);
  boost::asio::awaitable<bool> wait(boost::asio::socket_base::wait_type type,
                                    Clock::time_point deadline);
  std::string next_tag();
  [[noreturn]] void fail(Failure kind, const std::string& what) const;

  boost::asio::io_context& io_;
  ServerSettings settings_;
  CurlMulti multi_;
  CURL* easy_ = nullptr;
  curl_socket_t fd_ = CURL_SOCKET_BAD;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  imap::ResponseReader reader_;
  std::vector<char> receive_buffer_;
  std::vector<std::string> capabilities_;
  unsigned tag_counter_ = 0;
  bool closed_ = false;
  bool new_mail_reported_ = false;
};

}  // namespace closeout::transport
