// SPDX-License-Identifier: GPL-3.0-or-later
// The two interactive sign-ins `closeoutctl oauth login` runs: the device flow (RFC 8628) and
// the browser flow (authorization code + PKCE on a 127.0.0.1 redirect). Every outcome is a
// LoginResult value with a one-line message that never holds a secret; nothing here throws.
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "oauth_provider.h"
#include "oauth_reply.h"
#include "token_store.h"

namespace closeout::oauth {

enum class LoginStatus { ok, denied, expired, unreachable, config, error };  // exit 0,77,75,69,78,1

struct LoginResult {
  LoginStatus status = LoginStatus::error;
  std::string message;             // one line, never a secret
  std::optional<TokenSet> tokens;  // when ok
  std::string warning;             // when ok but the sign-in will not last (one line), else ""
};

// A refresh token that dies within about a week means a new login every week: for Google, the
// consent screen left in "Testing". The words for the admin, or "" when it lives longer.
std::string short_refresh_warning(const std::string& provider, const TokenGrant& grant);

struct LoginPrompts {
  std::function<void(const DeviceAuthorization&)> show_device_code;    // device flow
  std::function<void(const std::string& authorization_url)> show_url;  // browser flow
};

// RFC 8628: polls every `interval` (slow_down: +5 s from then on), until approved, denied or
// expired. `sleep` is injectable for tests (default: std::this_thread::sleep_for).
LoginResult device_login(const OAuthEndpoints& endpoints, const LoginPrompts& prompts,
                         const std::function<void(std::chrono::seconds)>& sleep = {});
// RFC 7636 S256 + state; listens on 127.0.0.1 at a random port (Boost.Beast) for the redirect
// http://127.0.0.1:PORT/ ; gives up after timeout.
LoginResult browser_login(const OAuthEndpoints& endpoints, const LoginPrompts& prompts,
                          std::chrono::seconds timeout = std::chrono::seconds(300));

}  // namespace closeout::oauth
