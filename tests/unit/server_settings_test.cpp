// SPDX-License-Identifier: GPL-3.0-or-later
// Reading a server's secret: password files, systemd credentials, and OAuth tokens that a helper
// rewrites while the daemon runs.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "server_settings.h"

namespace closeout::transport {
namespace {

class ServerSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/closeoutd-settings.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  MailServerConfig xoauth2() {
    MailServerConfig c;
    c.url = "imaps://outlook.office365.com/INBOX";
    c.username = "dispatch@dealer.test";
    c.auth = "xoauth2";
    c.token_file = dir_ + "/imap.token";
    return c;
  }
  std::string dir_;
};

TEST_F(ServerSettingsTest, ATokenRewrittenByItsHelperIsUsedForTheNextLogin) {
  write("imap.token", "first-token\n");
  auto settings = server_settings(xoauth2(), "imap");
  EXPECT_EQ(settings.secret, "first-token");
  write("imap.token", "second-token\n");
  EXPECT_FALSE(refresh_token(settings).has_value());
  EXPECT_EQ(settings.secret, "second-token");
}

TEST_F(ServerSettingsTest, ATokenFileGoneKeepsTheLastTokenAndSaysWhichFile) {
  write("imap.token", "first-token\n");
  auto settings = server_settings(xoauth2(), "imap");
  std::filesystem::remove(dir_ + "/imap.token");
  auto error = refresh_token(settings);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("imap.token_file"), std::string::npos) << *error;
  EXPECT_NE(error->find(dir_ + "/imap.token"), std::string::npos) << *error;
  EXPECT_EQ(settings.secret, "first-token");
}

TEST_F(ServerSettingsTest, APasswordIsReadOnceNotAgainPerLogin) {
  write("imap.pass", "s3cret\n");
  MailServerConfig c = xoauth2();
  c.auth = "password";
  c.password_file = dir_ + "/imap.pass";
  auto settings = server_settings(c, "imap");
  write("imap.pass", "changed\n");
  EXPECT_FALSE(refresh_token(settings).has_value());
  EXPECT_EQ(settings.secret, "s3cret") << "a new password takes a reload (SIGHUP)";
}

TEST_F(ServerSettingsTest, ACredentialNameIsLookedUpInTheCredentialsDirectory) {
  write("smtp.pass", "from-systemd\n");
  setenv("CREDENTIALS_DIRECTORY", dir_.c_str(), 1);
  EXPECT_EQ(read_secret_file("smtp.pass", "smtp.password_file"), "from-systemd");
  unsetenv("CREDENTIALS_DIRECTORY");
}

// starttls = "none" sends the password in clear: only to a server on this machine. A name that
// merely starts with "127." is anyone's host.
TEST_F(ServerSettingsTest, ClearTextIsAllowedOnlyToALoopbackAddress) {
  write("imap.pass", "s3cret\n");
  auto clear_text_to = [&](const std::string& host) {
    MailServerConfig c;
    c.url = "imap://" + host + "/INBOX";
    c.username = "dispatch@dealer.test";
    c.starttls = "none";
    c.password_file = dir_ + "/imap.pass";
    return c;
  };
  for (const char* host : {"127.0.0.1", "127.0.0.1:1143", "127.1.2.3", "127.255.255.254:143",
                           "localhost", "LOCALHOST:143", "[::1]", "[::1]:1143"}) {
    EXPECT_NO_THROW((void)server_settings(clear_text_to(host), "imap")) << host;
  }
  for (const char* host : {"127.evil.example", "127.0.0.1.evil.example", "127.1", "127.0.0.256",
                           "128.0.0.1", "localhost.evil.example", "[::2]", "mail.dealer.test"}) {
    try {
      (void)server_settings(clear_text_to(host), "imap");
      ADD_FAILURE() << host << " was allowed a clear-text password";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("imap.starttls"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace closeout::transport
