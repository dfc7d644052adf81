// SPDX-License-Identifier: GPL-3.0-or-later
#include "curl_multi.h"

#include <sys/socket.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>

namespace closeout::transport {

namespace asio = boost::asio;
using boost::system::error_code;

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlMulti::CurlMulti(asio::io_context& io) : io_(io), multi_(curl_multi_init()), timer_(io) {
  ensure_curl_initialised();
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlMulti::~CurlMulti() {
  *alive_ = false;
  abort();
  for (auto& [easy, waiter] : waiters_) curl_multi_remove_handle(multi_, easy);
  curl_multi_cleanup(multi_);
  // Sockets libcurl did not close (none, normally) close with their asio objects.
}

asio::awaitable<CURLcode> CurlMulti::perform(CURL* easy) {
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &CurlMulti::on_open);
  curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &CurlMulti::on_close);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
  if (aborted_) co_return CURLE_ABORTED_BY_CALLBACK;
  asio::steady_timer wake(io_, asio::steady_timer::time_point::max());
  Waiter waiter;
  waiter.wake = &wake;
  waiters_[easy] = &waiter;
  if (curl_multi_add_handle(multi_, easy) != CURLM_OK) {
    waiters_.erase(easy);
    co_return CURLE_FAILED_INIT;
  }
  while (!waiter.done) {
    error_code ec;
    co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  waiter.wake = nullptr;
  co_return waiter.result;
}

void CurlMulti::release(CURL* easy) {
  waiters_.erase(easy);
  curl_multi_remove_handle(multi_, easy);
}

asio::ip::tcp::socket* CurlMulti::socket(curl_socket_t fd) {
  auto it = sockets_.find(fd);
  return it == sockets_.end() ? nullptr : it->second.socket.get();
}

void CurlMulti::abort() {
  if (aborted_) return;
  aborted_ = true;
  for (auto& [fd, watched] : sockets_) {
    error_code ec;
    watched.socket->shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    watched.socket->cancel(ec);
  }
  // libcurl notices the dead sockets on its next look; make that now.
  asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    act(CURL_SOCKET_TIMEOUT, 0);
    // Transfers still waiting (none should be) end as cancelled.
    for (auto& [easy, waiter] : waiters_) {
      if (!waiter->done) {
        waiter->done = true;
        waiter->result = CURLE_ABORTED_BY_CALLBACK;
        if (waiter->wake) waiter->wake->cancel();
      }
    }
  });
}

int CurlMulti::on_socket(CURL*, curl_socket_t fd, int what, void* self, void*) {
  auto* multi = static_cast<CurlMulti*>(self);
  auto it = multi->sockets_.find(fd);
  if (it == multi->sockets_.end()) return 0;
  it->second.wanted = what == CURL_POLL_REMOVE ? 0 : what;
  multi->arm(fd);
  return 0;
}

int CurlMulti::on_timer(CURLM*, long timeout_ms, void* self) {
  auto* multi = static_cast<CurlMulti*>(self);
  multi->timer_.cancel();
  if (timeout_ms < 0) return 0;
  multi->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  multi->timer_.async_wait([multi, alive = std::weak_ptr<bool>(multi->alive_)](error_code ec) {
    if (ec || alive.expired()) return;
    multi->act(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

curl_socket_t CurlMulti::on_open(void* self, curlsocktype purpose, struct curl_sockaddr* address) {
  auto* multi = static_cast<CurlMulti*>(self);
  if (purpose != CURLSOCKTYPE_IPCXN || multi->aborted_) return CURL_SOCKET_BAD;
  if (address->family != AF_INET && address->family != AF_INET6) return CURL_SOCKET_BAD;
  auto socket = std::make_unique<asio::ip::tcp::socket>(multi->io_);
  error_code ec;
  socket->open(address->family == AF_INET ? asio::ip::tcp::v4() : asio::ip::tcp::v6(), ec);
  if (ec) return CURL_SOCKET_BAD;
  auto fd = socket->native_handle();
  multi->sockets_[fd].socket = std::move(socket);
  return fd;
}

int CurlMulti::on_close(void* self, curl_socket_t fd) {
  auto* multi = static_cast<CurlMulti*>(self);
  auto it = multi->sockets_.find(fd);
  if (it == multi->sockets_.end()) return ::close(fd);
  error_code ec;
  it->second.socket->close(ec);
  multi->sockets_.erase(it);
  return 0;
}

void CurlMulti::arm(curl_socket_t fd) {
  auto it = sockets_.find(fd);
  if (it == sockets_.end()) return;
  auto& w = it->second;
  auto alive = std::weak_ptr<bool>(alive_);
  auto wait = [&](int poll, bool Watched::*busy, asio::socket_base::wait_type type, int ready) {
    if (!(w.wanted & poll) || w.*busy) return;
    w.*busy = true;
    w.socket->async_wait(type, [this, fd, alive, busy, ready](error_code ec) {
      if (alive.expired()) return;
      auto again = sockets_.find(fd);
      if (again == sockets_.end()) return;
      again->second.*busy = false;
      if (ec == asio::error::operation_aborted && !aborted_) return arm(fd);
      act(fd, ec ? CURL_CSELECT_ERR : ready);
      arm(fd);
    });
  };
  wait(CURL_POLL_IN, &Watched::reading, asio::socket_base::wait_read, CURL_CSELECT_IN);
  wait(CURL_POLL_OUT, &Watched::writing, asio::socket_base::wait_write, CURL_CSELECT_OUT);
}

void CurlMulti::act(curl_socket_t fd, int events) {
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  collect_done();
}

void CurlMulti::collect_done() {
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    auto it = waiters_.find(msg->easy_handle);
    if (it == waiters_.end()) continue;
    it->second->done = true;
    it->second->result = msg->data.result;
    if (it->second->wake) it->second->wake->cancel();
  }
}

}  // namespace closeout::transport
