// SPDX-License-Identifier: GPL-3.0-or-later
// SIGHUP with renamed folders, against the real Dovecot: the running daemon starts a new IMAP
// session with the new [imap] settings (any field of the section, not a hand-picked few), so
// the new folders are made at once and the next dispatch lands in them; intake never stalls.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "e2e_support.h"
#include "imap_connection.h"
#include "sample_mail.h"

extern char** environ;

namespace closeout::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// LIST, which (unlike Scenario::messages) does not create the folder it asks about.
bool folder_exists(const Scenario& s, const std::string& folder) {
  asio::io_context io;
  auto settings = stack().imaps("INBOX");
  settings.username = s.dispatch_box();
  auto list = [&]() -> asio::awaitable<bool> {
    transport::ImapConnection c(io, settings, 1 << 20);
    co_await c.connect();
    auto reply = co_await c.command_ok("LIST \"\" \"" + folder + "\"", "LIST");
    co_await c.logout();
    for (const auto& r : reply.untagged)
      if (imap::parse_list_name(r) == folder) co_return true;
    co_return false;
  };
  return transport::run_to_completion(io, list());
}

template <typename Check>
bool within(std::chrono::seconds limit, Check check) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return check();
}

TEST(IntakeReload, RenamedFoldersOnSighupAreCreatedAndUsedAtOnce) {
  Scenario s("reload-folders");
  std::string log = s.dir() + "/daemon.log";
  auto config_with = [&](const std::string& imap_extra) {
    std::string text = slurp(s.config_path());
    auto at = text.find("[imap]\n");
    ASSERT_NE(at, std::string::npos);
    text.insert(at + 7, imap_extra);
    std::ofstream(s.config_path()) << text;
  };
  s.write_config("[log]\nfile = \"" + log + "\"\n");
  std::vector<std::string> argv = {CLOSEOUTD_PATH, "--config", s.config_path()};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ), 0);

  s.deliver(cits_dispatch("7012346001", "AAB01234", local_day(2), "<cits.r1@cits.canon.com>"));
  EXPECT_TRUE(within(20s, [&] {
    return folder_exists(s, "Processed") && s.messages(s.dispatch_box(), "Processed").size() == 1;
  })) << slurp(log);

  s.write_config("[log]\nfile = \"" + log + "\"\n");
  config_with("processed_folder = \"Done\"\nquarantine_folder = \"Held\"\n");
  kill(pid, SIGHUP);
  EXPECT_TRUE(within(10s, [&] { return folder_exists(s, "Done") && folder_exists(s, "Held"); }))
      << "a new session made the new folders before any mail needed them\n"
      << slurp(log);

  s.deliver(cits_dispatch("7012346002", "AAB01234", local_day(2), "<cits.r2@cits.canon.com>"));
  EXPECT_TRUE(within(20s, [&] { return s.messages(s.dispatch_box(), "Done").size() == 1; }))
      << slurp(log);
  EXPECT_TRUE(s.messages(s.dispatch_box()).empty()) << "INBOX does not fill up";
  EXPECT_EQ(s.messages(s.dispatch_box(), "Processed").size(), 1U);

  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << slurp(log);
  auto text = slurp(log);
  EXPECT_EQ(text.find("reconnecting in"), std::string::npos)
      << "no MOVE to a missing folder, no failure loop:\n"
      << text;
}

}  // namespace
}  // namespace closeout::testing
