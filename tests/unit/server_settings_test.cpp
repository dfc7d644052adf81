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

}  // namespace
}  // namespace closeout::transport
