// SPDX-License-Identifier: GPL-3.0-or-later
// libcurl's multi-socket interface driven by a Boost.Asio io_context: libcurl says which sockets
// it waits on and when its timer fires; Asio waits and calls back. Nothing blocks the loop.
// Sockets are opened through us (CURLOPT_OPENSOCKETFUNCTION), so a connection libcurl set up
// with CURLOPT_CONNECT_ONLY can be waited on afterwards by the IMAP code, and abort() can shut
// every socket down at once when the daemon must stop.
#pragma once
#include <curl/curl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include "asio_awaitable.h"

namespace closeout::transport {

// curl_global_init once per process, before any thread could race it.
void ensure_curl_initialised();

class CurlMulti {
 public:
  explicit CurlMulti(boost::asio::io_context& io);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Adds easy, waits until libcurl reports it done and returns libcurl's result. The handle
  // stays added (a CONNECT_ONLY connection lives only as long as that) until release().
  boost::asio::awaitable<CURLcode> perform(CURL* easy);
  void release(CURL* easy);

  // The socket libcurl opened with this descriptor; nullptr once libcurl closed it.
  boost::asio::ip::tcp::socket* socket(curl_socket_t fd);

  // Shuts down every socket: transfers fail at once and waits on them end. Idempotent.
  void abort();
  bool aborted() const { return aborted_; }

  boost::asio::io_context& io() { return io_; }

 private:
  struct Watched {
    std::unique_ptr<boost::asio::ip::tcp::socket> socket;
    int wanted = 0;  // CURL_POLL_* that libcurl asked for
    bool reading = false;
    bool writing = false;
  };
  struct Waiter {
    bool done = false;
    CURLcode result = CURLE_OK;
    boost::asio::steady_timer* wake = nullptr;
  };

  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socketp);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  static curl_socket_t on_open(void* self, curlsocktype purpose, struct curl_sockaddr* address);
  static int on_close(void* self, curl_socket_t fd);

  void arm(curl_socket_t fd);
  void act(curl_socket_t fd, int events);
  void collect_done();

  boost::asio::io_context& io_;
  CURLM* multi_;
  boost::asio::steady_timer timer_;
  std::map<curl_socket_t, Watched> sockets_;
  std::map<CURL*, Waiter*> waiters_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  bool aborted_ = false;
};

}  // namespace closeout::transport
