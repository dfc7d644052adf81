// SPDX-License-Identifier: GPL-3.0-or-later
#include "token_manager.h"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>
#include <variant>

#include "oauth_reply.h"
#include "refresh_policy.h"
#include "token_request.h"

namespace closeout::oauth {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

namespace {

// The timer never sleeps longer than this, so a changed wall clock (a suspended VM, an NTP step)
// is noticed within it, not a week later.
constexpr auto kLongestSleep = std::chrono::minutes(15);

std::string utc_time(Clock::time_point at) {
  std::time_t t = Clock::to_time_t(at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%H:%M:%S UTC", &tm);
  return text;
}

// The access token may be used for a login: libcurl needs a moment, and the server checks the
// expiry when it reads the token. A minute of life left (refresh_policy's rule), or a fifth of
// the token's life for tokens shorter than five minutes (test servers issue seconds-long ones:
// the fresh token of a refresh must be usable even then).
bool usable_at(const TokenSet& t, Clock::time_point now) {
  if (t.needs_login || t.access_token.empty()) return false;
  if (access_token_usable(t, now)) return true;
  auto life = t.access_expires_at - t.access_obtained_at;
  auto margin = std::min<Clock::duration>(60s, life / 5);
  return t.access_expires_at - now > margin;
}

}  // namespace

std::string_view token_state_name(TokenState state) noexcept {
  switch (state) {
    case TokenState::usable:
      return "signed in";
    case TokenState::refreshing_failed:
      return "token refresh failing";
    case TokenState::needs_login:
      return "sign-in needed";
    case TokenState::not_signed_in:
      return "not signed in";
  }
  return "unknown";
}

TokenManager::TokenManager(asio::io_context& io, transport::CurlMulti& multi,
                           OAuthEndpoints endpoints, std::string store_path)
    : io_(io),
      multi_(multi),
      endpoints_(std::move(endpoints)),
      path_(std::move(store_path)),
      refresh_done_(io),
      timer_(io) {}

TokenManager::~TokenManager() { *alive_ = false; }

TokenManager::FileId TokenManager::file_id() const {
  struct stat st {};
  FileId id;
  if (::stat(path_.c_str(), &st) != 0) return id;
  id.exists = true;
  id.dev = st.st_dev;
  id.ino = st.st_ino;
  id.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  id.size = st.st_size;
  return id;
}

void TokenManager::reload_if_changed() {
  FileId id = file_id();
  if (looked_ && id == loaded_) return;
  looked_ = true;
  loaded_ = id;
  // Whatever we had is superseded: a new login (or a logout) starts afresh.
  unsaved_ = false;
  failures_ = 0;
  retry_at_ = {};
  retry_why_.clear();
  load_error_.clear();
  try {
    tokens_ = load_token_store(path_);
  } catch (const std::exception& e) {  // TokenStoreError: names the path, never the content
    tokens_.reset();
    load_error_ = e.what();
  }
}

bool TokenManager::save() {
  if (!tokens_) return false;
  if (file_id() != loaded_) {
    // Replaced under us (closeoutctl oauth login while we refreshed): that sign-in wins.
    spdlog::info("OAuth: {} was replaced (a new sign-in); using it", path_);
    reload_if_changed();
    return false;
  }
  try {
    save_token_store(path_, *tokens_);
  } catch (const std::exception& e) {
    retry_why_ = e.what();
    return false;
  }
  loaded_ = file_id();
  return true;
}

AccessToken TokenManager::evaluate(Clock::time_point now) const {
  AccessToken a;
  const std::string run = "run " + login_command;
  if (!load_error_.empty()) {
    a.message = "the token store cannot be used: " + load_error_ + " (fix it, or " + run + ")";
    return a;
  }
  if (!tokens_) {
    a.message = "not signed in yet: " + run;
    return a;
  }
  a.username = tokens_->username;
  if (tokens_->needs_login) {
    a.state = TokenState::needs_login;
    std::string why =
        tokens_->last_error.empty() ? "the refresh token was refused" : tokens_->last_error;
    // The stored words may already say what to run, without the configuration file.
    for (const char* said : {": run closeoutctl oauth login", "; run closeoutctl oauth login"})
      if (auto at = why.find(said); at != std::string::npos) why.erase(at);
    a.message = "sign-in needed: " + why + "; " + run;
    return a;
  }
  if (!unsaved_ && usable_at(*tokens_, now)) {
    a.state = TokenState::usable;
    a.token = tokens_->access_token;
    return a;
  }
  if (tokens_->refresh_token.empty()) {
    // Nothing to renew with: the server granted no refresh token (offline_access missing).
    a.state = TokenState::needs_login;
    a.message =
        "sign-in needed: the access token has expired and the sign-in gave no refresh "
        "token (is offline_access among the scopes?); " +
        run;
    return a;
  }
  a.state = TokenState::refreshing_failed;
  if (unsaved_)
    a.message = "the renewed tokens cannot be saved (" + retry_why_ + "); next try at " +
                utc_time(retry_at_);
  else if (failures_ > 0)
    a.message = "the access token has expired and cannot be renewed yet (" + retry_why_ +
                "); next try at " + utc_time(retry_at_);
  else
    a.message = "the access token has expired; renewing it";
  return a;
}

void TokenManager::publish() {
  auto now = evaluate(Clock::now());
  if (published_ == now.state && published_message_ == now.message) return;
  bool was_usable = published_ == TokenState::usable;
  published_ = now.state;
  published_message_ = now.message;
  switch (now.state) {
    case TokenState::usable:
      if (!was_usable) spdlog::info("OAuth: signed in as {}", now.username);
      break;
    case TokenState::refreshing_failed:
      spdlog::warn("OAuth: {}", now.message);
      break;
    case TokenState::needs_login:
    case TokenState::not_signed_in:
      spdlog::error("OAuth: {}", now.message);
      break;
  }
  if (on_state_change) on_state_change(now.state, now.message);
}

TokenState TokenManager::state() {
  reload_if_changed();
  return evaluate(Clock::now()).state;
}

std::string TokenManager::message() {
  reload_if_changed();
  return evaluate(Clock::now()).message;
}

std::optional<TokenSet> TokenManager::tokens() {
  reload_if_changed();
  return tokens_;
}

asio::awaitable<AccessToken> TokenManager::access_token() {
  reload_if_changed();
  auto now = Clock::now();
  auto current = evaluate(now);
  if (current.state == TokenState::refreshing_failed && !stopping_) {
    if (refreshing_)
      co_await wait_for_refresh();  // the refresh in flight serves every caller
    else if (now >= retry_at_)
      co_await refresh();
    reload_if_changed();
    current = evaluate(Clock::now());
  }
  publish();
  co_return current;
}

asio::awaitable<void> TokenManager::wait_for_refresh() {
  while (refreshing_ && !stopping_) {
    boost::system::error_code ec;
    co_await refresh_done_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

void TokenManager::refresh_failed(const std::string& why, Clock::time_point now) {
  ++failures_;
  // One more try while the access token still works, rather than after it died.
  retry_at_ = now + (tokens_ ? refresh_retry_after(failures_, *tokens_, now)
                             : refresh_retry_after(failures_));
  retry_why_ = why;
  if (tokens_ && !unsaved_) {
    std::string stored = "the last token refresh failed: " + why;
    if (tokens_->last_error != stored) {
      tokens_->last_error = stored;  // for `report` and `oauth status`; best effort
      save();
    }
  }
}

void TokenManager::apply_reply(long status, const std::string& body, Clock::time_point now) {
  auto result = read_token_reply(status, body);
  if (const auto* grant = std::get_if<TokenGrant>(&result)) {
    bool rotated = grant->refresh_token.has_value();
    tokens_ = apply_grant(*tokens_, *grant, now);
    // A rotated refresh token exists only here until it is on disk: the old one no longer
    // works, so a crash before the save would lose the sign-in. Nothing is used before it.
    unsaved_ = true;
    FileId before = loaded_;
    if (save()) {
      unsaved_ = false;
      failures_ = 0;
      retry_at_ = {};
      retry_why_.clear();
      spdlog::info("OAuth: access token renewed{}, valid until {}",
                   rotated ? " (new refresh token saved)" : "",
                   utc_time(tokens_->access_expires_at));
    } else if (loaded_ == before) {
      spdlog::error("OAuth: the renewed tokens cannot be saved: {}", retry_why_);
      refresh_failed(retry_why_, now);
    }
    return;
  }
  const auto& error = std::get<OAuthError>(result);
  if (needs_new_login(error)) {
    tokens_->needs_login = true;
    tokens_->last_error = error.plain();
    if (!save() && tokens_ && tokens_->needs_login)
      spdlog::error("OAuth: cannot record in {} that a sign-in is needed: {}", path_, retry_why_);
    return;
  }
  refresh_failed(error.plain(), now);
}

asio::awaitable<void> TokenManager::refresh() {
  refreshing_ = true;
  refresh_done_.expires_at(asio::steady_timer::time_point::max());
  // Whatever way this ends (a destroyed frame included), the waiters are released.
  struct Release {
    TokenManager* manager;
    std::weak_ptr<bool> alive;
    ~Release() {
      if (alive.expired()) return;
      manager->refreshing_ = false;
      manager->refresh_done_.cancel();
    }
  } release{this, alive_};
  auto now = Clock::now();
  if (unsaved_) {  // a renewed set still waiting for the disk
    if (save()) {
      unsaved_ = false;
      failures_ = 0;
      retry_why_.clear();
    } else {
      refresh_failed(retry_why_, now);
    }
    co_return;
  }
  if (!tokens_ || tokens_->needs_login || tokens_->refresh_token.empty()) co_return;
  FileId before = loaded_;
  std::weak_ptr<bool> alive = alive_;
  auto request = refresh_request(endpoints_, tokens_->refresh_token);
  CURLcode rc = co_await multi_.perform(request->easy());
  if (alive.expired()) co_return;
  multi_.release(request->easy());
  if (stopping_) co_return;
  HttpReply reply = request->reply(rc);
  reload_if_changed();
  if (loaded_ != before) co_return;  // a new sign-in came meanwhile: it wins
  if (!tokens_) co_return;
  if (reply.status == 0) {
    refresh_failed(
        reply.transport_error.empty() ? "the token endpoint did not answer" : reply.transport_error,
        now);
    co_return;
  }
  apply_reply(reply.status, reply.body, Clock::now());
}

void TokenManager::start() {
  if (started_) return;
  started_ = true;
  stopping_ = false;
  asio::co_spawn(io_, run_timer(), [alive = std::weak_ptr<bool>(alive_)](std::exception_ptr e) {
    if (!e || alive.expired()) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      spdlog::error("OAuth: the refresh timer stopped: {}", x.what());
    }
  });
}

void TokenManager::stop() {
  stopping_ = true;
  timer_.cancel();
  refresh_done_.cancel();
}

asio::awaitable<void> TokenManager::run_timer() {
  std::weak_ptr<bool> alive = alive_;
  reload_if_changed();
  publish();
  while (!stopping_) {
    auto now = Clock::now();
    Clock::time_point due;
    bool can_refresh = tokens_ && !tokens_->needs_login && load_error_.empty();
    if (!can_refresh)
      due = now + store_check_interval;  // waiting for `oauth login` to write the store
    else if (unsaved_ || failures_ > 0)
      due = retry_at_;
    else
      due = refresh_due_at(*tokens_);
    auto wait = std::clamp<Clock::duration>(due - now, Clock::duration::zero(), kLongestSleep);
    timer_.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(wait));
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (alive.expired() || stopping_) co_return;
    reload_if_changed();
    now = Clock::now();
    can_refresh = tokens_ && !tokens_->needs_login && load_error_.empty();
    if (can_refresh) {
      auto next = unsaved_ || failures_ > 0 ? retry_at_ : refresh_due_at(*tokens_);
      if (now >= next) {
        if (refreshing_)
          co_await wait_for_refresh();
        else
          co_await refresh();
        if (alive.expired() || stopping_) co_return;
      }
    }
    publish();
  }
}

}  // namespace closeout::oauth
