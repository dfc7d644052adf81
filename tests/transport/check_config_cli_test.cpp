// SPDX-License-Identifier: GPL-3.0-or-later
// `closeoutctl check-config` as an admin runs it, against the real local mail stack: the report,
// the exit codes of SPEC "Commands", and no password anywhere in what it prints.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>

#include "fake_server.h"
#include "mail_stack.h"

namespace closeout::testing {
namespace {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

Outcome check_config(const std::map<std::string, std::string>& changes, bool offline = false) {
  const auto& s = stack();
  std::map<std::string, std::string> imap = {
      {"url", "\"imaps://127.0.0.1:" + std::to_string(s.imaps_port) + "/INBOX\""},
      {"username", "\"dispatch@dealer.test\""},
      {"password_file", "\"" + s.password_file + "\""},
      {"ca_file", "\"" + s.ca_file + "\""}};
  std::map<std::string, std::string> smtp = {
      {"url", "\"smtp://127.0.0.1:" + std::to_string(s.smtp_port) + "\""},
      {"username", "\"service@dealer.test\""},
      {"password_file", "\"" + s.password_file + "\""},
      {"ca_file", "\"" + s.ca_file + "\""},
      {"from", "\"Acme Service <service@dealer.test>\""}};
  for (const auto& [key, value] : changes) {
    auto dot = key.find('.');
    (key.substr(0, dot) == "imap" ? imap : smtp)[key.substr(dot + 1)] = value;
  }
  std::string path = s.dir + "/check.toml";
  {
    std::ofstream f(path);
    f << "[imap]\n";
    for (const auto& [k, v] : imap) f << k << " = " << v << "\n";
    f << "[smtp]\n";
    for (const auto& [k, v] : smtp) f << k << " = " << v << "\n";
    f << "[cits]\ncloseout_address = \"closeout@closeout.test\"\n";
  }
  std::string command = std::string(CLOSEOUTCTL_PATH) + " --config " + path + " check-config" +
                        (offline ? " --offline" : "") + " >" + s.dir + "/out 2>" + s.dir + "/err";
  int status = std::system(command.c_str());
  Outcome o;
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  auto slurp = [](const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  o.out = slurp(s.dir + "/out");
  o.err = slurp(s.dir + "/err");
  EXPECT_EQ(o.out.find(s.password), std::string::npos) << "password printed";
  EXPECT_EQ(o.err.find(s.password), std::string::npos) << "password printed";
  return o;
}

TEST(CheckConfig, AllGoodReportsWhatItFound) {
  auto o = check_config({});
  EXPECT_EQ(o.exit_code, 0) << o.out << o.err;
  EXPECT_NE(o.out.find("logged in as dispatch@dealer.test over TLS"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("IDLE"), std::string::npos);
  EXPECT_NE(o.out.find("folder Quarantine"), std::string::npos);
  EXPECT_NE(o.out.find("logged in as service@dealer.test over STARTTLS"), std::string::npos);
  EXPECT_NE(o.out.find("8BITMIME"), std::string::npos);
  EXPECT_NE(o.out.find("result: all good"), std::string::npos);
  EXPECT_TRUE(o.err.empty()) << o.err;
}

TEST(CheckConfig, StartTlsOnThePlainImapPortWorksToo) {
  auto o = check_config(
      {{"imap.url", "\"imap://127.0.0.1:" + std::to_string(stack().imap_port) + "/INBOX\""}});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("over STARTTLS"), std::string::npos);
}

TEST(CheckConfig, RefusedPasswordIsAConfigurationError) {
  std::string wrong = stack().dir + "/wrong.pass";
  std::ofstream(wrong) << "not-the-password\n";
  auto o = check_config({{"imap.password_file", "\"" + wrong + "\""}});
  EXPECT_EQ(o.exit_code, 78);
  EXPECT_NE(o.err.find("refused the login for dispatch@dealer.test"), std::string::npos) << o.err;
  EXPECT_EQ(o.out.find("not-the-password"), std::string::npos);
  EXPECT_EQ(o.err.find("not-the-password"), std::string::npos);
}

TEST(CheckConfig, ClosedPortIsUnavailable) {
  int port;
  {
    FakeServer gone(FakeServer::Mode::silent);
    port = gone.port();
  }
  auto o = check_config({{"smtp.url", "\"smtp://127.0.0.1:" + std::to_string(port) + "\""}});
  EXPECT_EQ(o.exit_code, 69);
  EXPECT_NE(o.err.find("cannot connect"), std::string::npos) << o.err;
}

TEST(CheckConfig, UntrustedCertificateSaysWhatToSet) {
  auto o = check_config({{"imap.ca_file", "\"\""}});
  EXPECT_EQ(o.exit_code, 69);
  EXPECT_NE(o.err.find("certificate not trusted"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("set imap.ca_file"), std::string::npos) << o.err;
  auto unverified = check_config({{"imap.ca_file", "\"\""}, {"imap.tls_verify", "false"}});
  EXPECT_EQ(unverified.exit_code, 0) << unverified.err;
}

TEST(CheckConfig, MissingPasswordFileAndBadTypesAreConfigurationErrors) {
  auto missing = check_config({{"smtp.password_file", "\"/nonexistent/smtp.pass\""}}, true);
  EXPECT_EQ(missing.exit_code, 78);
  EXPECT_NE(missing.err.find("smtp.password_file: cannot read /nonexistent/smtp.pass"),
            std::string::npos)
      << missing.err;
  auto typed = check_config({{"imap.tls_verify", "\"yes\""}}, true);
  EXPECT_EQ(typed.exit_code, 78);
  EXPECT_NE(typed.err.find("imap.tls_verify"), std::string::npos) << typed.err;
}

TEST(CheckConfig, OfflineContactsNoServer) {
  auto o = check_config({{"imap.url", "\"imaps://127.0.0.1:1/INBOX\""}}, true);
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("offline"), std::string::npos);
}

}  // namespace
}  // namespace closeout::testing
