// SPDX-License-Identifier: GPL-3.0-or-later
// Sends mail by SMTP submission through libcurl: STARTTLS (required unless configured off for a
// loopback server), AUTH (password or XOAUTH2), one connection reused for a batch of sends.
// Every send ends in one of three outcomes the outbox acts on: accepted, transient (connection,
// TLS, timeout, 4xx: retry later) or permanent (5xx to RCPT TO or DATA: give up on this message
// and tell an admin), with the server's own reply text. A 5xx that refuses us rather than the
// message (greeting, EHLO, AUTH, our sender at MAIL FROM) is a connection failure: the flush
// stops and nothing is marked failed.
#pragma once
#include <curl/curl.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include "asio_awaitable.h"

#include "curl_multi.h"
#include "server_settings.h"

namespace closeout::transport {

struct Envelope {
  std::string from;             // addr-spec; empty: the null reverse-path <>
  std::vector<std::string> to;  // addr-specs
};

enum class SendStatus { accepted, transient, permanent };
std::string_view send_status_name(SendStatus status) noexcept;

struct SendResult {
  SendStatus status = SendStatus::transient;
  int code = 0;                    // the SMTP reply code, 0 when none came
  std::string reply;               // the server's reply text, or what failed on our side
  std::optional<Failure> failure;  // set when the connection itself failed
  bool new_connection = false;     // false: the batch's open connection was reused
};

struct SmtpLogin {
  std::vector<std::string> extensions;  // EHLO keywords after TLS, upper case (8BITMIME, SIZE...)
};

class SmtpSender {
 public:
  SmtpSender(boost::asio::io_context& io, ServerSettings settings);
  ~SmtpSender();
  SmtpSender(const SmtpSender&) = delete;
  SmtpSender& operator=(const SmtpSender&) = delete;

  // Connects, says EHLO, STARTTLS, authenticates, and stops there (check-config). Throws
  // TransportError.
  boost::asio::awaitable<SmtpLogin> check();
  // One message. The connection stays open for the next send.
  boost::asio::awaitable<SendResult> send(const Envelope& envelope, std::string_view message);
  void abort() { multi_.abort(); }
  // auth = "oauth2": the token for the next login. libcurl does not reuse a connection made
  // with another token, so a renewed one means a new connection, logged in with it.
  void set_bearer(std::string token, std::string token_user);
  const ServerSettings& settings() const { return settings_; }

 private:
  static int on_debug(CURL*, curl_infotype type, char* data, std::size_t size, void* self);
  static std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* self);
  CURL* fresh_handle();
  // The last 4xx/5xx the server said, explained when it is one of the well-known refusals.
  std::string refusal_words() const;

  ServerSettings settings_;
  CurlMulti multi_;
  CURL* easy_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  std::vector<std::string> server_lines_;  // what the server said during this transfer
  std::vector<std::string> answered_;      // per server line, the command it answered
  std::string last_command_;               // the verb of our last command; empty: greeting
  std::string_view upload_;
};

}  // namespace closeout::transport
