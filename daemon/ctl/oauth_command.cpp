// SPDX-License-Identifier: GPL-3.0-or-later
// `closeoutctl oauth ...`: the person at the terminal signs the mailbox in once; closeoutd then
// refreshes on its own. The first line of a login says where to go (and with --json is one JSON
// object, flushed at once so a script can act on it while we wait); the last says how it ended.
// No token, code or secret is ever printed.
#include "oauth_command.h"

#include <unistd.h>

#include <csignal>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "command_config.h"
#include "config.h"
#include "config_check.h"
#include "exit_codes.h"
#include "login_flows.h"
#include "oauth_provider.h"
#include "token_store.h"

namespace closeout {

namespace {

using nlohmann::json;
using namespace closeout::oauth;

int exit_code_for(LoginStatus status) {
  switch (status) {
    case LoginStatus::ok:
      return exit_code::ok;
    case LoginStatus::denied:
      return 77;  // EX_NOPERM
    case LoginStatus::expired:
      return exit_code::temp_fail;
    case LoginStatus::unreachable:
      return exit_code::unavailable;
    case LoginStatus::config:
      return exit_code::config;
    case LoginStatus::error:
      break;
  }
  return 1;
}

const char* json_status(LoginStatus status) {
  switch (status) {
    case LoginStatus::ok:
      return "ok";
    case LoginStatus::denied:
      return "denied";
    case LoginStatus::expired:
      return "expired";
    default:
      return "error";
  }
}

std::string login_command(const std::string& config_path) {
  return "closeoutctl --config " + config_path + " oauth login";
}

// Ends a login: the SPEC's last JSON line, or one line for a person (errors on stderr).
int finish(const OAuthLoginOptions& o, std::ostream& out, std::ostream& err, LoginStatus status,
           const std::string& message, json extra = json::object()) {
  if (o.json) {
    json last = {{"status", json_status(status)}, {"message", message}};
    for (auto it = extra.begin(); it != extra.end(); ++it) last[it.key()] = it.value();
    out << last.dump() << std::endl;
  }
  if (status != LoginStatus::ok)
    err << "closeoutctl: oauth login: " << message << std::endl;
  else if (!o.json)
    out << message << std::endl;
  return exit_code_for(status);
}

// Where the sign-in will be written must be writable before anyone is asked to sign in.
std::string store_unwritable(const std::string& path) {
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return "oauth.token_store: the directory " + dir.string() +
           " does not exist or cannot be written by this user (closeoutctl must run as the "
           "user closeoutd runs as, or as root)";
  return "";
}

std::string minutes(std::chrono::seconds s) {
  auto m = (s.count() + 59) / 60;
  return std::to_string(m) + (m == 1 ? " minute" : " minutes");
}

}  // namespace

int run_oauth_login(const OAuthLoginOptions& o, std::ostream& out, std::ostream& err) {
  // A TLS peer or a browser that hangs up mid-write must be an error value, not a SIGPIPE that
  // kills the login after the user approved it and before the tokens are stored.
  std::signal(SIGPIPE, SIG_IGN);
  Config config;
  OAuthEndpoints endpoints;
  try {
    config = load_config(o.config_path);
    endpoints = resolve_endpoints(config);
  } catch (const ConfigError& e) {
    return finish(o, out, err, LoginStatus::config, e.what());
  }
  const std::string path = token_store_path(config);
  if (auto why = store_unwritable(path); !why.empty())
    return finish(o, out, err, LoginStatus::config, config.source + ": " + why);
  if (o.device && endpoints.provider == "google")
    return finish(o, out, err, LoginStatus::config,
                  "Google refuses the device sign-in for Gmail's scope "
                  "(https://mail.google.com/); use closeoutctl --config " +
                      config.source + " oauth login --browser");
  const bool device = o.device || (!o.browser && endpoints.device_flow_default);

  LoginPrompts prompts;
  prompts.show_device_code = [&](const DeviceAuthorization& d) {
    if (o.json) {
      json first = {{"verification_uri", d.verification_uri},
                    {"user_code", d.user_code},
                    {"expires_in", d.expires_in.count()}};
      if (!d.verification_uri_complete.empty())
        first["verification_uri_complete"] = d.verification_uri_complete;
      out << first.dump() << std::endl;
      return;
    }
    out << "To sign in, open " << d.verification_uri << " in a browser and enter the code "
        << d.user_code << '\n';
    if (!d.verification_uri_complete.empty())
      out << "(or open " << d.verification_uri_complete << ")\n";
    out << "Sign in as the user whose mailbox closeoutd reads. The code expires in "
        << minutes(d.expires_in) << "; waiting..." << std::endl;
  };
  prompts.show_url = [&](const std::string& url) {
    if (o.json) {
      out << json{{"authorization_url", url}}.dump() << std::endl;
      return;
    }
    out << "To sign in, open this address in a browser on this machine:\n\n  " << url
        << "\n\nSign in as the user whose mailbox closeoutd reads; waiting for the browser..."
        << std::endl;
  };

  LoginResult result =
      device ? device_login(endpoints, prompts) : browser_login(endpoints, prompts);
  if (result.status != LoginStatus::ok || !result.tokens)
    return finish(o, out, err, result.status, result.message);

  TokenSet tokens = std::move(*result.tokens);
  if (tokens.username.empty())
    tokens.username = config.imap.auth == "oauth2" ? config.imap.username : config.smtp.username;
  tokens.needs_login = false;
  tokens.last_error.clear();
  try {
    save_token_store(path, tokens);
  } catch (const TokenStoreError& e) {
    return finish(o, out, err, LoginStatus::error,
                  std::string("signed in, but the tokens could not be stored: ") + e.what());
  }
  std::string message = "Signed in as " + tokens.username + "; tokens stored in " + path;
  const std::string& mailbox =
      config.imap.auth == "oauth2" ? config.imap.username : config.smtp.username;
  if (!o.json && !mailbox.empty() && !tokens.username.empty() && mailbox != tokens.username)
    out << "Note: the mailbox is " << mailbox << " and the sign-in is " << tokens.username
        << "; for a shared mailbox that user needs Full Access (and Send As) to it." << std::endl;
  if (!o.json && !uses_oauth2(config))
    out << "Note: neither [imap] nor [smtp] has auth = \"oauth2\" yet; set it to use this "
           "sign-in."
        << std::endl;
  json extra = {{"username", tokens.username}, {"token_store", path}};
  if (!result.warning.empty()) {
    extra["warning"] = result.warning;
    err << "closeoutctl: oauth login: warning: " << result.warning << std::endl;
  }
  return finish(o, out, err, LoginStatus::ok, message, std::move(extra));
}

int run_oauth_status(const std::string& config_path, bool as_json, std::ostream& out,
                     std::ostream& err) {
  const std::optional<Config> loaded = load_command_config(config_path, err);
  if (!loaded) return exit_code::config;
  const Config& config = *loaded;
  const std::string path = token_store_path(config);
  std::optional<TokenSet> tokens;
  try {
    tokens = load_token_store(path);
  } catch (const TokenStoreError& e) {
    err << "closeoutctl: " << e.what() << '\n';
    return exit_code::config;
  }
  const std::string login = login_command(config.source);
  if (!tokens) {
    if (as_json) {
      out << json{{"provider", config.oauth.provider},
                  {"username", nullptr},
                  {"scopes", json::array()},
                  {"access_expires_at", nullptr},
                  {"refresh_obtained_at", nullptr},
                  {"last_refresh_at", nullptr},
                  {"last_error", "not signed in"},
                  {"needs_login", true},
                  {"signed_in", false},
                  {"token_store", path}}
                 .dump()
          << '\n';
    } else {
      out << "Not signed in (no token store at " << path << "): run " << login << '\n';
    }
    return exit_code::config;
  }
  json status = token_status_json(*tokens);
  if (as_json) {
    status["signed_in"] = true;
    status["token_store"] = path;
    out << status.dump() << '\n';
    return tokens->needs_login ? exit_code::config : exit_code::ok;
  }
  auto text = [&](const char* key) {
    return status[key].is_null() ? std::string("never") : status[key].get<std::string>();
  };
  if (tokens->needs_login) {
    out << "Sign-in needed: "
        << (tokens->last_error.empty() ? "the sign-in is no longer valid" : tokens->last_error)
        << "\n  run " << login << '\n';
  }
  out << "Signed in as " << tokens->username << " (" << tokens->provider << ")\n";
  std::string scopes;
  for (const auto& s : tokens->scopes) scopes += (scopes.empty() ? "" : " ") + s;
  out << "  scopes:             " << (scopes.empty() ? "(none returned)" : scopes) << '\n';
  const bool expired = tokens->access_expires_at <= std::chrono::system_clock::now();
  out << "  access token until: " << text("access_expires_at")
      << (expired ? " (expired; closeoutd gets a new one when it needs it)" : "") << '\n';
  out << "  refresh token from: " << text("refresh_obtained_at") << '\n';
  out << "  last refresh:       " << text("last_refresh_at") << '\n';
  if (!tokens->last_error.empty() && !tokens->needs_login)
    out << "  last error:         " << tokens->last_error << '\n';
  out << "  token store:        " << path << '\n';
  return tokens->needs_login ? exit_code::config : exit_code::ok;
}

int run_oauth_logout(const std::string& config_path, std::ostream& out, std::ostream& err) {
  const std::optional<Config> loaded = load_command_config(config_path, err);
  if (!loaded) return exit_code::config;
  const Config& config = *loaded;
  const std::string path = token_store_path(config);
  try {
    if (!remove_token_store(path)) {
      out << "Not signed in: there was no token store at " << path << '\n';
      return exit_code::ok;
    }
  } catch (const TokenStoreError& e) {
    err << "closeoutctl: " << e.what() << '\n';
    return exit_code::io_error;
  }
  out << "Signed out: removed " << path << ". closeoutd cannot sign in to the mailbox until "
      << login_command(config.source)
      << " is run again. (To end the sign-in at the provider as well, revoke the app's access "
         "in the account's settings.)\n";
  return exit_code::ok;
}

}  // namespace closeout
