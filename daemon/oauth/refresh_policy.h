// SPDX-License-Identifier: GPL-3.0-or-later
// When closeoutd refreshes its access token, what a grant does to the token set, and how long it
// waits after a failed refresh. Pure decisions: "now" is passed in; nothing here fails.
#pragma once
#include <chrono>

#include "oauth_reply.h"
#include "token_store.h"

namespace closeout::oauth {

using TimePoint = std::chrono::system_clock::time_point;

// When to refresh: when a fifth of the access token's life is left, and no later than a week
// after the last refresh (refresh_obtained_at if never refreshed), whichever is first.
TimePoint refresh_due_at(const TokenSet& tokens);
// The access token can be used for a login now (more than 60 s of life left, not needs_login).
bool access_token_usable(const TokenSet& tokens, TimePoint now);
// The grant applied: new access token and expiry; a rotated refresh token replaces the old one
// (refresh_obtained_at = now); last_refresh_at = now; last_error cleared; needs_login false.
TokenSet apply_grant(TokenSet tokens, const TokenGrant& grant, TimePoint now);
// After a failed refresh: the wait before the next attempt (10 s doubling to 10 min, with the
// attempt number given), never past the access token's expiry minus 30 s when it is still valid.
std::chrono::seconds refresh_retry_after(int failed_attempts);
// The same, capped so that an access token still valid now is retried 30 s before it expires
// (when that is sooner than the back-off), and never less than 1 s.
std::chrono::seconds refresh_retry_after(int failed_attempts, const TokenSet& tokens,
                                         TimePoint now);

}  // namespace closeout::oauth
