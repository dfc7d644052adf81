// SPDX-License-Identifier: GPL-3.0-or-later
// A scripted IMAP server on 127.0.0.1 (plain TCP) for what a real Dovecot will not do: it
// speaks just enough IMAP for closeoutd (LOGIN, SELECT, UID FETCH, UID MOVE, LIST, CREATE) and
// misbehaves in one chosen way on one chosen UID. Its folders live in memory, so a test sees
// exactly what was moved where. One client at a time; faults can be changed between runs.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "loopback_listener.h"

namespace closeout::testing {

struct HostileFaults {
  std::uint32_t uid = 0;             // the message the faults below are about
  bool body_missing = false;         // its FETCH response carries no BODY[]
  std::uint64_t announced_size = 0;  // its RFC822.SIZE (0: the true size)
  bool bye_in_fetch = false;         // "* BYE" instead of its FETCH response, then hang up
  int move_refusals = 0;             // this many UID MOVEs answered NO [OVERQUOTA]
  bool garbage = false;              // unparseable untagged lines before every answer
  std::size_t enormous_line = 0;     // an untagged line this long before the listed sizes
  bool list_lies = false;            // LIST shows every folder; MOVE to a missing one: TRYCREATE
  int slow_bodies_ms = 0;            // every UID FETCH of bodies waits this long (a busy server)
};

class HostileImapServer {
 public:
  HostileImapServer() {
    listener_ = listen_on_loopback(port_);
    folders_["INBOX"];
    folders_["Processed"];
    folders_["Quarantine"];
    thread_ = std::thread([this] { serve(); });
  }
  ~HostileImapServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    {
      std::lock_guard lock(mutex_);
      if (client_ >= 0) ::shutdown(client_, SHUT_RDWR);
    }
    thread_.join();
  }
  HostileImapServer(const HostileImapServer&) = delete;
  HostileImapServer& operator=(const HostileImapServer&) = delete;

  int port() const { return port_; }

  // Puts a message into INBOX; returns its UID.
  std::uint32_t add(const std::string& message) {
    std::lock_guard lock(mutex_);
    folders_["INBOX"].push_back({next_uid_, message});
    return next_uid_++;
  }
  void set_faults(const HostileFaults& f) {
    std::lock_guard lock(mutex_);
    faults_ = f;
  }
  void drop_folder(const std::string& name) {
    std::lock_guard lock(mutex_);
    folders_.erase(name);
  }
  // UIDs (as they were in INBOX) of what a folder holds; empty when it does not exist.
  std::vector<std::uint32_t> uids_in(const std::string& folder) {
    std::lock_guard lock(mutex_);
    std::vector<std::uint32_t> out;
    auto it = folders_.find(folder);
    if (it == folders_.end()) return out;
    for (const auto& m : it->second) out.push_back(m.uid);
    return out;
  }
  bool has_folder(const std::string& folder) {
    std::lock_guard lock(mutex_);
    return folders_.count(folder) != 0;
  }
  int move_commands() const { return move_commands_; }
  int body_fetches() const { return body_fetches_; }
  int connections() const { return connections_; }

 private:
  struct Message {
    std::uint32_t uid;
    std::string bytes;
  };

  void serve() {
    while (!stopping_) {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      ++connections_;
      {
        std::lock_guard lock(mutex_);
        client_ = fd;
      }
      session(fd);
      {
        std::lock_guard lock(mutex_);
        client_ = -1;
      }
      ::close(fd);
    }
  }

  void session(int fd) {
    if (!say(fd, "* OK hostile test server ready\r\n")) return;
    std::string pending;
    char buf[4096];
    for (;;) {
      auto eol = pending.find("\r\n");
      if (eol == std::string::npos) {
        auto n = ::read(fd, buf, sizeof buf);
        if (n <= 0) return;
        pending.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      std::string line = pending.substr(0, eol);
      pending.erase(0, eol + 2);
      if (!answer(fd, line)) return;
    }
  }

  static std::string upper(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
  }
  static std::string unquote(std::string s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
  }
  // "1:3,7,9:*" against the highest UID; "n:*" includes the highest even below n (RFC 3501).
  static bool in_set(const std::string& set, std::uint32_t uid, std::uint32_t highest) {
    std::size_t start = 0;
    while (start <= set.size()) {
      auto comma = set.find(',', start);
      auto part = set.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      auto number = [&](const std::string& s) {
        return s == "*" ? highest : static_cast<std::uint32_t>(std::stoul(s));
      };
      auto colon = part.find(':');
      std::uint32_t lo = number(part.substr(0, colon));
      std::uint32_t hi = colon == std::string::npos ? lo : number(part.substr(colon + 1));
      if (lo > hi) std::swap(lo, hi);
      if (uid >= lo && uid <= hi) return true;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return false;
  }

  bool answer(int fd, const std::string& line) {
    std::lock_guard lock(mutex_);
    auto space = line.find(' ');
    std::string tag = line.substr(0, space);
    std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
    std::string command = upper(rest.substr(0, rest.find(' ')));
    std::string args = rest.find(' ') == std::string::npos ? "" : rest.substr(rest.find(' ') + 1);
    if (command == "UID") {
      command = "UID " + upper(args.substr(0, args.find(' ')));
      args = args.find(' ') == std::string::npos ? "" : args.substr(args.find(' ') + 1);
    }
    std::string out;
    if (faults_.garbage && command != "LOGIN" && command != "CAPABILITY")
      out += "* 1 FETCH (UID\r\n* ))) (((\r\n* 4294967296 EXISTS\r\n* FETCH FETCH {x}\r\n";
    auto& inbox = folders_["INBOX"];
    std::uint32_t highest = inbox.empty() ? 0 : inbox.back().uid;
    if (command == "CAPABILITY") {
      out += "* CAPABILITY IMAP4rev1 MOVE UIDPLUS\r\n" + tag + " OK done\r\n";
    } else if (command == "LOGIN") {
      out += tag + " OK [CAPABILITY IMAP4rev1 MOVE UIDPLUS] logged in\r\n";
    } else if (command == "NOOP" || command == "SUBSCRIBE") {
      out += tag + " OK done\r\n";
    } else if (command == "LOGOUT") {
      say(fd, "* BYE bye\r\n" + tag + " OK done\r\n");
      return false;
    } else if (command == "LIST") {
      auto name = unquote(args.substr(args.find(' ') + 1));
      if (faults_.list_lies || folders_.count(name))
        out += "* LIST (\\HasNoChildren) \"/\" \"" + name + "\"\r\n";
      out += tag + " OK done\r\n";
    } else if (command == "CREATE") {
      folders_[unquote(args)];
      out += tag + " OK created\r\n";
    } else if (command == "SELECT" || command == "EXAMINE") {
      out += "* " + std::to_string(inbox.size()) + " EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n" +
             "* OK [UIDNEXT " + std::to_string(next_uid_) + "] ok\r\n" + tag +
             " OK [READ-WRITE] selected\r\n";
    } else if (command == "UID FETCH") {
      auto set = args.substr(0, args.find(' '));
      bool body = upper(args).find("BODY.PEEK[]") != std::string::npos;
      if (body) ++body_fetches_;
      if (body && faults_.slow_bodies_ms > 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(faults_.slow_bodies_ms));
      if (!body && faults_.enormous_line)
        out += "* OK " + std::string(faults_.enormous_line, 'x') + "\r\n";
      for (std::size_t i = 0; i < inbox.size(); ++i) {
        const auto& m = inbox[i];
        if (!in_set(set, m.uid, highest)) continue;
        bool faulty = m.uid == faults_.uid;
        std::string head = "* " + std::to_string(i + 1) + " FETCH (UID " + std::to_string(m.uid);
        if (!body) {
          auto size = faulty && faults_.announced_size ? faults_.announced_size : m.bytes.size();
          out += head + " RFC822.SIZE " + std::to_string(size) + ")\r\n";
        } else if (faulty && faults_.bye_in_fetch) {
          say(fd, out + "* BYE server shutting down\r\n");
          return false;
        } else if (faulty && faults_.body_missing) {
          out += head + " FLAGS (\\Recent))\r\n";
        } else {
          out += head + " BODY[] {" + std::to_string(m.bytes.size()) + "}\r\n" + m.bytes + ")\r\n";
        }
      }
      out += tag + " OK fetched\r\n";
    } else if (command == "UID MOVE") {
      ++move_commands_;
      auto set = args.substr(0, args.find(' '));
      auto target = unquote(args.substr(args.find(' ') + 1));
      if (faults_.move_refusals > 0) {
        --faults_.move_refusals;
        out += tag + " NO [OVERQUOTA] Quota exceeded (mailbox for user is full)\r\n";
      } else if (!folders_.count(target)) {
        out += tag + " NO [TRYCREATE] Mailbox doesn't exist: " + target + "\r\n";
      } else {
        auto& to = folders_[target];
        for (std::size_t i = inbox.size(); i-- > 0;) {
          if (!in_set(set, inbox[i].uid, highest)) continue;
          to.push_back(inbox[i]);
          out += "* " + std::to_string(i + 1) + " EXPUNGE\r\n";
          inbox.erase(inbox.begin() + static_cast<std::ptrdiff_t>(i));
        }
        std::sort(to.begin(), to.end(),
                  [](const Message& a, const Message& b) { return a.uid < b.uid; });
        out += tag + " OK moved\r\n";
      }
    } else {
      out += tag + " BAD not in this server's script\r\n";
    }
    return say(fd, out);
  }

  static bool say(int fd, const std::string& text) {
    std::size_t sent = 0;
    while (sent < text.size()) {
      auto n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  int listener_ = -1;
  int port_ = 0;
  int client_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> move_commands_{0};
  std::atomic<int> body_fetches_{0};
  std::atomic<int> connections_{0};
  std::mutex mutex_;
  std::map<std::string, std::vector<Message>> folders_;
  std::uint32_t next_uid_ = 1;
  HostileFaults faults_;
  std::thread thread_;
};

}  // namespace closeout::testing
