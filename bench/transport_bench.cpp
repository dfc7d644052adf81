// SPDX-License-Identifier: GPL-3.0-or-later
// Transport throughput against the local mail stack (bench/run-transport starts it):
//   transport_bench ENV_FILE fill N         put N messages into the folder "Bench" (APPEND)
//   transport_bench ENV_FILE imap-fetch     closeoutd's fetch path: scan, plan, UID FETCH batches
//   transport_bench ENV_FILE smtp-send N    N messages on one SMTP connection
//   transport_bench ENV_FILE smtp-send-sizes FILE   one message per line of FILE, each of the
//                                           size in bytes that line gives, on one connection
// Prints "<what>: <count> in <seconds> s = <rate> msg/s".
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "asio_awaitable.h"
#include "imap_mailbox.h"
#include "mail_compose.h"
#include "smtp_sender.h"

namespace asio = boost::asio;
using namespace closeout;
using namespace closeout::transport;

namespace {

std::map<std::string, std::string> read_env(const std::string& path) {
  std::map<std::string, std::string> env;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (auto eq = line.find('='); eq != std::string::npos)
      env[line.substr(0, eq)] = line.substr(eq + 1);
  return env;
}

ServerSettings settings(std::map<std::string, std::string>& env, bool imap) {
  ServerSettings s;
  s.section = imap ? "imap" : "smtp";
  s.url = imap ? "imaps://127.0.0.1:" + env["MAILSTACK_IMAPS_PORT"] + "/Bench"
               : "smtp://127.0.0.1:" + env["MAILSTACK_SMTP_PORT"];
  s.username = imap ? "bench@dealer.test" : "service@dealer.test";
  std::ifstream pw(env["MAILSTACK_PASSWORD_FILE"]);
  std::getline(pw, s.secret);
  s.ca_file = env["MAILSTACK_CA_FILE"];
  return s;
}

std::string message(int i) {
  std::string body;
  while (body.size() < 2500)
    body += "Service Dispatch 70123" + std::to_string(i) + " line of text.\r\n";
  return "From: CITS <dispatch@cits.canon.com>\r\nTo: bench@dealer.test\r\nSubject: Dispatch " +
         std::to_string(i) + "\r\nMessage-ID: <bench" + std::to_string(i) +
         "@cits.canon.com>\r\n\r\n" + body;
}

asio::awaitable<void> fill(asio::io_context& io, ServerSettings s, int n) {
  ImapConnection c(io, s, 1 << 20);
  co_await c.connect();
  ImapMailbox box(c);
  co_await box.ensure_folder("Bench");
  for (int i = 0; i < n; ++i) co_await box.append("Bench", message(i));
  co_await c.logout();
}

asio::awaitable<std::size_t> fetch_all(asio::io_context& io, ServerSettings s) {
  ImapConnection c(io, s, 32 << 20);
  co_await c.connect();
  ImapMailbox box(c);
  auto scan = co_await box.scan("Bench", {});
  auto plan = plan_fetch(scan.messages, 26214400);
  std::size_t count = 0;
  for (const auto& batch : plan.batches) count += (co_await box.fetch(batch)).size();
  co_await c.logout();
  co_return count;
}

// sizes empty: n messages of about 2.5 KB; else one message per size, padded to it.
asio::awaitable<std::size_t> send_all(asio::io_context& io, ServerSettings s, int n,
                                      std::vector<std::size_t> sizes = {}) {
  SmtpSender sender(io, s);
  std::size_t accepted = 0;
  if (!sizes.empty()) n = static_cast<int>(sizes.size());
  for (int i = 0; i < n; ++i) {
    OutgoingMail m;
    m.from = {"Acme Service", "service@dealer.test"};
    m.to = {{"", "closeout@closeout.test"}};
    m.subject = "Close-out " + std::to_string(i);
    m.date = "Wed, 25 Nov 2026 09:00:00 +0000";
    m.message_id = "<bench-send" + std::to_string(i) + "@dealer.test>";
    m.body = message(i);
    Envelope envelope{"service@dealer.test", {"closeout@closeout.test"}};
    auto text = compose_mail(m);
    if (!sizes.empty()) {
      std::size_t want = sizes[static_cast<std::size_t>(i)];
      if (text.size() > want) text.resize(want);
      while (text.size() + 2 < want)
        text += std::string(std::min<std::size_t>(76, want - text.size() - 2), 'x') + "\r\n";
    }
    auto result = co_await sender.send(envelope, text);
    if (result.status == SendStatus::accepted) ++accepted;
  }
  co_return accepted;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: transport_bench ENV_FILE fill N | imap-fetch | smtp-send N | "
                 "smtp-send-sizes FILE\n");
    return 64;
  }
  auto env = read_env(argv[1]);
  std::string what = argv[2];
  int n = argc > 3 && what != "smtp-send-sizes" ? std::stoi(argv[3]) : 0;
  asio::io_context io;
  auto start = std::chrono::steady_clock::now();
  std::size_t count = 0;
  if (what == "fill") {
    run_to_completion(io,
                      [](asio::io_context& io, ServerSettings s, int n) -> asio::awaitable<int> {
                        co_await fill(io, s, n);
                        co_return n;
                      }(io, settings(env, true), n));
    count = static_cast<std::size_t>(n);
  } else if (what == "imap-fetch") {
    count = run_to_completion(io, fetch_all(io, settings(env, true)));
  } else if (what == "smtp-send") {
    count = run_to_completion(io, send_all(io, settings(env, false), n));
  } else if (what == "smtp-send-sizes" && argc > 3) {
    std::vector<std::size_t> sizes;
    std::ifstream in(argv[3]);
    for (std::size_t size; in >> size;) sizes.push_back(size);
    count = run_to_completion(io, send_all(io, settings(env, false), 0, std::move(sizes)));
  } else {
    return 64;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu in %.3f s = %.0f msg/s\n", what.c_str(), count, seconds,
              static_cast<double>(count) / seconds);
  return 0;
}
