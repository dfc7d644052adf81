// SPDX-License-Identifier: GPL-3.0-or-later
// The project's local mail stack (scripts/mailstack) for the transport tests: started once for
// the whole test binary, stopped at exit, and small helpers to run coroutines to completion.
#pragma once
#include <boost/asio/io_context.hpp>
#include <string>

#include "asio_awaitable.h"
#include "server_settings.h"

namespace closeout::testing {

struct MailStack {
  std::string dir;
  int imap_port = 0;
  int imaps_port = 0;
  int smtp_port = 0;
  std::string ca_file;
  std::string password_file;
  std::string password;
  // OAuth (scripts/mailstack's token issuer, for tests/oauth/test_auth_server.py).
  std::string oauth_jwt_key_file;  // the raw HS256 key the test server signs with
  std::string oauth_issuer;        // the "iss" Dovecot accepts
  std::string oauth_keys_dir;      // Dovecot's key dictionary: <azp>/<alg>/<kid> files

  // 0 on success, 77 when the stack cannot run here (not root), anything else on failure.
  int start();
  void stop();
  void imap_stop();
  void imap_start();

  transport::ServerSettings imaps(const std::string& mailbox = "INBOX") const;
  transport::ServerSettings imap_starttls(const std::string& mailbox = "INBOX") const;
  transport::ServerSettings smtp() const;
};

MailStack& stack();

// Runs one coroutine on io to completion (see asio_awaitable.h).
using transport::run_to_completion;

// A unique, readable message for the tests.
std::string test_message(const std::string& subject, std::size_t body_bytes = 200);

}  // namespace closeout::testing
