// SPDX-License-Identifier: GPL-3.0-or-later
// The refresh schedule and what a grant does to the token set (SPEC "OAuth 2.0 sign-in"): a fifth
// of the life left, at least weekly (Microsoft drops a refresh token unused for 90 days, and an
// idle dispatch mailbox must never get near that), back-off on failures. Pure.
#include "refresh_policy.h"

#include <algorithm>

namespace closeout::oauth {

namespace {
constexpr std::chrono::hours kWeek{7 * 24};
constexpr std::chrono::seconds kUsableMargin{60};
}  // namespace

TimePoint refresh_due_at(const TokenSet& tokens) {
  const auto life = tokens.access_expires_at - tokens.access_obtained_at;
  TimePoint by_life = tokens.access_expires_at;
  if (life > decltype(life)::zero()) by_life = tokens.access_expires_at - life / 5;
  const TimePoint last = tokens.last_refresh_at > tokens.refresh_obtained_at
                             ? tokens.last_refresh_at
                             : tokens.refresh_obtained_at;
  const TimePoint weekly = last + kWeek;
  return std::min(by_life, weekly);
}

bool access_token_usable(const TokenSet& tokens, TimePoint now) {
  return !tokens.needs_login && !tokens.access_token.empty() &&
         tokens.access_expires_at - now > kUsableMargin;
}

TokenSet apply_grant(TokenSet tokens, const TokenGrant& grant, TimePoint now) {
  tokens.access_token = grant.access_token;
  tokens.access_obtained_at = now;
  tokens.access_expires_at = now + grant.expires_in;
  if (grant.refresh_token && *grant.refresh_token != tokens.refresh_token) {
    tokens.refresh_token = *grant.refresh_token;
    tokens.refresh_obtained_at = now;
  }
  if (!grant.username.empty()) tokens.username = grant.username;
  if (!grant.scope.empty()) {
    tokens.scopes.clear();
    std::size_t at = 0;
    while (at < grant.scope.size()) {
      auto end = grant.scope.find(' ', at);
      if (end == std::string::npos) end = grant.scope.size();
      if (end > at) tokens.scopes.push_back(grant.scope.substr(at, end - at));
      at = end + 1;
    }
  }
  tokens.last_refresh_at = now;
  tokens.last_error.clear();
  tokens.needs_login = false;
  return tokens;
}

std::chrono::seconds refresh_retry_after(int failed_attempts) {
  constexpr std::chrono::seconds first{10};
  constexpr std::chrono::seconds most{600};
  std::chrono::seconds wait = first;
  for (int i = 1; i < failed_attempts && wait < most; ++i) wait *= 2;
  return std::min(wait, most);
}

std::chrono::seconds refresh_retry_after(int failed_attempts, const TokenSet& tokens,
                                         TimePoint now) {
  std::chrono::seconds wait = refresh_retry_after(failed_attempts);
  const TimePoint last_chance = tokens.access_expires_at - std::chrono::seconds(30);
  if (!tokens.access_token.empty() && last_chance > now) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(last_chance - now);
    wait = std::min(wait, left);
  }
  return std::max(wait, std::chrono::seconds(1));
}

}  // namespace closeout::oauth
