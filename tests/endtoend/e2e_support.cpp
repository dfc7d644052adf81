// SPDX-License-Identifier: GPL-3.0-or-later
#include "e2e_support.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "imap_connection.h"
#include "imap_mailbox.h"
#include "local_date.h"
#include "sample_mail.h"

extern char** environ;

namespace closeout::testing {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

transport::ServerSettings as_user(const std::string& user, const std::string& folder) {
  auto s = stack().imaps(folder);
  s.username = user;
  return s;
}

asio::awaitable<std::vector<std::string>> read_folder(asio::io_context& io,
                                                      transport::ServerSettings s,
                                                      std::string folder) {
  transport::ImapConnection c(io, s, 64 << 20);
  co_await c.connect();
  transport::ImapMailbox box(c);
  std::vector<std::string> out;
  if (co_await box.ensure_folder(folder)) co_return out;  // just created: empty
  auto scan = co_await box.scan(folder, {});
  std::vector<std::uint32_t> uids;
  for (const auto& m : scan.messages) uids.push_back(m.uid);
  if (!uids.empty()) {
    for (auto& m : co_await box.fetch(uids)) out.push_back(std::move(m.bytes));
  }
  co_await c.logout();
  co_return out;
}

asio::awaitable<void> append(asio::io_context& io, transport::ServerSettings s,
                             std::vector<std::string> messages) {
  transport::ImapConnection c(io, s, 1 << 20);
  co_await c.connect();
  transport::ImapMailbox box(c);
  for (const auto& m : messages) co_await box.append("INBOX", m);
  co_await c.logout();
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  return run(argv, {}, timeout);
}

RunResult run(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
              std::chrono::seconds timeout) {
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) env.push_back(*e);
  for (const auto& e : extra_env) env.push_back(const_cast<char*>(e.c_str()));
  env.push_back(nullptr);
  char out_name[] = "/tmp/closeoutd-e2e-out.XXXXXX";
  char err_name[] = "/tmp/closeoutd-e2e-err.XXXXXX";
  int out_fd = mkstemp(out_name);
  int err_fd = mkstemp(err_name);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  RunResult r;
  if (posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data()) == 0) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(20ms);
    }
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(err_fd);
  r.out = slurp(out_name);
  r.err = slurp(err_name);
  unlink(out_name);
  unlink(err_name);
  return r;
}

Scenario::Scenario(const std::string& name, const std::string& extra_config) : name_(name) {
  dir_ = stack().dir + "/e2e-" + name;
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  config_path_ = dir_ + "/closeoutd.toml";
  write_config(extra_config);
}

Scenario::~Scenario() {
  if (!::testing::Test::HasFailure()) return;
  // What the servers said is the first thing to read when a scenario fails.
  for (const char* log : {"/log/postfix.log", "/log/dovecot.log"}) {
    std::string text = slurp(stack().dir + log);
    std::fprintf(stderr, "---- last of %s\n%s\n", log,
                 text.substr(text.size() > 6000 ? text.size() - 6000 : 0).c_str());
  }
}

void Scenario::write_config(const std::string& extra, int smtp_port,
                            const std::string& closeout_address) {
  const auto& s = stack();
  std::ofstream(config_path_)
      << "[imap]\nurl = \"imaps://127.0.0.1:" << s.imaps_port << "/INBOX\"\n"
      << "username = \"" << dispatch_box() << "\"\npassword_file = \"" << s.password_file
      << "\"\nca_file = \"" << s.ca_file << "\"\npoll_interval = \"2s\"\n"
      << "[smtp]\nurl = \"smtp://127.0.0.1:" << (smtp_port ? smtp_port : s.smtp_port) << "\"\n"
      << "username = \"" << dispatch_box() << "\"\npassword_file = \"" << s.password_file
      << "\"\nca_file = \"" << s.ca_file << "\"\nfrom = \"Acme Service <" << dispatch_box()
      << ">\"\n[cits]\ncloseout_address = \""
      << (closeout_address.empty() ? closeout_box() : closeout_address) << "\"\n"
      << "[dealer]\nname = \"Acme Office Systems\"\ntechnicians = [\"*@dealer.test\"]\n"
      << "notify = [\"" << techs() << "\"]\nadmins = [\"" << manager() << "\"]\n"
      << "[store]\npath = \"" << dir_ << "/closeoutd.db\"\n"
      << extra;
}

void Scenario::deliver(const std::string& message) const { deliver_all({message}); }

void Scenario::deliver_all(const std::vector<std::string>& messages) const {
  asio::io_context io;
  transport::run_to_completion(io, append(io, as_user(dispatch_box(), "INBOX"), messages));
}

std::vector<std::string> Scenario::messages(const std::string& user,
                                            const std::string& folder) const {
  asio::io_context io;
  return transport::run_to_completion(io, read_folder(io, as_user(user, folder), folder));
}

std::vector<std::string> Scenario::wait_for(const std::string& user, std::size_t count,
                                            std::chrono::seconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto found = messages(user);
    if (found.size() >= count || std::chrono::steady_clock::now() > deadline) return found;
    std::this_thread::sleep_for(200ms);
  }
}

// Postfix delivers in the background: wait until its queue is empty, so what closeoutd sent is
// in the mailboxes (and what it did not send is surely absent) when the test looks.
static void settle() {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    bool busy = false;
    for (const char* q : {"incoming", "active", "maildrop"}) {
      std::error_code ec;
      for (const auto& f :
           std::filesystem::recursive_directory_iterator(stack().dir + "/queue/" + q, ec)) {
        busy = busy || f.is_regular_file();
      }
    }
    if (!busy) return;
    std::this_thread::sleep_for(50ms);
  }
}

RunResult Scenario::once() const { return once({}); }

RunResult Scenario::once(const std::vector<std::string>& extra_env) const {
  auto r = run({CLOSEOUTD_PATH, "--config", config_path_, "--once"}, extra_env);
  settle();
  return r;
}

RunResult Scenario::ctl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {CLOSEOUTCTL_PATH, "--config", config_path_};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

nlohmann::json Scenario::ctl_json(const std::vector<std::string>& args) const {
  auto r = ctl(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.out;
    return nlohmann::json::array();
  }
}

std::string header_of(const std::string& message, const std::string& name) {
  std::istringstream in(message);
  std::string value;
  bool in_header = false;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if (in_header && (line[0] == ' ' || line[0] == '\t')) {
      value += line;
      continue;
    }
    if (in_header) return value;
    if (line.size() > name.size() && strncasecmp(line.c_str(), name.c_str(), name.size()) == 0 &&
        line[name.size()] == ':') {
      in_header = true;
      value = line.substr(name.size() + 2);
    }
  }
  return value;
}

std::chrono::year_month_day local_day(int days_ago) { return days_before(local_today(), days_ago); }

std::string today_minus(int days) { return us_date(local_day(days)); }

nlohmann::json by_number(const nlohmann::json& list, const std::string& number) {
  for (const auto& d : list) {
    if (d["dispatch_number"] == number) return d;
  }
  return nullptr;
}

}  // namespace closeout::testing
