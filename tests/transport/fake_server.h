// Servers that misbehave on purpose, on 127.0.0.1, for what a real Dovecot will not do: one
// that accepts and then never says a word, and an IMAP server that offers no STARTTLS.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace closeout::testing {

class FakeServer {
 public:
  enum class Mode { silent, imap_without_starttls };

  explicit FakeServer(Mode mode) : mode_(mode) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    for (int fd : clients_) ::shutdown(fd, SHUT_RDWR);
    thread_.join();
    for (int fd : clients_) ::close(fd);
  }
  int port() const { return port_; }

 private:
  void serve() {
    while (!stopping_) {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      clients_.push_back(fd);
      if (mode_ == Mode::silent) continue;
      say(fd, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fake server without STARTTLS\r\n");
      std::string pending;
      char buf[512];
      for (;;) {
        auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        pending.append(buf, static_cast<std::size_t>(n));
        for (auto eol = pending.find("\r\n"); eol != std::string::npos;
             eol = pending.find("\r\n")) {
          std::string line = pending.substr(0, eol);
          pending.erase(0, eol + 2);
          std::string tag = line.substr(0, line.find(' '));
          if (line.find("CAPABILITY") != std::string::npos)
            say(fd, "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n" + tag + " OK done\r\n");
          else
            say(fd, tag + " BAD not here\r\n");
        }
      }
    }
  }
  static void say(int fd, const std::string& text) { (void)!::write(fd, text.data(), text.size()); }

  Mode mode_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<int> clients_;
  std::thread thread_;
};

}  // namespace closeout::testing
