// SPDX-License-Identifier: GPL-3.0-or-later
#include "bearer_source.h"

namespace closeout::transport {

boost::asio::awaitable<void> take_bearer(ServerSettings& settings, const BearerSource& source) {
  if (!settings.oauth2) co_return;
  if (!source)
    throw TransportError(Failure::config, settings.where() + ": " + settings.section +
                                              ".auth = \"oauth2\" but no token manager was set up");
  Bearer bearer = co_await source();
  if (bearer.token.empty())
    throw TransportError(bearer.failure, settings.where() + ": " + bearer.message);
  settings.secret = std::move(bearer.token);
  settings.token_user = std::move(bearer.username);
}

}  // namespace closeout::transport
