// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutd's side of auth = "oauth2": one TokenManager for the daemon (or for --once), the
// BearerSource IMAP and SMTP log in with, and the words for the service status. Fatal only at
// start-up: an [oauth] section that cannot work is a ConfigError (exit 78).
#pragma once
#include <memory>
#include <string>

#include "bearer_source.h"
#include "config.h"
#include "config_check.h"  // uses_oauth2
#include "token_manager.h"

namespace closeout {

// "closeoutctl --config F oauth login", F the configuration closeoutd runs with.
std::string login_command(const Config& config);

// The manager for config's [oauth] and token store. Throws ConfigError.
std::unique_ptr<oauth::TokenManager> make_token_manager(boost::asio::io_context& io,
                                                        transport::CurlMulti& multi,
                                                        const Config& config);

// The source the transport asks before each login. A failing refresh is worth a retry soon
// (unreachable); a missing sign-in waits for a person (signin).
transport::BearerSource bearer_source(oauth::TokenManager& tokens);

// "sign-in needed: run closeoutctl --config F oauth login" and the like, for sd_notify STATUS;
// "" while the sign-in works.
std::string signin_status(oauth::TokenState state, const Config& config);

}  // namespace closeout
