// SPDX-License-Identifier: GPL-3.0-or-later
#include "oauth_signin.h"

#include "oauth_provider.h"
#include "token_store.h"

namespace closeout {

namespace asio = boost::asio;

std::string login_command(const Config& config) {
  return "closeoutctl --config " + config.source + " oauth login";
}

std::unique_ptr<oauth::TokenManager> make_token_manager(asio::io_context& io,
                                                        transport::CurlMulti& multi,
                                                        const Config& config) {
  auto manager = std::make_unique<oauth::TokenManager>(io, multi, oauth::resolve_endpoints(config),
                                                       oauth::token_store_path(config));
  manager->login_command = login_command(config);
  return manager;
}

namespace {

asio::awaitable<transport::Bearer> bearer_of(oauth::TokenManager& tokens) {
  oauth::AccessToken token = co_await tokens.access_token();
  transport::Bearer bearer;
  bearer.token = std::move(token.token);
  bearer.username = std::move(token.username);
  bearer.message = std::move(token.message);
  bearer.failure = token.state == oauth::TokenState::refreshing_failed
                       ? transport::Failure::unreachable
                       : transport::Failure::signin;
  co_return bearer;
}

}  // namespace

transport::BearerSource bearer_source(oauth::TokenManager& tokens) {
  return [&tokens] { return bearer_of(tokens); };
}

std::string signin_status(oauth::TokenState state, const Config& config) {
  switch (state) {
    case oauth::TokenState::usable:
      return "";
    case oauth::TokenState::refreshing_failed:
      return "OAuth token refresh failing, retrying";
    case oauth::TokenState::needs_login:
    case oauth::TokenState::not_signed_in:
      return "sign-in needed: run " + login_command(config);
  }
  return "";
}

}  // namespace closeout
