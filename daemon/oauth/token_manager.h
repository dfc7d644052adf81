// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutd's one token set (auth = "oauth2"), shared by IMAP and SMTP: loaded from the token
// store, re-read when `closeoutctl oauth login` replaces the file, refreshed on the event loop
// (never blocking it) before expiry and at least weekly, one refresh at a time. Nothing here is
// fatal: a failed refresh keeps the tokens and backs off, invalid_grant marks the store as
// needing a login, and every answer says in plain words what to do. Never logs a token.
#pragma once
#include <sys/stat.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "asio_awaitable.h"
#include "curl_multi.h"
#include "oauth_provider.h"
#include "token_store.h"

namespace closeout::oauth {

enum class TokenState { usable, refreshing_failed, needs_login, not_signed_in };
std::string_view token_state_name(TokenState state) noexcept;

struct AccessToken {  // what a login gets
  std::string token;  // secret; empty unless state allows a login
  TokenState state = TokenState::not_signed_in;
  std::string message;   // why not, in plain words, with the command to run
  std::string username;  // who signed in (added: for "the token is for X, the mailbox is Y")
};

class TokenManager {
 public:
  TokenManager(boost::asio::io_context& io, transport::CurlMulti& multi, OAuthEndpoints endpoints,
               std::string store_path);
  ~TokenManager();
  TokenManager(const TokenManager&) = delete;
  TokenManager& operator=(const TokenManager&) = delete;

  // A token for a login now: refreshes first when not usable; concurrent callers (IMAP and SMTP)
  // share one refresh. Never throws.
  boost::asio::awaitable<AccessToken> access_token();
  // Runs the refresh timer (before expiry, at least weekly, back-off on failures) until stop().
  void start();
  void stop();
  // Called on every change of state (for sd_notify STATUS and the admins' mail).
  std::function<void(TokenState, const std::string& message)> on_state_change;

  // Added beside the fixed interface:
  // The command the messages tell a person to run ("closeoutctl --config F oauth login").
  std::string login_command = "closeoutctl oauth login";
  // While not signed in or waiting for a new login: how often the timer looks at the store.
  std::chrono::milliseconds store_check_interval{5000};
  TokenState state();                // after a look at the store; no network
  std::string message();             // the same look; "" when usable
  std::optional<TokenSet> tokens();  // the set in use (tests, check-config); secrets inside
  const std::string& store_path() const { return path_; }

 private:
  struct FileId {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    std::int64_t mtime_ns = 0;
    off_t size = 0;
    bool operator==(const FileId&) const = default;
  };
  FileId file_id() const;
  // Loads the store when its file changed (a login, a logout, our own save excepted).
  void reload_if_changed();
  // Saves the in-memory set unless someone replaced the file since we read it (their login
  // wins: the file is re-read instead). true when saved.
  bool save();
  AccessToken evaluate(std::chrono::system_clock::time_point now) const;
  void publish();  // computes the state and tells on_state_change when it changed
  boost::asio::awaitable<void> refresh();
  boost::asio::awaitable<void> wait_for_refresh();
  boost::asio::awaitable<void> run_timer();
  void refresh_failed(const std::string& why, std::chrono::system_clock::time_point now);
  void apply_reply(long status, const std::string& body, std::chrono::system_clock::time_point now);

  boost::asio::io_context& io_;
  transport::CurlMulti& multi_;
  OAuthEndpoints endpoints_;
  std::string path_;
  std::optional<TokenSet> tokens_;
  std::string load_error_;  // the store cannot be used (mode, malformed): why
  FileId loaded_{};
  bool looked_ = false;
  bool unsaved_ = false;  // a refreshed set not yet on disk: not used until it is
  int failures_ = 0;      // failed refreshes in a row
  std::chrono::system_clock::time_point retry_at_{};
  std::string retry_why_;
  bool refreshing_ = false;
  boost::asio::steady_timer refresh_done_;
  boost::asio::steady_timer timer_;
  bool stopping_ = false;
  bool started_ = false;
  std::optional<TokenState> published_;
  std::string published_message_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace closeout::oauth
