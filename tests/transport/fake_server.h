// SPDX-License-Identifier: GPL-3.0-or-later
// Servers that misbehave on purpose, on 127.0.0.1, for what a real Dovecot will not do: one
// that accepts and then never says a word, an IMAP server that offers no STARTTLS, and SMTP
// servers that refuse with a 554 greeting or refuse only the null reverse-path <>.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loopback_listener.h"

namespace closeout::testing {

class FakeServer {
 public:
  // smtp_oauth_auth_disabled: offers AUTH CRAM-MD5 PLAIN XOAUTH2 and refuses any AUTH the way
  // Exchange Online does for a tenant with SMTP AUTH off (535 5.7.139).
  enum class Mode {
    silent,
    imap_without_starttls,
    smtp_554_greeting,
    smtp_refusing_null_sender,
    smtp_oauth_auth_disabled
  };

  explicit FakeServer(Mode mode) : mode_(mode) {
    listener_ = listen_on_loopback(port_);
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
  // The SASL mechanisms clients asked for with AUTH (the name only, never what followed it).
  std::vector<std::string> auth_mechanisms() {
    std::lock_guard lock(mutex_);
    return auth_mechanisms_;
  }

 private:
  void serve() {
    while (!stopping_) {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      clients_.push_back(fd);
      if (mode_ == Mode::silent) continue;
      if (mode_ == Mode::smtp_554_greeting || mode_ == Mode::smtp_refusing_null_sender ||
          mode_ == Mode::smtp_oauth_auth_disabled) {
        serve_smtp(fd);
        continue;
      }
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
  // Plain SMTP, no TLS, no AUTH: enough for libcurl to send one message.
  void serve_smtp(int fd) {
    if (mode_ == Mode::smtp_554_greeting) {
      say(fd, "554 5.3.2 fake.test no SMTP service here\r\n");
    } else {
      say(fd, "220 fake.test ESMTP\r\n");
    }
    std::string pending;
    bool in_data = false;
    char buf[512];
    for (;;) {
      auto n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return;
      pending.append(buf, static_cast<std::size_t>(n));
      for (auto eol = pending.find("\r\n"); eol != std::string::npos; eol = pending.find("\r\n")) {
        std::string line = pending.substr(0, eol);
        pending.erase(0, eol + 2);
        if (in_data) {
          if (line == ".") {
            in_data = false;
            say(fd, "250 2.0.0 queued\r\n");
          }
          continue;
        }
        std::string verb = line.substr(0, 4);
        if (mode_ == Mode::smtp_554_greeting)
          say(fd, verb == "QUIT" ? "221 bye\r\n" : "503 5.5.1 no service\r\n");
        else if ((verb == "EHLO" || verb == "HELO") && mode_ == Mode::smtp_oauth_auth_disabled)
          say(fd, "250-fake.test\r\n250-AUTH CRAM-MD5 PLAIN XOAUTH2\r\n250 8BITMIME\r\n");
        else if (verb == "EHLO" || verb == "HELO")
          say(fd, "250-fake.test\r\n250 8BITMIME\r\n");
        else if (verb == "AUTH") {
          std::string mechanism = line.substr(5, line.find(' ', 5) - 5);
          {
            std::lock_guard lock(mutex_);
            auth_mechanisms_.push_back(mechanism);
          }
          say(fd,
              "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled "
              "for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.\r\n");
        } else if (line.rfind("MAIL FROM:<>", 0) == 0)
          say(fd, "550 5.7.1 no automatic mail accepted here\r\n");
        else if (verb == "MAIL" || verb == "RCPT" || verb == "RSET" || verb == "NOOP")
          say(fd, "250 2.1.0 ok\r\n");
        else if (verb == "DATA") {
          in_data = true;
          say(fd, "354 go ahead\r\n");
        } else if (verb == "QUIT") {
          say(fd, "221 bye\r\n");
          return;
        } else
          say(fd, "502 5.5.2 not here\r\n");
      }
    }
  }
  static void say(int fd, const std::string& text) { (void)!::write(fd, text.data(), text.size()); }

  Mode mode_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<int> clients_;
  std::mutex mutex_;
  std::vector<std::string> auth_mechanisms_;
  std::thread thread_;
};

}  // namespace closeout::testing
