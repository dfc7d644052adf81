// SPDX-License-Identifier: GPL-3.0-or-later
// The OAuth pieces that need no server (issue 12): PKCE against RFC 7636's vector, the refresh
// schedule, the endpoints each provider resolves to, the [oauth] checks, and the token store's
// file handling (mode, round trip, crash safety, no token in any error). Tokens compared in code.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config.h"
#include "config_check.h"
#include "login_flows.h"
#include "oauth_provider.h"
#include "pkce.h"
#include "refresh_policy.h"
#include "token_request.h"
#include "token_store.h"

namespace closeout::oauth {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

const Clock::time_point kNoon = Clock::from_time_t(1796126400);  // 2026-12-01T12:00:00Z

// ---- PKCE -----------------------------------------------------------------------------------

TEST(OAuthPkce, ChallengeMatchesRfc7636AppendixB) {
  EXPECT_EQ(code_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(OAuthPkce, VerifierAndStateAreLongUnreservedAndDifferentEachTime) {
  const std::string unreserved =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  std::set<std::string> seen;
  for (int i = 0; i < 50; ++i) {
    std::string v = make_code_verifier();
    ASSERT_EQ(v.size(), 64u);
    EXPECT_EQ(v.find_first_not_of(unreserved), std::string::npos);
    std::string s = make_state();
    ASSERT_EQ(s.size(), 32u);
    EXPECT_EQ(s.find_first_not_of(unreserved), std::string::npos);
    EXPECT_TRUE(seen.insert(v).second);
    EXPECT_TRUE(seen.insert(s).second);
  }
  EXPECT_EQ(code_challenge_s256(make_code_verifier()).size(), 43u);
}

// ---- refresh policy -------------------------------------------------------------------------

TokenSet signed_in_at(Clock::time_point t, std::chrono::seconds life) {
  TokenSet s;
  s.provider = "microsoft";
  s.access_token = "at";
  s.refresh_token = "rt";
  s.access_obtained_at = t;
  s.access_expires_at = t + life;
  s.refresh_obtained_at = t;
  return s;
}

TEST(OAuthRefreshPolicy, DueWhenAFifthOfTheLifeIsLeft) {
  TokenSet s = signed_in_at(kNoon, 3600s);
  EXPECT_EQ(refresh_due_at(s), kNoon + 2880s);
  s = signed_in_at(kNoon, 10s);
  EXPECT_EQ(refresh_due_at(s), kNoon + 8s);
}

// An idle dispatch mailbox must not let the refresh token sit unused (Entra ID drops it after
// 90 days of that): even a very long-lived access token is refreshed weekly.
TEST(OAuthRefreshPolicy, AtLeastWeeklyEvenForLongLivedAccessTokens) {
  TokenSet s = signed_in_at(kNoon, std::chrono::hours(24 * 60));
  EXPECT_EQ(refresh_due_at(s), kNoon + std::chrono::hours(24 * 7));
  s.last_refresh_at = kNoon + std::chrono::hours(24 * 3);
  EXPECT_EQ(refresh_due_at(s), kNoon + std::chrono::hours(24 * 10));
}

TEST(OAuthRefreshPolicy, UsableOnlyWithMoreThanAMinuteLeftAndNoLoginNeeded) {
  TokenSet s = signed_in_at(kNoon, 3600s);
  EXPECT_TRUE(access_token_usable(s, kNoon));
  EXPECT_TRUE(access_token_usable(s, kNoon + 3539s));
  EXPECT_FALSE(access_token_usable(s, kNoon + 3540s));
  EXPECT_FALSE(access_token_usable(s, kNoon + 4000s));
  s.needs_login = true;
  EXPECT_FALSE(access_token_usable(s, kNoon));
  s = signed_in_at(kNoon, 3600s);
  s.access_token.clear();
  EXPECT_FALSE(access_token_usable(s, kNoon));
}

TEST(OAuthRefreshPolicy, GrantWithRotationReplacesTheRefreshTokenAndClearsErrors) {
  TokenSet s = signed_in_at(kNoon, 3600s);
  s.last_error = "the authorization server is unavailable";
  s.needs_login = true;
  TokenGrant g;
  g.access_token = "at2";
  g.refresh_token = "rt2";
  g.expires_in = 1800s;
  g.scope = "a b";
  const auto later = kNoon + 3000s;
  TokenSet after = apply_grant(s, g, later);
  EXPECT_TRUE(after.access_token == "at2");
  EXPECT_TRUE(after.refresh_token == "rt2");
  EXPECT_EQ(after.access_obtained_at, later);
  EXPECT_EQ(after.access_expires_at, later + 1800s);
  EXPECT_EQ(after.refresh_obtained_at, later);
  EXPECT_EQ(after.last_refresh_at, later);
  EXPECT_EQ(after.last_error, "");
  EXPECT_FALSE(after.needs_login);
  EXPECT_EQ(after.scopes, (std::vector<std::string>{"a", "b"}));
}

TEST(OAuthRefreshPolicy, GrantWithoutRefreshTokenKeepsTheOldOneAndItsAge) {
  TokenSet s = signed_in_at(kNoon, 3600s);
  s.username = "desk@dealer.example";
  TokenGrant g;
  g.access_token = "at2";
  TokenSet after = apply_grant(s, g, kNoon + 3000s);
  EXPECT_TRUE(after.refresh_token == "rt");
  EXPECT_EQ(after.refresh_obtained_at, kNoon);
  EXPECT_EQ(after.last_refresh_at, kNoon + 3000s);
  EXPECT_EQ(after.username, "desk@dealer.example");
  EXPECT_EQ(after.access_expires_at, kNoon + 3000s + 3600s);
}

TEST(OAuthRefreshPolicy, RetryBacksOffFromTenSecondsToTenMinutes) {
  EXPECT_EQ(refresh_retry_after(1), 10s);
  EXPECT_EQ(refresh_retry_after(2), 20s);
  EXPECT_EQ(refresh_retry_after(3), 40s);
  EXPECT_EQ(refresh_retry_after(7), 600s);
  EXPECT_EQ(refresh_retry_after(1000), 600s);
  EXPECT_EQ(refresh_retry_after(0), 10s);
}

TEST(OAuthRefreshPolicy, RetryNeverWaitsPastTheLastUsefulMoment) {
  TokenSet s = signed_in_at(kNoon, 3600s);
  EXPECT_EQ(refresh_retry_after(10, s, kNoon + 3500s), 70s);  // 3570 - 3500
  EXPECT_EQ(refresh_retry_after(1, s, kNoon + 3500s), 10s);
  EXPECT_EQ(refresh_retry_after(10, s, kNoon + 4000s), 600s);  // already expired: plain back-off
  EXPECT_EQ(refresh_retry_after(10, s, kNoon + 3569s), 1s);
}

// ---- login warnings -------------------------------------------------------------------------

TEST(OAuthLoginWarning, AGoogleAppInTestingIsToldToPublish) {
  TokenGrant g;
  g.refresh_expires_in = 604799s;
  EXPECT_EQ(short_refresh_warning("google", g),
            "the authorization server says this sign-in ends in 7 days, and closeoutd cannot "
            "renew it past that: the app's OAuth consent screen is in \"Testing\"; publish it "
            "(\"In production\") in the Google Cloud console and sign in again");
  g.refresh_expires_in = 3600s;
  EXPECT_EQ(short_refresh_warning("custom", g),
            "the authorization server says this sign-in ends in a day, and closeoutd cannot renew "
            "it past that");
  g.refresh_expires_in = std::chrono::seconds(90 * 86400);
  EXPECT_EQ(short_refresh_warning("google", g), "");
  g.refresh_expires_in.reset();
  EXPECT_EQ(short_refresh_warning("google", g), "");
}

// ---- provider endpoints and [oauth] checks --------------------------------------------------

const char* kBase =
    "[imap]\nurl = \"imaps://outlook.office365.com/INBOX\"\nusername = \"desk@dealer.example\"\n"
    "auth = \"oauth2\"\n"
    "[smtp]\nurl = \"smtp://smtp.office365.com:587\"\nusername = \"desk@dealer.example\"\n"
    "auth = \"oauth2\"\nfrom = \"Acme Service <desk@dealer.example>\"\n"
    "[cits]\ncloseout_address = \"isg@closeout.example\"\n"
    "[store]\npath = \"/var/lib/closeoutd/closeoutd.db\"\n";

Config config_with(const std::string& oauth) {
  return parse_config(std::string(kBase) + "[oauth]\n" + oauth, "c.toml");
}

std::string refusal(const std::string& oauth) {
  try {
    check_config_usable(config_with(oauth));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(usable)";
}

TEST(OAuthProvider, MicrosoftDefaultsToItsEndpointsAndMailScopes) {
  OAuthEndpoints e =
      resolve_endpoints(config_with("client_id = \"11111111-2222\"\n"
                                    "tenant = \"dealer.onmicrosoft.com\"\n"));
  EXPECT_EQ(e.provider, "microsoft");
  EXPECT_EQ(e.client_id, "11111111-2222");
  EXPECT_EQ(e.client_secret, "");
  EXPECT_EQ(e.device_authorization,
            "https://login.microsoftonline.com/dealer.onmicrosoft.com/oauth2/v2.0/devicecode");
  EXPECT_EQ(e.authorization,
            "https://login.microsoftonline.com/dealer.onmicrosoft.com/oauth2/v2.0/authorize");
  EXPECT_EQ(e.token, "https://login.microsoftonline.com/dealer.onmicrosoft.com/oauth2/v2.0/token");
  EXPECT_EQ(e.scopes,
            (std::vector<std::string>{"https://outlook.office.com/IMAP.AccessAsUser.All",
                                      "https://outlook.office.com/SMTP.Send", "offline_access"}));
  EXPECT_TRUE(e.device_flow_default);
  // The default tenant is "organizations" (any work account).
  EXPECT_NE(resolve_endpoints(config_with("client_id = \"c\"\n"))
                .token.find("/organizations/oauth2/v2.0/token"),
            std::string::npos);
}

TEST(OAuthProvider, MicrosoftAlwaysAsksForOfflineAccess) {
  OAuthEndpoints e = resolve_endpoints(config_with(
      "client_id = \"c\"\nscopes = [\"https://outlook.office.com/IMAP.AccessAsUser.All\"]\n"));
  EXPECT_EQ(e.scopes, (std::vector<std::string>{"https://outlook.office.com/IMAP.AccessAsUser.All",
                                                "offline_access"}));
}

TEST(OAuthProvider, GoogleHasNoDeviceFlowAndDefaultsToTheBrowser) {
  OAuthEndpoints e = resolve_endpoints(config_with("provider = \"google\"\nclient_id = \"g\"\n"));
  EXPECT_EQ(e.device_authorization, "");
  EXPECT_EQ(e.authorization, "https://accounts.google.com/o/oauth2/v2/auth");
  EXPECT_EQ(e.token, "https://oauth2.googleapis.com/token");
  EXPECT_EQ(e.scopes, (std::vector<std::string>{"https://mail.google.com/"}));
  EXPECT_FALSE(e.device_flow_default);
}

TEST(OAuthProvider, ConfiguredEndpointsOverrideAndTheSecretIsRead) {
  fs::path secret = fs::temp_directory_path() / ("oauth-secret-" + std::to_string(::getpid()));
  std::ofstream(secret) << "GOCSPX-s3cr3t\n";
  OAuthEndpoints e = resolve_endpoints(config_with(
      "provider = \"custom\"\nclient_id = \"c\"\nclient_secret_file = \"" + secret.string() +
      "\"\ntoken_endpoint = \"https://auth.test/token\"\n"
      "device_authorization_endpoint = \"https://auth.test/device\"\n"
      "ca_file = \"/tmp/ca.pem\"\n"));
  fs::remove(secret);
  EXPECT_EQ(e.token, "https://auth.test/token");
  EXPECT_EQ(e.device_authorization, "https://auth.test/device");
  EXPECT_EQ(e.authorization, "");
  EXPECT_TRUE(e.client_secret == "GOCSPX-s3cr3t");
  EXPECT_EQ(e.ca_file, "/tmp/ca.pem");
  EXPECT_TRUE(e.scopes.empty());
  OAuthEndpoints m = resolve_endpoints(
      config_with("client_id = \"c\"\ntoken_endpoint = \"https://proxy.test/token\"\n"));
  EXPECT_EQ(m.token, "https://proxy.test/token");
}

TEST(OAuthProvider, AMissingSecretFileIsAConfigErrorNamingTheKey) {
  try {
    resolve_endpoints(config_with("client_id = \"c\"\nclient_secret_file = \"/nonexistent/x\"\n"));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "c.toml: oauth.client_secret_file: cannot read /nonexistent/x");
  }
}

TEST(OAuthConfigCheck, OAuthConfigurationsThatWorkPass) {
  EXPECT_EQ(refusal("client_id = \"c\"\n"), "(usable)");
  EXPECT_EQ(refusal("provider = \"google\"\nclient_id = \"c\"\n"), "(usable)");
  EXPECT_EQ(refusal("provider = \"custom\"\nclient_id = \"c\"\n"
                    "token_endpoint = \"https://a.test/token\"\n"
                    "authorization_endpoint = \"https://a.test/authorize\"\n"),
            "(usable)");
}

TEST(OAuthConfigCheck, TheKeysThatCannotWorkAreNamed) {
  EXPECT_EQ(refusal(""),
            "c.toml: oauth.client_id: missing: auth = \"oauth2\" needs the client ID of your app "
            "registration (see the README, \"Microsoft 365 and Google (OAuth 2.0)\")");
  EXPECT_EQ(refusal("client_id = \"c\"\ntoken_endpoint = \"http://a.test/token\"\n"),
            "c.toml: oauth.token_endpoint: \"http://a.test/token\" must be an https:// URL");
  EXPECT_EQ(refusal("provider = \"custom\"\nclient_id = \"c\"\n"),
            "c.toml: oauth.token_endpoint: missing: provider = \"custom\" needs it");
  EXPECT_EQ(refusal("provider = \"custom\"\nclient_id = \"c\"\n"
                    "token_endpoint = \"https://a.test/token\"\n"),
            "c.toml: oauth.device_authorization_endpoint: missing: provider = \"custom\" needs "
            "it or oauth.authorization_endpoint");
  EXPECT_EQ(refusal("client_id = \"c\"\ntenant = \"a/b\"\n"),
            "c.toml: oauth.tenant: \"a/b\" is not a tenant ID or domain (e.g. \"organizations\" "
            "or \"dealer.onmicrosoft.com\")");
  EXPECT_EQ(refusal("client_id = \"c\"\nscopes = [\"a b\"]\n"),
            "c.toml: oauth.scopes: \"a b\" is not one scope (one per list entry)");
}

TEST(OAuthConfigCheck, ProviderAndAuthValuesAreCheckedWhenLoading) {
  try {
    config_with("provider = \"yahoo\"\n");
    FAIL() << "loaded";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("oauth.provider: is \"yahoo\"; it must be one of "
                                         "microsoft | google | custom"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(config_with("").imap.auth, "oauth2");
}

TEST(OAuthConfigCheck, EveryOAuthKeyIsRead) {
  Config c = config_with(
      "provider = \"custom\"\nclient_id = \"id\"\nclient_secret_file = \"s\"\ntenant = \"t\"\n"
      "scopes = [\"a\", \"b\"]\ndevice_authorization_endpoint = \"https://x/d\"\n"
      "authorization_endpoint = \"https://x/a\"\ntoken_endpoint = \"https://x/t\"\n"
      "ca_file = \"/ca\"\ntoken_store = \"/ts\"\n");
  EXPECT_TRUE(c.warnings.empty()) << c.warnings.front();
  OAuthConfig want;
  want.provider = "custom";
  want.client_id = "id";
  want.client_secret_file = "s";
  want.tenant = "t";
  want.scopes = {"a", "b"};
  want.device_authorization_endpoint = "https://x/d";
  want.authorization_endpoint = "https://x/a";
  want.token_endpoint = "https://x/t";
  want.ca_file = "/ca";
  want.token_store = "/ts";
  EXPECT_TRUE(c.oauth == want);
  EXPECT_TRUE(Config{}.oauth == OAuthConfig{});
  EXPECT_EQ(Config{}.oauth.tenant, "organizations");
}

// [oauth] is only judged when a section signs in with it.
TEST(OAuthConfigCheck, PasswordConfigurationsIgnoreTheOAuthSection) {
  std::string text = kBase;
  std::string::size_type at;
  while ((at = text.find("auth = \"oauth2\"")) != std::string::npos)
    text.replace(at, 15, "auth = \"password\"");
  Config c = parse_config(text + "[oauth]\ntoken_endpoint = \"http://x\"\n", "c.toml");
  EXPECT_FALSE(uses_oauth2(c));
  EXPECT_NO_THROW(check_config_usable(c));
}

// ---- token store ----------------------------------------------------------------------------

class OAuthTokenStore : public testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("oauth-store-" + std::to_string(::getpid()) + "-" +
                                     testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    path_ = (dir_ / "oauth-tokens.json").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  static TokenSet sample() {
    TokenSet t;
    t.provider = "microsoft";
    t.username = "desk@dealer.example";
    t.scopes = {"https://outlook.office.com/IMAP.AccessAsUser.All", "offline_access"};
    t.access_token = "SECRET-ACCESS-eyJ0eXAi";
    t.refresh_token = "SECRET-REFRESH-0.AXoA";
    t.access_obtained_at = kNoon;
    t.access_expires_at = kNoon + 3600s;
    t.refresh_obtained_at = kNoon - 3600s;
    t.last_refresh_at = kNoon;
    t.last_error = "";
    return t;
  }

  std::string text_of(const std::string& p) {
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(OAuthTokenStore, NoFileMeansNeverSignedIn) {
  EXPECT_FALSE(load_token_store(path_).has_value());
  EXPECT_FALSE(remove_token_store(path_));
}

TEST_F(OAuthTokenStore, RoundTripWithMode0600AndNoTemporaryFileLeft) {
  TokenSet t = sample();
  t.needs_login = true;
  t.last_error = "the refresh token has expired (AADSTS700082)";
  save_token_store(path_, t);
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto back = load_token_store(path_);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->provider, t.provider);
  EXPECT_EQ(back->username, t.username);
  EXPECT_EQ(back->scopes, t.scopes);
  EXPECT_TRUE(back->access_token == t.access_token);
  EXPECT_TRUE(back->refresh_token == t.refresh_token);
  EXPECT_EQ(back->access_obtained_at, t.access_obtained_at);
  EXPECT_EQ(back->access_expires_at, t.access_expires_at);
  EXPECT_EQ(back->refresh_obtained_at, t.refresh_obtained_at);
  EXPECT_EQ(back->last_refresh_at, t.last_refresh_at);
  EXPECT_EQ(back->last_error, t.last_error);
  EXPECT_TRUE(back->needs_login);
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(OAuthTokenStore, SavingReplacesTheOldSetWhole) {
  save_token_store(path_, sample());
  TokenSet t = sample();
  t.refresh_token = "SECRET-ROTATED";
  save_token_store(path_, t);
  EXPECT_TRUE(load_token_store(path_)->refresh_token == "SECRET-ROTATED");
  EXPECT_EQ(text_of(path_).find("SECRET-REFRESH"), std::string::npos);
}

TEST_F(OAuthTokenStore, ALooserModeIsRefusedWithTheChmodToRun) {
  save_token_store(path_, sample());
  ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
  try {
    load_token_store(path_);
    FAIL() << "a 0644 token store was read";
  } catch (const TokenStoreError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what, path_ + ": mode 0644, must be 0600 (chmod 600 " + path_ + ")");
    EXPECT_EQ(what.find("SECRET"), std::string::npos);
  }
  ASSERT_EQ(::chmod(path_.c_str(), 0640), 0);
  EXPECT_THROW(load_token_store(path_), TokenStoreError);
  ASSERT_EQ(::chmod(path_.c_str(), 0400), 0);
  EXPECT_TRUE(load_token_store(path_).has_value());
}

// A malformed file's error names the path, never the bytes (the JSON parser would quote them).
TEST_F(OAuthTokenStore, MalformedFilesAreRefusedWithoutTheirContent) {
  for (const std::string& bad :
       {std::string("{\"refresh_token\": \"SECRET-TORN"), std::string("SECRET-NOT-JSON"),
        std::string(
            "{\"refresh_token\": \"SECRET-X\", \"access_expires_at\": \"SECRET-tomorrow\"}"),
        std::string("{\"refresh_token\": 42}"), std::string("[]"), std::string("{}")}) {
    { std::ofstream(path_) << bad; }
    ::chmod(path_.c_str(), 0600);
    try {
      load_token_store(path_);
      ADD_FAILURE() << "read a malformed store";
    } catch (const TokenStoreError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.find("SECRET"), std::string::npos) << "the error holds the file's content";
      EXPECT_EQ(what.rfind(path_ + ": not a token store closeoutctl wrote", 0), 0u) << what;
      EXPECT_NE(what.find("run closeoutctl oauth login"), std::string::npos) << what;
    }
  }
}

// A crash between writing the temporary file and the rename leaves the old set readable.
TEST_F(OAuthTokenStore, ALeftoverTemporaryFileDoesNotDisturbTheStore) {
  save_token_store(path_, sample());
  { std::ofstream(path_ + ".tmp.ABC123") << "{\"refresh_token\": \"SECRET-TO"; }
  auto back = load_token_store(path_);
  ASSERT_TRUE(back.has_value());
  EXPECT_TRUE(back->refresh_token == sample().refresh_token);
  TokenSet t = sample();
  t.refresh_token = "SECRET-NEW";
  save_token_store(path_, t);
  EXPECT_TRUE(load_token_store(path_)->refresh_token == "SECRET-NEW");
}

TEST_F(OAuthTokenStore, ASaveRemovesTemporaryFilesACrashLeftButNotOneBeingWritten) {
  const std::string stale = path_ + ".tmp.OLD123", fresh = path_ + ".tmp.NEW456";
  { std::ofstream(stale) << "{\"refresh_token\": \"SECRET-OLD"; }
  { std::ofstream(fresh) << "{\"refresh_token\": \"SECRET-NOW"; }
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(2));
  save_token_store(path_, sample());
  EXPECT_FALSE(fs::exists(stale)) << "a refresh token left behind by a crash";
  EXPECT_TRUE(fs::exists(fresh)) << "another process may still be writing it";
}

TEST_F(OAuthTokenStore, AnUnwritableDirectoryIsAnErrorNamingThePath) {
  const std::string nowhere = (dir_ / "missing" / "oauth-tokens.json").string();
  try {
    save_token_store(nowhere, sample());
    FAIL() << "saved";
  } catch (const TokenStoreError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind(nowhere + ": cannot write the token store", 0), 0u) << what;
    EXPECT_EQ(what.find("SECRET"), std::string::npos);
  }
}

TEST_F(OAuthTokenStore, LogoutRemovesTheFile) {
  save_token_store(path_, sample());
  EXPECT_TRUE(remove_token_store(path_));
  EXPECT_FALSE(fs::exists(path_));
  EXPECT_FALSE(load_token_store(path_).has_value());
}

TEST_F(OAuthTokenStore, StatusJsonHasTheSpecFieldsAndNoToken) {
  TokenSet t = sample();
  t.last_refresh_at = {};
  auto j = token_status_json(t);
  EXPECT_EQ(j["provider"], "microsoft");
  EXPECT_EQ(j["username"], "desk@dealer.example");
  EXPECT_EQ(j["scopes"].size(), 2u);
  EXPECT_EQ(j["access_expires_at"], "2026-12-01T13:00:00Z");
  EXPECT_EQ(j["refresh_obtained_at"], "2026-12-01T11:00:00Z");
  EXPECT_TRUE(j["last_refresh_at"].is_null());
  EXPECT_EQ(j["last_error"], "");
  EXPECT_EQ(j["needs_login"], false);
  EXPECT_EQ(j.dump().find("SECRET"), std::string::npos);
}

TEST(OAuthTokenStorePath, BesideTheDatabaseUnlessConfigured) {
  Config c;
  c.store.path = "/var/lib/closeoutd/closeoutd.db";
  EXPECT_EQ(token_store_path(c), "/var/lib/closeoutd/oauth-tokens.json");
  c.oauth.token_store = "/etc/closeoutd/tokens.json";
  EXPECT_EQ(token_store_path(c), "/etc/closeoutd/tokens.json");
}

// ---- token requests -------------------------------------------------------------------------

// Tokens never travel in clear: a plain http:// endpoint is refused by libcurl itself before
// anything is sent (nothing listens on port 9 of loopback, so no reply could come either way).
TEST(OAuthTokenRequest, PlainHttpIsRefusedBeforeAnythingIsSent) {
  OAuthEndpoints e;
  e.client_id = "c";
  e.token = "http://127.0.0.1:9/token";
  auto request = refresh_request(e, "SECRET-REFRESH");
  HttpReply reply = perform_blocking(*request);
  EXPECT_EQ(reply.curl, CURLE_UNSUPPORTED_PROTOCOL);
  EXPECT_EQ(reply.status, 0);
  EXPECT_NE(reply.transport_error.find("only https:// endpoints are used"), std::string::npos)
      << reply.transport_error;
  EXPECT_EQ(reply.transport_error.find("SECRET"), std::string::npos);
}

TEST(OAuthTokenRequest, AnUnreachableEndpointIsATransportErrorNamingIt) {
  OAuthEndpoints e;
  e.client_id = "c";
  e.token = "https://127.0.0.1:9/token?x=1";
  auto request = device_token_request(e, "SECRET-DEVICE");
  HttpReply reply = perform_blocking(*request);
  EXPECT_EQ(reply.curl, CURLE_COULDNT_CONNECT);
  EXPECT_EQ(reply.transport_error.rfind("https://127.0.0.1:9/token: cannot connect", 0), 0u)
      << reply.transport_error;
  EXPECT_EQ(reply.transport_error.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace closeout::oauth
