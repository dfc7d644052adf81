// SPDX-License-Identifier: GPL-3.0-or-later
// auth = "oauth2": where a connection gets its access token just before it logs in. The transport
// does not know OAuth; the daemon hands it a BearerSource (the TokenManager behind it). A source
// that has no token says why, and whether a person must act (signin) or waiting helps.
#pragma once
#include <functional>
#include <string>

#include "asio_awaitable.h"
#include "server_settings.h"
#include "transport_error.h"

namespace closeout::transport {

struct Bearer {
  std::string token;                  // secret; empty: no login possible now
  std::string username;               // who signed in (the token's user), for mismatch messages
  Failure failure = Failure::signin;  // when token is empty: signin, or unreachable (retry soon)
  std::string message;                // when token is empty: why, in plain words, never a secret
};

using BearerSource = std::function<boost::asio::awaitable<Bearer>()>;

// Puts the source's token into settings (oauth2 only; others are left alone). Throws
// TransportError (the source's failure kind, naming the server) when there is no token.
boost::asio::awaitable<void> take_bearer(ServerSettings& settings, const BearerSource& source);

}  // namespace closeout::transport
