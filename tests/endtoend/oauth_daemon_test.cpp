// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutd with auth = "oauth2" as a process, against the real Dovecot and Postfix (which check
// the JWT access tokens themselves) and tests/oauth/test_auth_server.py: refreshes across several
// seconds-long token lifetimes over one IDLE session, rotation, a revoked sign-in (waits, keeps
// queued mail, resumes after a new login with no restart, tells the admins once), the token
// endpoint down for a while, IMAP and SMTP needing a refresh at the same moment, and a token for
// the wrong user. The store is written the way `closeoutctl oauth login` writes it. Tokens are
// compared in code and never printed.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "e2e_support.h"
#include "oauth_test_server.h"
#include "sample_mail.h"
#include "token_store.h"

extern char** environ;

namespace closeout::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

template <typename Check>
bool within(std::chrono::milliseconds limit, Check check) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return check();
}

std::string dispatch(const std::string& number) {
  return cits_dispatch(number, "AAB01234", local_day(2), "<cits." + number + "@cits.canon.com>");
}

// closeoutd in the foreground, as systemd runs it (Type=notify: its STATUS lines are kept).
class Daemon {
 public:
  explicit Daemon(const Scenario& s) : s_(s) {}
  ~Daemon() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    listening_ = false;
    if (listener_.joinable()) listener_.join();
    if (notify_ >= 0) close(notify_);
  }

  void start() {
    std::string socket_path = s_.dir() + "/notify.sock";
    unlink(socket_path.c_str());
    notify_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
    ASSERT_EQ(bind(notify_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    listening_ = true;
    listener_ = std::thread([this] {
      char buffer[4096];
      while (listening_) {
        ssize_t n = recv(notify_, buffer, sizeof buffer, 0);
        if (n > 0) {
          std::lock_guard lock(mutex_);
          notifications_ += std::string(buffer, static_cast<std::size_t>(n)) + "\n";
        } else {
          std::this_thread::sleep_for(5ms);
        }
      }
    });
    std::vector<std::string> env = {"NOTIFY_SOCKET=" + socket_path, "PATH=/usr/bin:/bin"};
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv = {CLOSEOUTD_PATH, "--config", s_.config_path()};
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(), envp.data()), 0);
  }

  bool running() const { return pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0; }

  int stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  std::string notifications() {
    std::lock_guard lock(mutex_);
    return notifications_;
  }

 private:
  const Scenario& s_;
  pid_t pid_ = -1;
  int notify_ = -1;
  std::thread listener_;
  std::atomic<bool> listening_{false};
  std::mutex mutex_;
  std::string notifications_;
};

class OAuthDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    if (!server_.start(stack().dir, &why)) GTEST_SKIP() << "no test authorization server: " << why;
  }

  // The scenario's configuration with auth = "oauth2" for IMAP (and SMTP unless told not to).
  void configure(Scenario& s, bool smtp_oauth = true, int smtp_port = 0) {
    s.write_config(server_.oauth_config_toml() + "[log]\nfile = \"" + log(s) + "\"\n", smtp_port);
    std::string text = slurp(s.config_path());
    text.insert(text.find("[imap]\n") + 7, "auth = \"oauth2\"\n");
    if (smtp_oauth) text.insert(text.find("[smtp]\n") + 7, "auth = \"oauth2\"\n");
    std::ofstream(s.config_path()) << text;
  }

  static std::string log(const Scenario& s) { return s.dir() + "/daemon.log"; }
  static std::string store(const Scenario& s) { return s.dir() + "/oauth-tokens.json"; }

  // A device-flow sign-in approved for user, stored as `closeoutctl oauth login` stores it.
  oauth::TokenSet sign_in(const Scenario& s, const std::string& user) {
    auto reply = server_.device_sign_in(user);
    auto now = Clock::now();
    oauth::TokenSet t;
    t.provider = "custom";
    t.username = user;
    t.scopes = {"mail", "offline_access"};
    t.access_token = reply.at("access_token").get<std::string>();
    t.refresh_token = reply.at("refresh_token").get<std::string>();
    t.access_obtained_at = now;
    t.access_expires_at = now + std::chrono::seconds(reply.at("expires_in").get<int>());
    t.refresh_obtained_at = now;
    oauth::save_token_store(store(s), t);
    return t;
  }

  static oauth::TokenSet stored(const Scenario& s) {
    auto t = oauth::load_token_store(store(s));
    if (!t) throw std::runtime_error("no token store");
    return *t;
  }

  // Whether the authorization server still takes this refresh token (it rotates: a taken one
  // is used up, so only ask about tokens nobody needs any more, or after closeoutd stopped).
  long refresh_status(const std::string& refresh_token) {
    return server_
        .post_form("/token", {{"grant_type", "refresh_token"},
                              {"client_id", OAuthTestServer::kClientId},
                              {"refresh_token", refresh_token}})
        .status;
  }

  static nlohmann::json outbox_entry(const Scenario& s, const std::string& number) {
    for (const auto& e : s.ctl_json({"outbox", "--json"}))
      if (e.value("dispatch_number", "") == number) return e;
    return nullptr;
  }

  OAuthTestServer server_;
};

TEST_F(OAuthDaemon, KeepsProcessingOverOneIdleSessionForSeveralTokenLifetimes) {
  Scenario s("oauth-idle");
  configure(s);
  server_.control("set", {{"access_lifetime", 5}});
  auto first = sign_in(s, s.dispatch_box());
  auto refreshes_before = server_.stats()["refresh_requests"].get<int>();
  Daemon d(s);
  d.start();
  auto started = std::chrono::steady_clock::now();
  for (int i = 1; i <= 4; ++i) {
    s.deliver(dispatch("701234800" + std::to_string(i)));
    ASSERT_EQ(s.wait_for(s.techs(), static_cast<std::size_t>(i), 15s).size(),
              static_cast<std::size_t>(i))
        << "dispatch " << i << " gets its notice\n"
        << slurp(log(s));
    std::this_thread::sleep_until(started + std::chrono::seconds(5 * i));
  }
  ASSERT_TRUE(d.running());
  auto stats = server_.stats();
  EXPECT_GE(stats["refresh_requests"].get<int>() - refreshes_before, 3)
      << "refreshed on its own across four 5-second lifetimes";
  EXPECT_EQ(stats["concurrent_max"], 1);
  auto text = slurp(log(s));
  EXPECT_EQ(count_of(text, "waiting with IDLE"), 1U) << "one IMAP session throughout\n" << text;
  EXPECT_FALSE(has(text, "reconnecting")) << text;
  auto report = s.ctl_json({"report", "--json"});
  EXPECT_EQ(report["oauth"]["state"], "signed_in") << report.dump(2);
  EXPECT_EQ(report["oauth"]["needs_login"], false);
  EXPECT_EQ(d.stop(), 0) << slurp(log(s));
  auto now = stored(s);
  EXPECT_FALSE(now.refresh_token == first.refresh_token) << "rotated, and the new one saved";
  EXPECT_FALSE(has(text, first.access_token) || has(text, first.refresh_token) ||
               has(text, now.refresh_token))
      << "no token in the log";
}

TEST_F(OAuthDaemon, AConnectionLostAfterTheTokenExpiredLogsInAgainWithAFreshOne) {
  // Microsoft ends an IMAP session when its token expires; here Dovecot restarts instead. The
  // token of the first login is long dead by then: the new session must ask for a fresh one.
  Scenario s("oauth-relogin");
  configure(s);
  server_.control("set", {{"access_lifetime", 3}});
  auto first = sign_in(s, s.dispatch_box());
  Daemon d(s);
  d.start();
  s.deliver(dispatch("7012348001"));
  ASSERT_EQ(s.wait_for(s.techs(), 1, 15s).size(), 1U) << slurp(log(s));
  std::this_thread::sleep_until(Clock::now() + 1s +
                                (first.access_expires_at - Clock::now()));  // first one expired
  stack().imap_stop();
  stack().imap_start();
  s.deliver(dispatch("7012348002"));
  EXPECT_EQ(s.wait_for(s.techs(), 2, 20s).size(), 2U) << slurp(log(s));
  auto text = slurp(log(s));
  EXPECT_EQ(count_of(text, "waiting with IDLE"), 2U) << "logged in again once\n" << text;
  EXPECT_FALSE(has(text, "refused the OAuth token")) << text;
  EXPECT_EQ(d.stop(), 0);
}

TEST_F(OAuthDaemon, RotatedRefreshTokenIsSavedAndTheOldOneIsRefused) {
  Scenario s("oauth-rotate");
  configure(s);
  auto first = sign_in(s, s.dispatch_box());
  first.access_expires_at = Clock::now() - 1min;  // a login must refresh first
  oauth::save_token_store(store(s), first);
  s.deliver(dispatch("7012348101"));
  auto r = s.once();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(s.messages(s.techs()).size(), 1U);
  auto now = stored(s);
  EXPECT_FALSE(now.refresh_token == first.refresh_token);
  EXPECT_FALSE(now.access_token == first.access_token);
  EXPECT_GT(now.access_expires_at, Clock::now() + 30min);
  EXPECT_EQ(refresh_status(first.refresh_token), 400) << "the old refresh token is dead";
  EXPECT_EQ(refresh_status(now.refresh_token), 200) << "the stored one is the live one";
}

TEST_F(OAuthDaemon, RevokedSignInWaitsKeepsQueuedMailAndResumesAfterANewLogin) {
  Scenario s("oauth-revoked");
  configure(s);
  server_.control("set", {{"access_lifetime", 4}});
  sign_in(s, s.dispatch_box());
  Daemon d(s);
  d.start();
  s.deliver(dispatch("7012348201"));
  ASSERT_EQ(s.wait_for(s.techs(), 1, 15s).size(), 1U) << slurp(log(s));

  server_.control("revoke");
  ASSERT_TRUE(within(15s, [&] { return stored(s).needs_login; }))
      << "invalid_grant is recorded in the store\n"
      << slurp(log(s));
  EXPECT_TRUE(has(stored(s).last_error, "revoked")) << stored(s).last_error;
  auto report = s.ctl_json({"report", "--json"});
  EXPECT_EQ(report["oauth"]["state"], "needs_login") << report.dump(2);
  EXPECT_EQ(report["oauth"]["needs_login"], true);
  EXPECT_TRUE(has(report["oauth"]["message"].get<std::string>(),
                  "closeoutctl --config " + s.config_path() + " oauth login"))
      << report.dump(2);
  EXPECT_TRUE(within(5s, [&] {
    return has(d.notifications(),
               "sign-in needed: run closeoutctl --config " + s.config_path() + " oauth login");
  })) << d.notifications();
  auto text = s.ctl({"report"}).out;
  EXPECT_TRUE(has(text, "SIGN-IN NEEDED")) << text;

  // Mail keeps coming meanwhile: its notice waits in the outbox, never tried, never failed.
  s.deliver(dispatch("7012348202"));
  ASSERT_TRUE(within(15s, [&] { return !outbox_entry(s, "7012348202").is_null(); }))
      << slurp(log(s));
  std::this_thread::sleep_for(3s);
  auto waiting = outbox_entry(s, "7012348202");
  EXPECT_EQ(waiting["status"], "pending") << waiting.dump();
  EXPECT_EQ(waiting["attempts"], 0) << "not an attempt: nothing was sent without a sign-in";
  EXPECT_EQ(s.messages(s.techs()).size(), 1U);

  sign_in(s, s.dispatch_box());  // the admin runs closeoutctl oauth login
  EXPECT_EQ(s.wait_for(s.techs(), 2, 20s).size(), 2U)
      << "the waiting notice goes out after the new login\n"
      << slurp(log(s));
  EXPECT_TRUE(d.running()) << "no restart";
  EXPECT_FALSE(stored(s).needs_login);
  EXPECT_EQ(s.ctl_json({"report", "--json"})["oauth"]["state"], "signed_in");
  EXPECT_EQ(d.stop(), 0) << slurp(log(s));
}

TEST_F(OAuthDaemon, AdminsAreMailedOnceWhenTheSignInIsLostAndSmtpCanStillSend) {
  Scenario s("oauth-admins");
  configure(s, /*smtp_oauth=*/false);  // IMAP signs in; SMTP keeps its password
  server_.control("set", {{"access_lifetime", 4}});
  sign_in(s, s.dispatch_box());
  {
    Daemon d(s);
    d.start();
    std::this_thread::sleep_for(1s);
    server_.control("revoke");
    auto mails = s.wait_for(s.manager(), 1, 20s);
    ASSERT_EQ(mails.size(), 1U) << slurp(log(s));
    EXPECT_TRUE(has(header_of(mails[0], "Subject"), "sign-in needed")) << mails[0];
    EXPECT_TRUE(has(mails[0], "closeoutctl --config " + s.config_path() + " oauth login"))
        << mails[0];
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(d.stop(), 0);
  }
  Daemon again(s);  // a restart while the sign-in is still lost says nothing new
  again.start();
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(again.stop(), 0);
  EXPECT_EQ(s.messages(s.manager()).size(), 1U) << "one mail per lost sign-in";
}

TEST_F(OAuthDaemon, TokenEndpointDownBacksOffKeepsTheTokensAndRecovers) {
  Scenario s("oauth-down");
  configure(s);
  server_.control("set", {{"access_lifetime", 5}});
  sign_in(s, s.dispatch_box());
  Daemon d(s);
  d.start();
  s.deliver(dispatch("7012348301"));
  ASSERT_EQ(s.wait_for(s.techs(), 1, 15s).size(), 1U) << slurp(log(s));
  auto kept = stored(s);
  auto down_for = 10s;
  auto epoch =
      std::chrono::duration_cast<std::chrono::seconds>((Clock::now() + down_for).time_since_epoch())
          .count();
  auto before = server_.stats()["refresh_requests"].get<int>();
  server_.control("set", {{"down_until", epoch}});
  // The refresh fails, and the access token runs out: a login now has to wait.
  ASSERT_TRUE(within(10s, [&] {
    auto t = stored(s);
    return has(t.last_error, "refresh failed") && t.access_expires_at < Clock::now();
  })) << slurp(log(s));
  s.deliver(dispatch("7012348302"));
  ASSERT_TRUE(within(10s, [&] { return !outbox_entry(s, "7012348302").is_null(); }))
      << slurp(log(s));
  std::this_thread::sleep_for(1s);
  auto waiting = outbox_entry(s, "7012348302");
  EXPECT_EQ(waiting["status"], "pending") << waiting.dump();
  EXPECT_EQ(waiting["attempts"], 0) << waiting.dump();
  auto during = stored(s);
  EXPECT_FALSE(during.needs_login) << "a 503 is not a lost sign-in";
  EXPECT_TRUE(during.refresh_token == kept.refresh_token) << "the tokens are kept";
  auto tries = server_.stats()["refresh_requests"].get<int>() - before;
  EXPECT_GE(tries, 1);
  EXPECT_LE(tries, 3) << "backed off, not hammering the endpoint";
  EXPECT_EQ(s.messages(s.techs()).size(), 1U);
  EXPECT_EQ(s.wait_for(s.techs(), 2, 25s).size(), 2U)
      << "once the endpoint answers, the waiting notice goes out\n"
      << slurp(log(s));
  auto after = stored(s);
  EXPECT_TRUE(after.last_error.empty()) << after.last_error << "\n" << slurp(log(s));
  EXPECT_GT(after.last_refresh_at, during.last_refresh_at) << "refreshed again after the outage";
  EXPECT_TRUE(d.running());
  EXPECT_EQ(d.stop(), 0);
}

TEST_F(OAuthDaemon, ImapAndSmtpNeedingATokenAtOnceShareOneRefresh) {
  Scenario s("oauth-together");
  // First a notice that could not be sent (SMTP on a closed port), so that at the next start
  // the outbox and IMAP both need a token at once.
  configure(s, true, /*smtp_port=*/1);
  sign_in(s, s.dispatch_box());
  s.deliver(dispatch("7012348401"));
  auto first = s.once();
  ASSERT_NE(first.exit_code, 0);
  auto waiting = outbox_entry(s, "7012348401");
  ASSERT_FALSE(waiting.is_null());
  ASSERT_EQ(s.ctl({"retry", std::to_string(waiting["id"].get<long>())}).exit_code, 0);

  configure(s);
  auto t = stored(s);
  t.access_expires_at = Clock::now() - 1min;  // both must refresh before they can log in
  oauth::save_token_store(store(s), t);
  server_.control("set", {{"delay", 2}});  // a slow token endpoint: the two surely overlap
  s.deliver(dispatch("7012348402"));
  auto before = server_.stats();
  Daemon d(s);
  d.start();
  EXPECT_EQ(s.wait_for(s.techs(), 2, 25s).size(), 2U) << slurp(log(s));
  auto after = server_.stats();
  EXPECT_EQ(after["refresh_requests"].get<int>() - before["refresh_requests"].get<int>(), 1)
      << "one refresh served IMAP and SMTP\n"
      << slurp(log(s));
  EXPECT_EQ(after["concurrent_max"], 1);
  EXPECT_FALSE(stored(s).needs_login);
  EXPECT_EQ(d.stop(), 0);
}

TEST_F(OAuthDaemon, ATokenForAnotherUserIsNamedAndNothingIsTouched) {
  Scenario s("oauth-wronguser");
  configure(s);
  sign_in(s, s.manager());  // signed in as someone else than the mailbox
  s.deliver(dispatch("7012348501"));
  auto r = s.once();
  auto said = slurp(log(s));
  EXPECT_EQ(r.exit_code, 78) << said;
  EXPECT_TRUE(has(said, "the token is for " + s.manager() + ", the mailbox is " + s.dispatch_box()))
      << said;
  EXPECT_EQ(s.messages(s.dispatch_box()).size(), 1U) << "the dispatch stays in the mailbox";
  auto check = s.ctl({"check-config"});
  EXPECT_EQ(check.exit_code, 78) << check.err;
  EXPECT_TRUE(has(check.err, "the token is for " + s.manager())) << check.err;
}

TEST_F(OAuthDaemon, CheckConfigLogsInWithTheStoredTokenOrSaysWhatToRun) {
  Scenario s("oauth-check");
  configure(s);
  auto none = s.ctl({"check-config"});
  EXPECT_EQ(none.exit_code, 78) << none.err;
  EXPECT_TRUE(has(none.err, "closeoutctl --config " + s.config_path() + " oauth login"))
      << none.err;
  auto t = sign_in(s, s.dispatch_box());
  auto good = s.ctl({"check-config"});
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_TRUE(has(good.out, "OAuth   signed in as " + s.dispatch_box())) << good.out;
  EXPECT_TRUE(has(good.out, "IMAP    ")) << good.out;
  t.needs_login = true;
  t.last_error = "the sign-in is no longer valid (AADSTS70008)";
  oauth::save_token_store(store(s), t);
  auto lost = s.ctl({"check-config"});
  EXPECT_EQ(lost.exit_code, 78);
  EXPECT_TRUE(has(lost.err, "AADSTS70008")) << lost.err;
  EXPECT_TRUE(has(lost.err, "oauth login")) << lost.err;
  EXPECT_FALSE(has(good.out + good.err + lost.err, t.access_token)) << "no token printed";
}

}  // namespace
}  // namespace closeout::testing
