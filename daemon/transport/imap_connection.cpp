// SPDX-License-Identifier: GPL-3.0-or-later
#include "imap_connection.h"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

#include "crash_points.h"
#include "text_util.h"

namespace closeout::transport {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t kReceiveChunk = 256 * 1024;

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

ImapConnection::ImapConnection(asio::io_context& io, ServerSettings settings,
                               std::size_t max_literal_bytes)
    : io_(io),
      settings_(std::move(settings)),
      multi_(io),
      reader_(max_literal_bytes, 1 << 20, /*drop_oversize_literals=*/true),
      receive_buffer_(kReceiveChunk) {}

ImapConnection::~ImapConnection() {
  if (easy_) {
    // The socket is shut down first, so libcurl's own LOGOUT on disconnect fails at once
    // instead of waiting for a server that may be gone.
    if (auto* socket = multi_.socket(fd_)) {
      error_code ec;
      socket->shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    }
    multi_.release(easy_);
    curl_easy_cleanup(easy_);
  }
}

void ImapConnection::fail(Failure kind, const std::string& what) const {
  throw TransportError(kind, settings_.where() + ": " + what);
}

std::string ImapConnection::next_tag() { return "C" + std::to_string(++tag_counter_); }

bool ImapConnection::has_capability(std::string_view name) const {
  for (const auto& c : capabilities_)
    if (iequals(c, name)) return true;
  return false;
}

std::string ImapConnection::url_mailbox() const {
  auto url = redact_url(settings_.url);
  auto start = url.find("://");
  auto slash = start == std::string::npos ? std::string::npos : url.find('/', start + 3);
  if (slash == std::string::npos) return "INBOX";
  auto path = url.substr(slash + 1);
  path = path.substr(0, path.find_first_of(";?"));
  return path.empty() ? "INBOX" : percent_decode(path);
}

void ImapConnection::abort() { multi_.abort(); }

asio::awaitable<void> ImapConnection::connect() {
  easy_ = curl_easy_init();
  if (!easy_) fail(Failure::config, "libcurl could not start a session");
  apply_server_settings(easy_, settings_, error_buffer_);
  curl_easy_setopt(easy_, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(
      easy_, CURLOPT_TIMEOUT_MS,
      static_cast<long>((settings_.connect_timeout + settings_.response_timeout).count()));
  CURLcode rc = co_await multi_.perform(easy_);
  if (multi_.aborted()) fail(Failure::cancelled, "stopped");
  if (rc != CURLE_OK) throw error_from_curl(rc, error_buffer_, settings_);
  curl_easy_getinfo(easy_, CURLINFO_ACTIVESOCKET, &fd_);
  if (fd_ == CURL_SOCKET_BAD || !multi_.socket(fd_))
    fail(Failure::unreachable, "the connection closed right after login");
  auto reply = co_await command_ok("CAPABILITY", "CAPABILITY");
  for (const auto& r : reply.untagged)
    if (auto caps = imap::parse_capabilities(r)) capabilities_ = *caps;
}

asio::awaitable<bool> ImapConnection::wait(asio::socket_base::wait_type type,
                                           Clock::time_point deadline) {
  auto* socket = multi_.socket(fd_);
  if (multi_.aborted()) fail(Failure::cancelled, "stopped");
  if (!socket) fail(Failure::unreachable, "the connection is closed");
  // The timer's handler may already be queued when the socket wait completes; it must then do
  // nothing, because the socket may be gone by the time it runs.
  struct State {
    bool waiting = true;
    bool fired = false;
  };
  auto state = std::make_shared<State>();
  asio::steady_timer timer(io_, deadline);
  timer.async_wait([state, socket](error_code ec) {
    if (ec || !state->waiting) return;
    state->fired = true;
    socket->cancel(ec);
  });
  error_code ec;
  co_await socket->async_wait(type, asio::redirect_error(asio::use_awaitable, ec));
  state->waiting = false;
  timer.cancel();
  if (multi_.aborted()) fail(Failure::cancelled, "stopped");
  co_return !state->fired;
}

asio::awaitable<void> ImapConnection::send(std::string_view bytes) {
  if (closed_) fail(Failure::unreachable, "the connection is closed");
  while (!bytes.empty()) {
    std::size_t sent = 0;
    CURLcode rc = curl_easy_send(easy_, bytes.data(), bytes.size(), &sent);
    if (rc == CURLE_AGAIN) {
      if (!co_await wait(asio::socket_base::wait_write, Clock::now() + settings_.response_timeout))
        fail(Failure::timeout, "the server stopped taking data");
      continue;
    }
    if (rc != CURLE_OK) {
      closed_ = true;
      fail(Failure::unreachable,
           std::string("connection lost while sending: ") + curl_easy_strerror(rc));
    }
    bytes.remove_prefix(sent);
  }
}

asio::awaitable<std::optional<imap::Response>> ImapConnection::read(
    std::optional<Clock::time_point> soft_deadline) {
  for (;;) {
    try {
      if (auto response = reader_.next()) {
        if (response->kind == imap::Response::Kind::untagged) {
          auto status = imap::parse_status(*response);
          if (status && status->word == "BYE") {
            closed_ = true;
            fail(Failure::unreachable, "the server closed the connection: " + status->text);
          }
          if (imap::parse_exists(*response)) new_mail_reported_ = true;
        }
        co_return response;
      }
    } catch (const imap::ImapProtocolError& e) {
      closed_ = true;
      fail(Failure::protocol, e.what());
    }
    if (closed_) fail(Failure::unreachable, "the connection is closed");
    std::size_t got = 0;
    CURLcode rc = curl_easy_recv(easy_, receive_buffer_.data(), receive_buffer_.size(), &got);
    if (rc == CURLE_OK && got > 0) {
      reader_.feed(std::string_view(receive_buffer_.data(), got));
      continue;
    }
    if (rc == CURLE_OK || (rc != CURLE_AGAIN)) {
      closed_ = true;
      fail(Failure::unreachable, rc == CURLE_OK
                                     ? "the server closed the connection"
                                     : std::string("connection lost: ") + curl_easy_strerror(rc));
    }
    auto deadline = Clock::now() + settings_.response_timeout;
    if (soft_deadline && *soft_deadline < deadline) deadline = *soft_deadline;
    if (!co_await wait(asio::socket_base::wait_read, deadline)) {
      if (soft_deadline && Clock::now() >= *soft_deadline) co_return std::nullopt;
      closed_ = true;
      fail(Failure::timeout,
           "no answer for " + std::to_string(settings_.response_timeout.count() / 1000) + " s");
    }
  }
}

asio::awaitable<ImapReply> ImapConnection::finish(
    const std::string& tag, const std::function<void(imap::Response&&)>* each) {
  ImapReply reply;
  for (;;) {
    auto response = co_await read();
    if (response->kind == imap::Response::Kind::tagged && response->tag == tag) {
      auto status = imap::parse_status(*response);
      if (!status) fail(Failure::protocol, "unreadable completion: " + response->line);
      reply.status = *status;
      crash_points::imap_answered(response->line);  // test only: a no-op unless asked
      co_return reply;
    }
    if (response->kind != imap::Response::Kind::untagged) continue;
    if (each)
      (*each)(std::move(*response));
    else
      reply.untagged.push_back(std::move(*response));
  }
}

asio::awaitable<ImapReply> ImapConnection::command(std::string_view text) {
  auto tag = next_tag();
  co_await send(tag + " " + std::string(text) + "\r\n");
  co_return co_await finish(tag);
}

asio::awaitable<ImapReply> ImapConnection::command_each(
    std::string_view text, const std::function<void(imap::Response&&)>& each_untagged) {
  auto tag = next_tag();
  co_await send(tag + " " + std::string(text) + "\r\n");
  co_return co_await finish(tag, &each_untagged);
}

asio::awaitable<ImapReply> ImapConnection::command_ok(std::string_view text,
                                                      std::string_view what) {
  auto reply = co_await command(text);
  if (!reply.status.ok())
    fail(Failure::protocol,
         std::string(what) + " refused: " + reply.status.word + " " + reply.status.text);
  co_return reply;
}

asio::awaitable<ImapReply> ImapConnection::command_with_literal(std::string_view head,
                                                                std::string_view literal) {
  auto tag = next_tag();
  co_await send(tag + " " + std::string(head) + " {" + std::to_string(literal.size()) + "}\r\n");
  for (;;) {
    auto response = co_await read();
    if (response->kind == imap::Response::Kind::continuation) break;
    if (response->kind == imap::Response::Kind::tagged && response->tag == tag) {
      ImapReply refused;
      refused.status = imap::parse_status(*response).value_or(imap::Status{"BAD", "", ""});
      co_return refused;
    }
  }
  co_await send(literal);
  co_await send("\r\n");
  co_return co_await finish(tag);
}

asio::awaitable<bool> ImapConnection::idle(std::chrono::milliseconds at_most) {
  if (!has_capability("IDLE")) fail(Failure::protocol, "the server does not offer IDLE");
  auto tag = next_tag();
  auto until = Clock::now() + at_most;
  bool news = false;
  co_await send(tag + " IDLE\r\n");
  for (;;) {
    auto response = co_await read();
    if (response->kind == imap::Response::Kind::continuation) break;
    if (response->kind == imap::Response::Kind::tagged && response->tag == tag)
      fail(Failure::protocol, "IDLE refused: " + response->line);
    if (imap::parse_exists(*response)) news = true;
  }
  while (!news) {
    auto response = co_await read(until);
    if (!response) break;
    if (imap::parse_exists(*response)) news = true;
  }
  co_await send("DONE\r\n");
  auto reply = co_await finish(tag);
  for (const auto& r : reply.untagged)
    if (imap::parse_exists(r)) news = true;
  new_mail_reported_ = false;  // returned here
  co_return news;
}

asio::awaitable<void> ImapConnection::logout() {
  if (closed_ || !easy_) co_return;
  try {
    auto tag = next_tag();
    co_await send(tag + " LOGOUT\r\n");
    auto until = Clock::now() + std::chrono::seconds(2);
    for (;;) {
      auto response = co_await read(until);
      if (!response || (response->kind == imap::Response::Kind::tagged && response->tag == tag))
        break;
    }
  } catch (const TransportError&) {
    // BYE is the expected answer to LOGOUT, and a server gone already is gone.
  }
  closed_ = true;
}

}  // namespace closeout::transport
