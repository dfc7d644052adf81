// SPDX-License-Identifier: GPL-3.0-or-later
// The TokenManager's decisions that need no authorization server: what a login gets from the
// token store as it is (not signed in, sign-in needed, a usable token, a loose file), a failed
// refresh keeping the tokens, and a new `oauth login` picked up while running, by a caller or by
// the timer alone. The token endpoint is a closed port: reaching it can only fail.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "asio_awaitable.h"
#include "curl_multi.h"
#include "token_manager.h"
#include "token_store.h"

namespace closeout::oauth {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class TokenManagerDecisions : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/closeoutd-tokens.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/oauth-tokens.json";
    endpoints_.provider = "custom";
    endpoints_.client_id = "closeoutd-test";
    endpoints_.token = "https://127.0.0.1:1/token";  // nothing listens: a refresh cannot work
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static TokenSet signed_in(Clock::duration life_left, Clock::duration life = 1h) {
    auto now = Clock::now();
    TokenSet t;
    t.provider = "custom";
    t.username = "dispatch@dealer.test";
    t.scopes = {"mail", "offline_access"};
    t.access_token = "access-token-1";
    t.refresh_token = "refresh-token-1";
    t.access_expires_at = now + life_left;
    t.access_obtained_at = t.access_expires_at - life;
    t.refresh_obtained_at = now - 24h;
    t.last_refresh_at = now - 1h;
    return t;
  }

  std::unique_ptr<TokenManager> manager() {
    auto m = std::make_unique<TokenManager>(io_, multi_, endpoints_, path_);
    m->login_command = "closeoutctl --config /etc/closeoutd/closeoutd.toml oauth login";
    return m;
  }

  AccessToken ask(TokenManager& m) { return transport::run_to_completion(io_, m.access_token()); }

  std::int64_t mtime_ns() const {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) return -1;
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  }

  boost::asio::io_context io_;
  transport::CurlMulti multi_{io_};
  OAuthEndpoints endpoints_;
  std::string dir_;
  std::string path_;
};

TEST_F(TokenManagerDecisions, NoStoreMeansNotSignedInAndSaysWhatToRun) {
  auto m = manager();
  auto token = ask(*m);
  EXPECT_EQ(token.state, TokenState::not_signed_in);
  EXPECT_TRUE(token.token.empty());
  EXPECT_TRUE(has(token.message, "closeoutctl --config /etc/closeoutd/closeoutd.toml oauth login"))
      << token.message;
}

TEST_F(TokenManagerDecisions, UsableTokenIsHandedOutAsStoredWithoutTouchingTheStore) {
  auto stored = signed_in(50min);
  save_token_store(path_, stored);
  auto before = mtime_ns();
  auto m = manager();
  auto token = ask(*m);
  EXPECT_EQ(token.state, TokenState::usable);
  EXPECT_TRUE(token.token == stored.access_token) << "the stored access token, unchanged";
  EXPECT_EQ(token.username, "dispatch@dealer.test");
  EXPECT_TRUE(token.message.empty()) << token.message;
  EXPECT_EQ(mtime_ns(), before) << "no refresh, nothing written";
}

TEST_F(TokenManagerDecisions, NeedsLoginInTheStoreIsReportedAndNeverRefreshed) {
  auto stored = signed_in(-1h);
  stored.needs_login = true;
  stored.last_error = "the sign-in is no longer valid (AADSTS70008)";
  save_token_store(path_, stored);
  auto before = mtime_ns();
  auto m = manager();
  std::vector<TokenState> told;
  m->on_state_change = [&](TokenState s, const std::string&) { told.push_back(s); };
  auto token = ask(*m);
  EXPECT_EQ(token.state, TokenState::needs_login);
  EXPECT_TRUE(token.token.empty());
  EXPECT_TRUE(has(token.message, "AADSTS70008")) << token.message;
  EXPECT_TRUE(has(token.message, "oauth login")) << token.message;
  EXPECT_EQ(told, std::vector<TokenState>{TokenState::needs_login});
  EXPECT_EQ(mtime_ns(), before) << "no refresh was tried";
}

TEST_F(TokenManagerDecisions, FailedRefreshKeepsTheTokensAndBacksOff) {
  auto stored = signed_in(-5min);  // expired: a login needs a refresh first
  save_token_store(path_, stored);
  auto m = manager();
  auto first = ask(*m);
  EXPECT_EQ(first.state, TokenState::refreshing_failed);
  EXPECT_TRUE(first.token.empty());
  EXPECT_TRUE(has(first.message, "next try at")) << first.message;
  auto after = load_token_store(path_);
  ASSERT_TRUE(after.has_value());
  EXPECT_TRUE(after->refresh_token == stored.refresh_token) << "the refresh token is kept";
  EXPECT_FALSE(after->needs_login) << "a network error is not a lost sign-in";
  EXPECT_TRUE(has(after->last_error, "refresh failed")) << after->last_error;
  // Asked again at once: the back-off holds, no second attempt (the same retry time).
  auto written = mtime_ns();
  auto second = ask(*m);
  EXPECT_EQ(second.state, TokenState::refreshing_failed);
  EXPECT_EQ(second.message, first.message);
  EXPECT_EQ(mtime_ns(), written);
}

TEST_F(TokenManagerDecisions, ANewLoginWhileRunningClearsNeedsLoginWithoutARestart) {
  auto lost = signed_in(-1h);
  lost.needs_login = true;
  lost.last_error = "the sign-in is no longer valid";
  save_token_store(path_, lost);
  auto m = manager();
  std::vector<TokenState> told;
  m->on_state_change = [&](TokenState s, const std::string&) { told.push_back(s); };
  EXPECT_EQ(ask(*m).state, TokenState::needs_login);
  auto fresh = signed_in(55min);
  fresh.access_token = "access-token-2";
  save_token_store(path_, fresh);  // what `closeoutctl oauth login` does: a new file
  auto token = ask(*m);
  EXPECT_EQ(token.state, TokenState::usable);
  EXPECT_TRUE(token.token == fresh.access_token);
  EXPECT_EQ(told, (std::vector<TokenState>{TokenState::needs_login, TokenState::usable}));
}

TEST_F(TokenManagerDecisions, TheTimerAloneNoticesANewLogin) {
  auto lost = signed_in(-1h);
  lost.needs_login = true;
  save_token_store(path_, lost);
  auto m = manager();
  m->store_check_interval = 100ms;
  std::vector<TokenState> told;
  m->on_state_change = [&](TokenState s, const std::string&) { told.push_back(s); };
  m->start();
  io_.run_for(300ms);
  ASSERT_EQ(told, std::vector<TokenState>{TokenState::needs_login});
  save_token_store(path_, signed_in(55min));
  io_.run_for(500ms);
  m->stop();
  io_.run_for(50ms);
  EXPECT_EQ(told, (std::vector<TokenState>{TokenState::needs_login, TokenState::usable}))
      << "intake resumes on this call, with nobody asking for a token";
}

TEST_F(TokenManagerDecisions, AStoreReadableByOthersIsNotUsed) {
  save_token_store(path_, signed_in(50min));
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  auto m = manager();
  auto token = ask(*m);
  EXPECT_EQ(token.state, TokenState::not_signed_in);
  EXPECT_TRUE(token.token.empty());
  EXPECT_TRUE(has(token.message, "0600")) << token.message;
}

TEST_F(TokenManagerDecisions, ASecondsLongTokenIsUsableForItsLastFifth) {
  // Test servers issue tokens of a few seconds; a fresh one must be usable, not refreshed again
  // at every login because it has less than a minute left.
  save_token_store(path_, signed_in(8s, 10s));
  auto m = manager();
  EXPECT_EQ(ask(*m).state, TokenState::usable);
  save_token_store(path_, signed_in(1s, 10s));  // under a fifth left: refresh first
  EXPECT_EQ(ask(*m).state, TokenState::refreshing_failed);
}

}  // namespace
}  // namespace closeout::oauth
