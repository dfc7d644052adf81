// SPDX-License-Identifier: GPL-3.0-or-later
// `closeoutctl oauth login` against the test authorization server (tests/oauth), the test playing
// the user through its control API (issue 12): device flow (approve, slow_down, pending, denied,
// expired, unreachable), browser flow (PKCE + state, the redirect to our 127.0.0.1 listener,
// a mismatched state refused, denied), then `oauth status` and `oauth logout`. No token printed.
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "login_flows.h"
#include "mail_stack.h"
#include "oauth_provider.h"
#include "oauth_test_server.h"
#include "refresh_policy.h"
#include "token_request.h"
#include "token_store.h"

namespace closeout::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kUser = "dispatch@dealer.test";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// closeoutctl as a child process whose stdout is read line by line while it runs (the login
// prints where to go first and then waits for the user the test plays).
class Ctl {
 public:
  Ctl(const std::string& args, const std::string& err_file, const std::string& env = "")
      : err_file_(err_file) {
    // timeout: a login that never ends fails the test instead of hanging the suite.
    const std::string cmd =
        env + " timeout 60 " + std::string(CLOSEOUTCTL_PATH) + " " + args + " 2>" + err_file;
    pipe_ = ::popen(cmd.c_str(), "r");
  }
  ~Ctl() {
    if (pipe_) wait();
  }
  Ctl(const Ctl&) = delete;
  Ctl& operator=(const Ctl&) = delete;

  // The next line of stdout, without its newline; "" at the end.
  std::string line() {
    std::string out;
    char buffer[4096];
    while (pipe_ && std::fgets(buffer, sizeof buffer, pipe_)) {
      out += buffer;
      if (!out.empty() && out.back() == '\n') {
        out.pop_back();
        break;
      }
    }
    return out;
  }
  // The rest of stdout, then the exit code.
  int wait(std::string* rest = nullptr) {
    std::string all;
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe_)) all += buffer;
    int raw = ::pclose(pipe_);
    pipe_ = nullptr;
    if (rest) *rest = all;
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  }
  std::string err() const { return slurp(err_file_); }

 private:
  std::string err_file_;
  FILE* pipe_ = nullptr;
};

// The last non-empty line of a text.
std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && t.back() == '\n') t.pop_back();
  auto nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

class OAuthLogin : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new OAuthTestServer;
    if (!server_->start(stack().dir, &start_error_) && start_error_.empty())
      start_error_ = "the test authorization server did not start";
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(start_error_.empty()) << start_error_;
    server_->control("reset");
    server_->control("set", {{"interval", 1}});
    char pattern[] = "/tmp/closeoutd-oauth-login.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    store_ = dir_ + "/oauth-tokens.json";
    config_ = write_config(server_->oauth_config_toml());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write_config(const std::string& oauth) {
    const std::string path = dir_ + "/closeoutd.toml";
    std::ofstream(path, std::ios::trunc)
        << "[imap]\nurl = \"imaps://127.0.0.1:" << stack().imaps_port << "/INBOX\"\nusername = \""
        << kUser << "\"\nauth = \"oauth2\"\nca_file = \"" << stack().ca_file
        << "\"\n[smtp]\nurl = \"smtp://127.0.0.1:" << stack().smtp_port << "\"\nusername = \""
        << kUser << "\"\nauth = \"oauth2\"\nca_file = \"" << stack().ca_file
        << "\"\nfrom = \"Service <" << kUser
        << ">\"\n[cits]\ncloseout_address = \"closeout@dealer.test\"\n[store]\npath = \"" << dir_
        << "/closeoutd.db\"\n"
        << oauth;
    return path;
  }

  oauth::OAuthEndpoints endpoints() {
    return oauth::resolve_endpoints(parse_config(slurp(config_), config_));
  }

  std::string ctl_args(const std::string& rest) { return "--config " + config_ + " " + rest; }
  std::string err_file() { return dir_ + "/stderr"; }

  // What must never appear in any output: the tokens now in the store.
  void expect_no_token_in(const std::string& text) {
    auto tokens = oauth::load_token_store(store_);
    if (!tokens) return;
    EXPECT_TRUE(text.find(tokens->access_token) == std::string::npos) << "an access token shown";
    EXPECT_TRUE(text.find(tokens->refresh_token) == std::string::npos) << "a refresh token shown";
  }

  static OAuthTestServer* server_;
  static std::string start_error_;
  std::string dir_;
  std::string store_;
  std::string config_;
};

OAuthTestServer* OAuthLogin::server_ = nullptr;
std::string OAuthLogin::start_error_;

TEST_F(OAuthLogin, DeviceLoginAsTheUserDoesItStoresTokensAndStatusShowsThem) {
  Ctl ctl(ctl_args("oauth login --device --json"), err_file());
  json first = json::parse(ctl.line());
  ASSERT_TRUE(first.contains("user_code")) << first.dump();
  EXPECT_EQ(first["verification_uri"], server_->base_url() + "/verify");
  EXPECT_GT(first["expires_in"].get<int>(), 0);
  server_->control("approve", {{"user_code", first["user_code"]}, {"username", kUser}});
  std::string rest;
  int code = ctl.wait(&rest);
  json last = json::parse(last_line(rest));
  EXPECT_EQ(last["status"], "ok") << last.dump() << ctl.err();
  EXPECT_EQ(code, 0) << ctl.err();
  EXPECT_EQ(last["message"], std::string("Signed in as ") + kUser + "; tokens stored in " + store_);

  struct stat st {};
  ASSERT_EQ(::stat(store_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto tokens = oauth::load_token_store(store_);
  ASSERT_TRUE(tokens.has_value());
  EXPECT_FALSE(tokens->needs_login);
  EXPECT_EQ(tokens->last_error, "");
  EXPECT_FALSE(tokens->access_token.empty());
  EXPECT_FALSE(tokens->refresh_token.empty());
  expect_no_token_in(rest + first.dump() + ctl.err());

  Ctl status(ctl_args("oauth status --json"), err_file());
  std::string out;
  EXPECT_EQ(status.wait(&out), 0) << status.err();
  json s = json::parse(out);
  EXPECT_EQ(s["provider"], "custom");
  EXPECT_EQ(s["username"], kUser);
  EXPECT_TRUE(s["scopes"].is_array());
  EXPECT_TRUE(s["access_expires_at"].is_string());
  EXPECT_TRUE(s["refresh_obtained_at"].is_string());
  EXPECT_TRUE(s["last_refresh_at"].is_null());
  EXPECT_EQ(s["last_error"], "");
  EXPECT_EQ(s["needs_login"], false);
  expect_no_token_in(out);
}

TEST_F(OAuthLogin, DeviceLoginTextSaysWhereToGoTheCodeAndWhoSignedIn) {
  Ctl ctl(ctl_args("oauth login"), err_file());  // the device flow is custom's default
  std::string first = ctl.line();
  EXPECT_EQ(first.rfind("To sign in, open " + server_->base_url() +
                            "/verify in a browser and "
                            "enter the code ",
                        0),
            0u)
      << first;
  const std::string user_code = first.substr(first.rfind(' ') + 1);
  server_->control("approve", {{"user_code", user_code}, {"username", kUser}});
  std::string rest;
  EXPECT_EQ(ctl.wait(&rest), 0) << ctl.err();
  EXPECT_EQ(last_line(rest), std::string("Signed in as ") + kUser + "; tokens stored in " + store_);
  expect_no_token_in(first + rest + ctl.err());
}

// Without an id_token (Entra ID without the openid scope) who signed in is read from the
// access token, so a shared mailbox's delegate is not mistaken for the mailbox.
TEST_F(OAuthLogin, WhoSignedInComesFromTheAccessTokenWithoutAnIdToken) {
  server_->control("set", {{"id_token", false}});
  oauth::LoginPrompts prompts;
  prompts.show_device_code = [&](const oauth::DeviceAuthorization& d) {
    server_->control("approve", {{"user_code", d.user_code}, {"username", "delegate@dealer.test"}});
  };
  auto result = oauth::device_login(endpoints(), prompts, [](seconds) {});
  ASSERT_EQ(result.status, oauth::LoginStatus::ok) << result.message;
  EXPECT_EQ(result.tokens->username, "delegate@dealer.test");
  EXPECT_EQ(result.message, "signed in as delegate@dealer.test");
}

// The refresh request closeoutd sends: a new access token and, with rotation, a new refresh
// token; the old one is refused afterwards (invalid_grant: a new login would be needed).
TEST_F(OAuthLogin, RefreshRequestRotatesAndTheOldRefreshTokenIsRefused) {
  oauth::LoginPrompts prompts;
  prompts.show_device_code = [&](const oauth::DeviceAuthorization& d) {
    server_->control("approve", {{"user_code", d.user_code}, {"username", kUser}});
  };
  auto login = oauth::device_login(endpoints(), prompts, [](seconds) {});
  ASSERT_EQ(login.status, oauth::LoginStatus::ok) << login.message;
  const oauth::TokenSet first = *login.tokens;
  auto request = oauth::refresh_request(endpoints(), first.refresh_token);
  oauth::HttpReply reply = oauth::perform_blocking(*request);
  ASSERT_EQ(reply.transport_error, "");
  auto read = oauth::read_token_reply(reply.status, reply.body);
  ASSERT_TRUE(std::holds_alternative<oauth::TokenGrant>(read)) << reply.status;
  const auto now = std::chrono::system_clock::now();
  oauth::TokenSet second = oauth::apply_grant(first, std::get<oauth::TokenGrant>(read), now);
  EXPECT_FALSE(second.refresh_token == first.refresh_token);
  EXPECT_FALSE(second.access_token == first.access_token);
  EXPECT_EQ(second.last_refresh_at, now);
  EXPECT_EQ(server_->stats()["refresh_requests"], 1);

  auto again = oauth::refresh_request(endpoints(), first.refresh_token);
  reply = oauth::perform_blocking(*again);
  read = oauth::read_token_reply(reply.status, reply.body);
  ASSERT_TRUE(std::holds_alternative<oauth::OAuthError>(read));
  EXPECT_TRUE(oauth::needs_new_login(std::get<oauth::OAuthError>(read)));
}

// RFC 8628 3.5: slow_down adds 5 s to the interval for this and every later poll.
TEST_F(OAuthLogin, SlowDownAddsFiveSecondsFromThenOn) {
  server_->control("set", {{"slow_down", 2}});
  std::vector<seconds> sleeps;
  oauth::LoginPrompts prompts;
  prompts.show_device_code = [&](const oauth::DeviceAuthorization& d) {
    server_->control("approve", {{"user_code", d.user_code}, {"username", kUser}});
  };
  auto result = oauth::device_login(endpoints(), prompts, [&](seconds s) { sleeps.push_back(s); });
  EXPECT_EQ(result.status, oauth::LoginStatus::ok) << result.message;
  EXPECT_EQ(sleeps, (std::vector<seconds>{seconds(1), seconds(6), seconds(11)}));
  EXPECT_EQ(server_->stats()["device_polls"], 3);
}

TEST_F(OAuthLogin, PendingKeepsPollingAtTheIntervalUntilApproved) {
  std::vector<seconds> sleeps;
  std::string user_code;
  oauth::LoginPrompts prompts;
  prompts.show_device_code = [&](const oauth::DeviceAuthorization& d) { user_code = d.user_code; };
  auto result = oauth::device_login(endpoints(), prompts, [&](seconds s) {
    sleeps.push_back(s);
    if (sleeps.size() == 3)
      server_->control("approve", {{"user_code", user_code}, {"username", kUser}});
  });
  EXPECT_EQ(result.status, oauth::LoginStatus::ok) << result.message;
  EXPECT_EQ(sleeps, (std::vector<seconds>(3, seconds(1))));
  ASSERT_TRUE(result.tokens.has_value());
  EXPECT_EQ(result.tokens->username, kUser);
}

// The device code's life is kept by closeoutctl too: a server that keeps saying "pending" past
// expires_in does not keep the user waiting.
TEST_F(OAuthLogin, TheDeviceCodeExpiresByExpiresInEvenWhileTheServerSaysPending) {
  server_->control("set", {{"device_expires_in", 3}});
  std::vector<seconds> sleeps;
  auto result = oauth::device_login(endpoints(), {}, [&](seconds s) { sleeps.push_back(s); });
  EXPECT_EQ(result.status, oauth::LoginStatus::expired) << result.message;
  EXPECT_EQ(sleeps.size(), 3u);
  EXPECT_EQ(server_->stats()["device_polls"], 2);  // the third wait reached the expiry
}

TEST_F(OAuthLogin, DeclinedDeviceLoginExits77AndStoresNothing) {
  Ctl ctl(ctl_args("oauth login --device --json"), err_file());
  json first = json::parse(ctl.line());
  server_->control("deny", {{"user_code", first["user_code"]}});
  std::string rest;
  EXPECT_EQ(ctl.wait(&rest), 77) << ctl.err();
  json last = json::parse(last_line(rest));
  EXPECT_EQ(last["status"], "denied");
  EXPECT_EQ(last["message"], "the sign-in was declined at the authorization server");
  EXPECT_FALSE(fs::exists(store_));
}

TEST_F(OAuthLogin, ExpiredDeviceCodeExits75) {
  server_->control("set", {{"device_expires_in", 2}});
  Ctl ctl(ctl_args("oauth login --device --json"), err_file());
  json first = json::parse(ctl.line());
  EXPECT_EQ(first["expires_in"], 2);
  std::string rest;
  EXPECT_EQ(ctl.wait(&rest), 75) << ctl.err();
  json last = json::parse(last_line(rest));
  EXPECT_EQ(last["status"], "expired");
  EXPECT_NE(last["message"].get<std::string>().find("expired"), std::string::npos);
  EXPECT_FALSE(fs::exists(store_));
}

TEST_F(OAuthLogin, UnreachableEndpointExits69) {
  // Port 9 (discard) of loopback: nothing listens there.
  config_ = write_config(
      "[oauth]\nprovider = \"custom\"\nclient_id = \"closeoutd-test\"\n"
      "device_authorization_endpoint = \"https://127.0.0.1:9/device\"\n"
      "token_endpoint = \"https://127.0.0.1:9/token\"\nca_file = \"" +
      server_->ca_file() + "\"\n");
  Ctl ctl(ctl_args("oauth login --json"), err_file());
  std::string rest;
  EXPECT_EQ(ctl.wait(&rest), 69) << ctl.err();
  json last = json::parse(last_line(rest));
  EXPECT_EQ(last["status"], "error");
  EXPECT_NE(last["message"].get<std::string>().find("https://127.0.0.1:9/device: cannot connect"),
            std::string::npos)
      << last.dump();
  EXPECT_NE(ctl.err().find("closeoutctl: oauth login: "), std::string::npos);
}

// A client secret (Google's desktop clients have one) is read from client_secret_file and sent;
// a wrong one is a configuration problem (78) that names the keys, never the secret.
TEST_F(OAuthLogin, ClientSecretIsSentAndAWrongOneIs78) {
  server_->control("set", {{"client_secret", "GOCSPX-right"}});
  const std::string secret = dir_ + "/client.secret";
  std::ofstream(secret) << "GOCSPX-wrong\n";
  config_ =
      write_config(server_->oauth_config_toml() + "client_secret_file = \"" + secret + "\"\n");
  {
    Ctl ctl(ctl_args("oauth login --json"), err_file());
    std::string rest;
    EXPECT_EQ(ctl.wait(&rest), 78) << ctl.err();
    json last = json::parse(last_line(rest));
    EXPECT_EQ(last["status"], "error");
    EXPECT_NE(
        last["message"].get<std::string>().find(
            "does not accept the client (check oauth.client_id and oauth.client_secret_file)"),
        std::string::npos)
        << last.dump();
    EXPECT_EQ((rest + ctl.err()).find("GOCSPX"), std::string::npos);
  }
  std::ofstream(secret, std::ios::trunc) << "GOCSPX-right\n";
  Ctl ctl(ctl_args("oauth login --json"), err_file());
  json first = json::parse(ctl.line());
  server_->control("approve", {{"user_code", first["user_code"]}, {"username", kUser}});
  std::string rest;
  EXPECT_EQ(ctl.wait(&rest), 0) << ctl.err();
  EXPECT_EQ((first.dump() + rest + ctl.err()).find("GOCSPX"), std::string::npos);
}

// A login killed while it writes the store (crash_points: after the new file is written and
// synced, and after the rename) leaves the old sign-in or the new one, never a torn file.
TEST_F(OAuthLogin, ALoginKilledWhileStoringLeavesTheOldOrTheNewSignIn) {
  auto login_as = [&](const std::string& user, const std::string& env) {
    Ctl ctl(ctl_args("oauth login --device --json"), err_file(), env);
    json first = json::parse(ctl.line());
    server_->control("approve", {{"user_code", first["user_code"]}, {"username", user}});
    return ctl.wait();
  };
  ASSERT_EQ(login_as("old@dealer.test", ""), 0);
  // Killed after the temporary file is complete, before the rename: the old set.
  EXPECT_NE(login_as("new@dealer.test", "CLOSEOUTD_CRASH_AFTER=1"), 0);
  auto tokens = oauth::load_token_store(store_);
  ASSERT_TRUE(tokens.has_value());
  EXPECT_EQ(tokens->username, "old@dealer.test");
  // Killed right after the rename: the new set, whole.
  EXPECT_NE(login_as("new@dealer.test", "CLOSEOUTD_CRASH_AFTER=2"), 0);
  tokens = oauth::load_token_store(store_);
  ASSERT_TRUE(tokens.has_value());
  EXPECT_EQ(tokens->username, "new@dealer.test");
  EXPECT_FALSE(tokens->refresh_token.empty());
}

// What the user's browser does: GET the authorization URL, follow the server's redirect to our
// listener on 127.0.0.1, and show the page it answers. Returns the page; status in *status.
std::string browse(const std::string& url, const std::string& ca_file, long* status) {
  std::string page;
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT, 30L);
  curl_easy_setopt(
      easy, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t n, void* out) -> size_t {
        static_cast<std::string*>(out)->append(data, size * n);
        return size * n;
      });
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &page);
  CURLcode rc = curl_easy_perform(easy);
  *status = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status);
  curl_easy_cleanup(easy);
  return page;
}

TEST_F(OAuthLogin, BrowserLoginWithPkceAndStateStoresTokens) {
  server_->control("browser", {{"username", "desk@dealer.test"}});
  Ctl ctl(ctl_args("oauth login --browser --json"), err_file());
  json first = json::parse(ctl.line());
  ASSERT_TRUE(first.contains("authorization_url")) << first.dump();
  const std::string url = first["authorization_url"];
  EXPECT_EQ(url.rfind(server_->base_url() + "/authorize?response_type=code&client_id=", 0), 0u);
  EXPECT_NE(url.find("&code_challenge_method=S256"), std::string::npos);
  EXPECT_NE(url.find("&state="), std::string::npos);
  EXPECT_NE(url.find("redirect_uri=http%3A%2F%2F127.0.0.1%3A"), std::string::npos) << url;
  long status = 0;
  std::string page = browse(url, server_->ca_file(), &status);
  EXPECT_EQ(status, 200);
  EXPECT_NE(page.find("signed in"), std::string::npos) << page;
  std::string rest;
  EXPECT_EQ(ctl.wait(&rest), 0) << ctl.err();
  json last = json::parse(last_line(rest));
  EXPECT_EQ(last["status"], "ok");
  auto tokens = oauth::load_token_store(store_);
  ASSERT_TRUE(tokens.has_value());
  EXPECT_EQ(tokens->username, "desk@dealer.test");
  EXPECT_FALSE(tokens->needs_login);
  // The server checked PKCE at /token: the verifier matched the challenge in the URL.
  EXPECT_EQ(server_->stats()["last_authorize"]["code_challenge_method"], "S256");
  expect_no_token_in(first.dump() + rest + ctl.err() + page);
}

TEST_F(OAuthLogin, BrowserAnswerWithAnotherStateIsRefusedAndNothingStored) {
  server_->control("set", {{"wrong_state", true}});
  Ctl ctl(ctl_args("oauth login --browser --json"), err_file());
  json first = json::parse(ctl.line());
  long status = 0;
  std::string page = browse(first["authorization_url"], server_->ca_file(), &status);
  EXPECT_EQ(status, 400);
  EXPECT_NE(page.find("state differs"), std::string::npos) << page;
  std::string rest;
  EXPECT_EQ(ctl.wait(&rest), 1) << ctl.err();
  json last = json::parse(last_line(rest));
  EXPECT_EQ(last["status"], "error");
  EXPECT_NE(last["message"].get<std::string>().find("did not carry this sign-in's state"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(store_));
  EXPECT_EQ(server_->stats()["token_requests"], 0);  // the code was never redeemed
}

// Google's default is the browser flow (no --device or --browser given).
TEST_F(OAuthLogin, GoogleSignsInWithTheBrowserByDefault) {
  config_ = write_config(
      "[oauth]\nprovider = \"google\"\nclient_id = \"closeoutd-test\"\n"
      "authorization_endpoint = \"" +
      server_->base_url() + "/authorize\"\ntoken_endpoint = \"" + server_->base_url() +
      "/token\"\nca_file = \"" + server_->ca_file() + "\"\n");
  Ctl ctl(ctl_args("oauth login --json"), err_file());
  json first = json::parse(ctl.line());
  ASSERT_TRUE(first.contains("authorization_url")) << first.dump();
  const std::string url = first["authorization_url"];
  // Google gives a refresh token only for offline access with the consent shown.
  EXPECT_NE(url.find("&access_type=offline&prompt=consent"), std::string::npos) << url;
  EXPECT_NE(url.find("scope=https%3A%2F%2Fmail.google.com%2F"), std::string::npos) << url;
  long status = 0;
  browse(url, server_->ca_file(), &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(ctl.wait(), 0) << ctl.err();
  EXPECT_EQ(oauth::load_token_store(store_)->provider, "google");
}

// Entra ID's registration is http://localhost; the browser may resolve it to ::1 or 127.0.0.1.
TEST_F(OAuthLogin, MicrosoftBrowserRedirectIsLocalhost) {
  config_ = write_config(
      "[oauth]\nprovider = \"microsoft\"\nclient_id = \"closeoutd-test\"\n"
      "authorization_endpoint = \"" +
      server_->base_url() + "/authorize\"\ntoken_endpoint = \"" + server_->base_url() +
      "/token\"\nca_file = \"" + server_->ca_file() + "\"\n");
  Ctl ctl(ctl_args("oauth login --browser --json"), err_file());
  json first = json::parse(ctl.line());
  const std::string url = first["authorization_url"];
  EXPECT_NE(url.find("redirect_uri=http%3A%2F%2Flocalhost%3A"), std::string::npos) << url;
  EXPECT_NE(url.find("offline_access"), std::string::npos) << url;
  long status = 0;
  browse(url, server_->ca_file(), &status);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(ctl.wait(), 0) << ctl.err();
  EXPECT_EQ(oauth::load_token_store(store_)->provider, "microsoft");
}

TEST_F(OAuthLogin, BrowserDeclinedExits77) {
  server_->control("browser", {{"deny", true}});
  Ctl ctl(ctl_args("oauth login --browser --json"), err_file());
  json first = json::parse(ctl.line());
  long status = 0;
  browse(first["authorization_url"], server_->ca_file(), &status);
  std::string rest;
  EXPECT_EQ(ctl.wait(&rest), 77) << ctl.err();
  EXPECT_EQ(json::parse(last_line(rest))["status"], "denied");
  EXPECT_FALSE(fs::exists(store_));
}

TEST_F(OAuthLogin, StatusThenLogoutThenNotSignedIn) {
  server_->control("set", {{"interval", 1}});
  {
    Ctl ctl(ctl_args("oauth login --json"), err_file());
    json first = json::parse(ctl.line());
    server_->control("approve", {{"user_code", first["user_code"]}, {"username", kUser}});
    ASSERT_EQ(ctl.wait(), 0) << ctl.err();
  }
  std::string out;
  {
    Ctl status(ctl_args("oauth status"), err_file());
    EXPECT_EQ(status.wait(&out), 0);
    EXPECT_EQ(out.rfind(std::string("Signed in as ") + kUser + " (custom)\n", 0), 0u) << out;
    EXPECT_NE(out.find("token store:        " + store_), std::string::npos) << out;
    expect_no_token_in(out);
  }
  {
    Ctl logout(ctl_args("oauth logout"), err_file());
    EXPECT_EQ(logout.wait(&out), 0);
    EXPECT_EQ(out.rfind("Signed out: removed " + store_, 0), 0u) << out;
    EXPECT_FALSE(fs::exists(store_));
  }
  {
    Ctl status(ctl_args("oauth status --json"), err_file());
    EXPECT_EQ(status.wait(&out), 78);
    json s = json::parse(out);
    EXPECT_EQ(s["signed_in"], false);
    EXPECT_EQ(s["needs_login"], true);
  }
  {
    Ctl logout(ctl_args("oauth logout"), err_file());
    EXPECT_EQ(logout.wait(&out), 0);
    EXPECT_EQ(out, "Not signed in: there was no token store at " + store_ + "\n");
  }
}

}  // namespace
}  // namespace closeout::testing
