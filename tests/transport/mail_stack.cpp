// SPDX-License-Identifier: GPL-3.0-or-later
#include "mail_stack.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace closeout::testing {

namespace {

std::string script() { return std::string(CLOSEOUT_SOURCE_DIR) + "/scripts/mailstack"; }

int shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

MailStack& stack() {
  static MailStack s;
  return s;
}

int MailStack::start() {
  char pattern[] = "/tmp/closeoutd-transport.XXXXXX";
  if (!mkdtemp(pattern)) return 1;
  dir = pattern;
  int rc = shell(script() + " start " + dir + " >/dev/null");
  if (rc != 0) return rc;
  std::map<std::string, std::string> env;
  std::istringstream lines(read_file(dir + "/env"));
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
  }
  imap_port = std::stoi(env["MAILSTACK_IMAP_PORT"]);
  imaps_port = std::stoi(env["MAILSTACK_IMAPS_PORT"]);
  smtp_port = std::stoi(env["MAILSTACK_SMTP_PORT"]);
  ca_file = env["MAILSTACK_CA_FILE"];
  password_file = env["MAILSTACK_PASSWORD_FILE"];
  password = read_file(password_file);
  while (!password.empty() && password.back() == '\n') password.pop_back();
  oauth_jwt_key_file = env["OAUTH_JWT_KEY_FILE"];
  oauth_issuer = env["OAUTH_ISSUER"];
  oauth_keys_dir = env["OAUTH_KEYS_DIR"];
  return 0;
}

void MailStack::stop() {
  if (dir.empty()) return;
  shell(script() + " stop " + dir + " >/dev/null 2>&1");
  shell("rm -rf " + dir);
  dir.clear();
}

void MailStack::imap_stop() { shell(script() + " imap-stop " + dir); }
void MailStack::imap_start() { shell(script() + " imap-start " + dir); }

transport::ServerSettings MailStack::imaps(const std::string& mailbox) const {
  transport::ServerSettings s;
  s.section = "imap";
  s.url = "imaps://127.0.0.1:" + std::to_string(imaps_port) + "/" + mailbox;
  s.username = "dispatch@dealer.test";
  s.secret = password;
  s.ca_file = ca_file;
  s.connect_timeout = std::chrono::seconds(10);
  s.response_timeout = std::chrono::seconds(10);
  return s;
}

transport::ServerSettings MailStack::imap_starttls(const std::string& mailbox) const {
  auto s = imaps(mailbox);
  s.url = "imap://127.0.0.1:" + std::to_string(imap_port) + "/" + mailbox;
  return s;
}

transport::ServerSettings MailStack::smtp() const {
  transport::ServerSettings s;
  s.section = "smtp";
  s.url = "smtp://127.0.0.1:" + std::to_string(smtp_port);
  s.username = "service@dealer.test";
  s.secret = password;
  s.ca_file = ca_file;
  s.connect_timeout = std::chrono::seconds(10);
  s.response_timeout = std::chrono::seconds(10);
  return s;
}

std::string test_message(const std::string& subject, std::size_t body_bytes) {
  static std::atomic<int> counter{0};
  std::string id =
      "<t" + std::to_string(::getpid()) + "." + std::to_string(++counter) + "@dealer.test>";
  std::string body;
  while (body.size() < body_bytes) body += "Line of test text for " + subject + ".\r\n";
  return "From: CITS <dispatch@cits.canon.com>\r\nTo: dispatch@dealer.test\r\nSubject: " + subject +
         "\r\nMessage-ID: " + id + "\r\nDate: Tue, 24 Nov 2026 09:00:00 +0000\r\n\r\n" + body;
}

}  // namespace closeout::testing

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  int rc = closeout::testing::stack().start();
  if (rc == 77) {
    std::fprintf(stderr, "transport tests: the local mail stack needs root; skipped\n");
    return 77;
  }
  if (rc != 0) {
    std::fprintf(stderr, "transport tests: scripts/mailstack start failed (%d)\n", rc);
    closeout::testing::stack().stop();
    return 1;
  }
  rc = RUN_ALL_TESTS();
  closeout::testing::stack().stop();
  return rc;
}
