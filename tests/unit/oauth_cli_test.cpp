// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutctl's OAuth commands and check-config for auth = "oauth2", where no authorization
// server is needed (issue 12): not signed in and needs-login are 78 with the command to run, a
// loose token store is refused with the chmod, Google's device flow is refused with why.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "token_store.h"

namespace {

namespace fs = std::filesystem;

struct CtlRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class OAuthCli : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("closeoutctl-oauth-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    store_ = (dir_ / "oauth-tokens.json").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  CtlRun run(const std::string& args) {
    std::string cmd = std::string(CLOSEOUTCTL_PATH) + " " + args + " </dev/null >" +
                      (dir_ / "stdout").string() + " 2>" + (dir_ / "stderr").string();
    int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir_ / "stdout"), slurp(dir_ / "stderr")};
  }

  // Both sections sign in with the built-in OAuth; no password files anywhere.
  std::string config(const std::string& oauth) {
    const std::string path = (dir_ / "closeoutd.toml").string();
    std::ofstream(path, std::ios::trunc)
        << "[imap]\nurl = \"imaps://127.0.0.1:1/INBOX\"\nusername = \"desk@dealer.example\"\n"
           "auth = \"oauth2\"\n[smtp]\nurl = \"smtp://127.0.0.1:1\"\n"
           "username = \"desk@dealer.example\"\nauth = \"oauth2\"\n"
           "from = \"Service <desk@dealer.example>\"\n[store]\npath = \""
        << (dir_ / "closeoutd.db").string() << "\"\n[oauth]\n"
        << oauth;
    return path;
  }

  void signed_in(bool needs_login) {
    closeout::oauth::TokenSet t;
    t.provider = "microsoft";
    t.username = "desk@dealer.example";
    t.access_token = "SECRET-AT";
    t.refresh_token = "SECRET-RT";
    t.access_obtained_at = std::chrono::system_clock::now();
    t.access_expires_at = t.access_obtained_at + std::chrono::hours(1);
    t.refresh_obtained_at = t.access_obtained_at;
    t.needs_login = needs_login;
    if (needs_login) t.last_error = "the refresh token has expired or was revoked (AADSTS70008)";
    closeout::oauth::save_token_store(store_, t);
  }

  fs::path dir_;
  std::string store_;
};

TEST_F(OAuthCli, CheckConfigOfflineNotSignedInIs78WithTheCommand) {
  std::string cfg = config("client_id = \"c\"\n");
  CtlRun r = run("--config " + cfg + " check-config --offline");
  EXPECT_EQ(r.status, 78) << r.out << r.err;
  EXPECT_EQ(r.err, "closeoutctl: OAuth: not signed in yet: run closeoutctl --config " + cfg +
                       " oauth login\n");
  EXPECT_NE(r.out.find("OAuth   " + store_ + ": not signed in\n"), std::string::npos) << r.out;
}

TEST_F(OAuthCli, CheckConfigOfflineNeedsLoginIs78WithWhyAndTheCommand) {
  std::string cfg = config("client_id = \"c\"\n");
  signed_in(true);
  CtlRun r = run("--config " + cfg + " check-config --offline");
  EXPECT_EQ(r.status, 78) << r.out << r.err;
  EXPECT_EQ(r.err,
            "closeoutctl: OAuth: sign-in needed: the refresh token has expired or was revoked "
            "(AADSTS70008): run closeoutctl --config " +
                cfg + " oauth login\n");
  EXPECT_EQ((r.out + r.err).find("SECRET"), std::string::npos);
}

TEST_F(OAuthCli, CheckConfigOfflineSignedInPasses) {
  std::string cfg = config("client_id = \"c\"\n");
  signed_in(false);
  CtlRun r = run("--config " + cfg + " check-config --offline");
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("OAuth   microsoft: token store " + store_ +
                       " (signed in as desk@dealer.example)"),
            std::string::npos)
      << r.out;
  EXPECT_EQ((r.out + r.err).find("SECRET"), std::string::npos);
}

TEST_F(OAuthCli, CheckConfigOfflineNamesAMissingClientId) {
  std::string cfg = config("");
  CtlRun r = run("--config " + cfg + " check-config --offline");
  EXPECT_EQ(r.status, 78);
  EXPECT_NE(r.err.find(cfg + ": oauth.client_id: missing"), std::string::npos) << r.err;
}

TEST_F(OAuthCli, CheckConfigOfflineReadsTheClientSecretFile) {
  std::string missing = (dir_ / "google.secret").string();
  std::string cfg = config("provider = \"google\"\nclient_id = \"g\"\nclient_secret_file = \"" +
                           missing + "\"\n");
  signed_in(false);
  CtlRun r = run("--config " + cfg + " check-config --offline");
  EXPECT_EQ(r.status, 78) << r.out;
  EXPECT_EQ(r.err,
            "closeoutctl: " + cfg + ": oauth.client_secret_file: cannot read " + missing + "\n");
}

TEST_F(OAuthCli, ALooseTokenStoreIsRefusedWithTheChmod) {
  std::string cfg = config("client_id = \"c\"\n");
  signed_in(false);
  ::chmod(store_.c_str(), 0644);
  CtlRun status = run("--config " + cfg + " oauth status");
  EXPECT_EQ(status.status, 78);
  EXPECT_EQ(status.err,
            "closeoutctl: " + store_ + ": mode 0644, must be 0600 (chmod 600 " + store_ + ")\n");
  CtlRun check = run("--config " + cfg + " check-config --offline");
  EXPECT_EQ(check.status, 78);
  EXPECT_NE(check.err.find("must be 0600 (chmod 600 " + store_ + ")"), std::string::npos);
  EXPECT_EQ((status.out + status.err + check.out + check.err).find("SECRET"), std::string::npos);
}

TEST_F(OAuthCli, GoogleDeviceLoginIsRefusedWithWhy) {
  std::string cfg = config("provider = \"google\"\nclient_id = \"g\"\n");
  CtlRun r = run("--config " + cfg + " oauth login --device --json");
  EXPECT_EQ(r.status, 78) << r.err;
  auto last = nlohmann::json::parse(r.out);
  EXPECT_EQ(last["status"], "error");
  EXPECT_EQ(last["message"],
            "Google refuses the device sign-in for Gmail's scope (https://mail.google.com/); use "
            "closeoutctl --config " +
                cfg + " oauth login --browser");
  EXPECT_FALSE(fs::exists(store_));
}

TEST_F(OAuthCli, DeviceAndBrowserTogetherIsAUsageError) {
  std::string cfg = config("client_id = \"c\"\n");
  EXPECT_EQ(run("--config " + cfg + " oauth login --device --browser").status, 64);
  EXPECT_EQ(run("--config " + cfg + " oauth").status, 64);
}

TEST_F(OAuthCli, LoginRefusesAConfigurationThatCannotSignInBeforeAskingAnyone) {
  std::string cfg = config("client_id = \"c\"\ntoken_endpoint = \"http://login.example/token\"\n");
  CtlRun r = run("--config " + cfg + " oauth login --json");
  EXPECT_EQ(r.status, 78);
  auto last = nlohmann::json::parse(r.out);
  EXPECT_EQ(last["status"], "error");
  EXPECT_NE(last["message"].get<std::string>().find(
                "oauth.token_endpoint: \"http://login.example/token\" must be an https:// URL"),
            std::string::npos)
      << r.out;
}

TEST_F(OAuthCli, LoginRefusesAStoreDirectoryItCannotWrite) {
  std::string cfg = config("client_id = \"c\"\ntoken_store = \"" +
                           (dir_ / "no" / "such" / "t.json").string() + "\"\n");
  CtlRun r = run("--config " + cfg + " oauth login");
  EXPECT_EQ(r.status, 78);
  EXPECT_NE(r.err.find("oauth.token_store: the directory " + (dir_ / "no" / "such").string() +
                       " does not exist or cannot be written"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;  // nobody was told to go and sign in
}

TEST_F(OAuthCli, StatusTextOfASignInThatNeedsALogin) {
  std::string cfg = config("client_id = \"c\"\n");
  signed_in(true);
  CtlRun r = run("--config " + cfg + " oauth status");
  EXPECT_EQ(r.status, 78);
  EXPECT_EQ(r.out.rfind("Sign-in needed: the refresh token has expired or was revoked "
                        "(AADSTS70008)\n  run closeoutctl --config " +
                            cfg + " oauth login\n",
                        0),
            0u)
      << r.out;
  CtlRun j = run("--config " + cfg + " oauth status --json");
  EXPECT_EQ(j.status, 78);
  auto s = nlohmann::json::parse(j.out);
  EXPECT_EQ(s["needs_login"], true);
  EXPECT_EQ(s["last_error"], "the refresh token has expired or was revoked (AADSTS70008)");
  EXPECT_EQ((r.out + j.out).find("SECRET"), std::string::npos);
}

}  // namespace
