// SPDX-License-Identifier: GPL-3.0-or-later
// Ordinary real-world faults, with closeoutd run as a process against the real Dovecot and
// Postfix (issue 11): a configuration that cannot send, a second closeoutd on the same database,
// a corrupt database, a full disk and a read-only state directory. In each case intake stops
// with one clear line and no mail moves; once the fault is gone the dispatch goes through.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "e2e_support.h"
#include "sample_mail.h"

namespace closeout::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string dispatch_mail(const std::string& number) {
  return cits_dispatch(number, "AAB01234", local_day(2), "<cits." + number + "@cits.canon.com>");
}

void edit_config(const Scenario& s, const std::string& line, const std::string& replacement) {
  std::string text = slurp(s.config_path());
  auto at = text.find(line);
  ASSERT_NE(at, std::string::npos) << line;
  text.replace(at, line.size(), replacement);
  std::ofstream(s.config_path()) << text;
}

std::string from_line(const Scenario& s) {
  return "from = \"Acme Service <" + s.dispatch_box() + ">\"";
}

bool wait_until(const std::function<bool()>& done, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// closeoutd as the service runs it, with systemd's notify socket read all along.
class RunningDaemon {
 public:
  explicit RunningDaemon(const Scenario& s) : socket_path_(s.dir() + "/notify.sock") {
    fs::remove(socket_path_);
    notify_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path_.c_str());
    EXPECT_EQ(bind(notify_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    listener_ = std::thread([this] {
      char buffer[4096];
      while (listening_) {
        ssize_t n = recv(notify_, buffer, sizeof buffer, 0);
        if (n > 0) {
          std::lock_guard<std::mutex> hold(mutex_);
          notifications_ += std::string(buffer, static_cast<std::size_t>(n)) + "\n";
        } else {
          std::this_thread::sleep_for(5ms);
        }
      }
    });
    std::vector<std::string> argv = {CLOSEOUTD_PATH, "--config", s.config_path()};
    std::vector<std::string> env = {"NOTIFY_SOCKET=" + socket_path_, "PATH=/usr/bin:/bin"};
    std::vector<char*> args;
    std::vector<char*> envp;
    for (auto& a : argv) args.push_back(a.data());
    for (auto& e : env) envp.push_back(e.data());
    args.push_back(nullptr);
    envp.push_back(nullptr);
    EXPECT_EQ(posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(), envp.data()), 0);
    EXPECT_TRUE(wait_until([&] { return has(notifications(), "READY=1"); }, 20s))
        << "closeoutd did not start";
  }
  ~RunningDaemon() {
    if (pid_ > 0) stop();
    listening_ = false;
    listener_.join();
    close(notify_);
  }
  pid_t pid() const { return pid_; }
  std::string notifications() {
    std::lock_guard<std::mutex> hold(mutex_);
    return notifications_;
  }
  int stop() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  std::string socket_path_;
  int notify_ = -1;
  std::atomic<bool> listening_{true};
  std::thread listener_;
  std::mutex mutex_;
  std::string notifications_;
  pid_t pid_ = 0;
};

TEST(Faults, AConfigThatCannotSendIsRefusedAndTheDispatchWaitsForTheFix) {
  Scenario s("nofrom");
  s.deliver(dispatch_mail("7012349001"));
  edit_config(s, from_line(s), "from = \"\"");
  auto refused = s.once();
  EXPECT_EQ(refused.exit_code, 78) << refused.err;
  EXPECT_TRUE(has(refused.err, s.config_path() + ": smtp.from: is empty")) << refused.err;
  EXPECT_EQ(s.messages(s.dispatch_box()).size(), 1U) << "the dispatch stays in INBOX";
  EXPECT_TRUE(s.messages(s.dispatch_box(), "Quarantine").empty()) << "and is not quarantined";

  edit_config(s, "from = \"\"", from_line(s));
  auto fixed = s.once();
  EXPECT_EQ(fixed.exit_code, 0) << fixed.err;
  EXPECT_EQ(s.wait_for(s.techs(), 1).size(), 1U) << "the notice goes out once fixed";
  EXPECT_TRUE(s.messages(s.dispatch_box()).empty());
  EXPECT_EQ(s.messages(s.dispatch_box(), "Processed").size(), 1U);
}

TEST(Faults, ABadReloadKeepsTheOldConfigAndASecondCloseoutdNamesTheFirst) {
  Scenario s("reload");
  std::string log = s.dir() + "/daemon.log";
  std::ofstream(s.config_path(), std::ios::app) << "[log]\nfile = \"" << log << "\"\n";
  RunningDaemon daemon(s);

  auto second = s.once();
  EXPECT_EQ(second.exit_code, 75) << second.err;
  EXPECT_TRUE(has(second.err, "another closeoutd (PID " + std::to_string(daemon.pid()) + ")"))
      << second.err;
  EXPECT_EQ(count_of(second.err, "\n"), 1U) << "one line: " << second.err;

  edit_config(s, "closeout_address = \"" + s.closeout_box() + "\"", "closeout_address = \"\"");
  kill(daemon.pid(), SIGHUP);
  EXPECT_TRUE(wait_until([&] { return has(slurp(log), "reload refused"); }, 10s)) << slurp(log);
  s.deliver(dispatch_mail("7012349002"));
  EXPECT_EQ(s.wait_for(s.techs(), 1, 20s).size(), 1U) << "still working on the old configuration";
  EXPECT_EQ(daemon.stop(), 0);
  std::string text = slurp(log);
  EXPECT_EQ(count_of(text, "reload refused"), 1U) << text;
  EXPECT_TRUE(has(text, "cits.closeout_address: is empty")) << text;
}

TEST(Faults, WhileAnotherCloseoutdHoldsTheDatabaseNoMailIsTouched) {
  Scenario s("locked");
  s.deliver(dispatch_mail("7012349003"));
  std::string lock_path = s.dir() + "/closeoutd.db.lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
  ASSERT_EQ(write(fd, "4242\n", 5), 5);
  auto refused = s.once();
  EXPECT_EQ(refused.exit_code, 75) << refused.err;
  EXPECT_TRUE(has(refused.err, "another closeoutd (PID 4242)")) << refused.err;
  EXPECT_FALSE(fs::exists(s.dir() + "/closeoutd.db")) << "the database is not even opened";
  EXPECT_EQ(s.messages(s.dispatch_box()).size(), 1U);
  EXPECT_EQ(s.ctl({"list", "--json"}).exit_code, 0) << "closeoutctl does not take the lock";
  close(fd);  // the other closeoutd ends
  auto after = s.once();
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_TRUE(s.messages(s.dispatch_box()).empty());
  EXPECT_EQ(s.wait_for(s.techs(), 1).size(), 1U);
}

TEST(Faults, ACorruptDatabaseStopsIntakeWithExit74AndMovesNoMail) {
  Scenario s("corrupt");
  s.deliver(dispatch_mail("7012349004"));
  ASSERT_EQ(s.once().exit_code, 0);
  s.deliver(dispatch_mail("7012349005"));
  {
    std::fstream db(s.dir() + "/closeoutd.db", std::ios::in | std::ios::out | std::ios::binary);
    db.seekp(4096);
    std::string garbage(3 * 4096, '\xa5');
    db.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  auto r = s.once();
  EXPECT_EQ(r.exit_code, 74) << r.err;
  EXPECT_TRUE(has(r.err, "integrity") || has(r.err, "damaged")) << r.err;
  EXPECT_EQ(count_of(r.err, "\n"), 1U) << "one clear line: " << r.err;
  EXPECT_EQ(s.messages(s.dispatch_box()).size(), 1U) << "the new dispatch stays in INBOX";
  EXPECT_EQ(s.messages(s.dispatch_box(), "Processed").size(), 1U);
  EXPECT_TRUE(s.messages(s.dispatch_box(), "Quarantine").empty());
}

// The state directory on a small tmpfs of its own, so it can fill up and turn read-only.
class SmallDisk {
 public:
  explicit SmallDisk(const std::string& dir) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=2m") == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  void fill() {
    std::ofstream filler(dir_ + "/filler", std::ios::binary);
    std::string block(4096, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) filler.flush();
  }
  void make_room() { fs::remove(dir_ + "/filler"); }
  bool read_only() {
    return mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, "size=2m") == 0;
  }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST(Faults, AFullDiskStopsIntakeTheServiceRetriesAndSaysSoThenCatchesUp) {
  Scenario s("fulldisk");
  std::string state = s.dir() + "/state";
  SmallDisk disk(state);
  if (!disk.mounted()) GTEST_SKIP() << "cannot mount a tmpfs here";
  std::string log = s.dir() + "/daemon.log";
  edit_config(s, "path = \"" + s.dir() + "/closeoutd.db\"",
              "path = \"" + state + "/closeoutd.db\"");
  std::ofstream(s.config_path(), std::ios::app) << "[log]\nfile = \"" << log << "\"\n";
  {
    RunningDaemon daemon(s);
    disk.fill();
    s.deliver(dispatch_mail("7012349006"));
    EXPECT_TRUE(wait_until([&] { return has(daemon.notifications(), "intake stopped"); }, 20s))
        << daemon.notifications();
    std::this_thread::sleep_for(6s);  // past the first retry
    EXPECT_EQ(s.messages(s.dispatch_box()).size(), 1U) << "no mail moves while the disk is full";
    EXPECT_TRUE(s.messages(s.techs()).empty());
    EXPECT_EQ(count_of(slurp(log), "intake: the database cannot be used"), 1U) << slurp(log);
    EXPECT_TRUE(has(slurp(log), "the disk is full")) << slurp(log);
    disk.make_room();
    EXPECT_EQ(s.wait_for(s.techs(), 1, 30s).size(), 1U) << "caught up once there is room";
    EXPECT_TRUE(s.messages(s.dispatch_box()).empty());
    EXPECT_TRUE(has(slurp(log), "the database works again")) << slurp(log);
    EXPECT_EQ(daemon.stop(), 0);
  }
  disk.fill();
  s.deliver(dispatch_mail("7012349007"));
  auto full = s.once();
  EXPECT_EQ(full.exit_code, 74) << full.err << slurp(log);
  EXPECT_EQ(s.messages(s.dispatch_box()).size(), 1U);
  disk.make_room();
  ASSERT_TRUE(disk.read_only());
  auto read_only = s.once();
  EXPECT_EQ(read_only.exit_code, 74) << read_only.err;
  EXPECT_EQ(count_of(read_only.err, "\n"), 1U) << "one clear line: " << read_only.err;
  EXPECT_EQ(s.messages(s.dispatch_box()).size(), 1U);
  EXPECT_EQ(s.messages(s.techs()).size(), 1U) << "nothing more was sent";
}

}  // namespace
}  // namespace closeout::testing
