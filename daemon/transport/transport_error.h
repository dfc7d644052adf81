// SPDX-License-Identifier: GPL-3.0-or-later
// What can go wrong talking to a mail server, in the words an admin acts on. Transport code
// throws TransportError inside its coroutines; the edges (check-config, the watcher) catch it,
// log it once and turn it into an exit code or a retry. Messages never carry a secret.
#pragma once
#include <stdexcept>
#include <string>
#include <string_view>

namespace closeout::transport {

enum class Failure {
  unreachable,  // no connection: refused, no route, closed by the server
  tls,          // TLS handshake failed, or STARTTLS required and not offered
  certificate,  // the server's certificate did not verify
  auth,         // the server refused our credentials
  timeout,      // the server stopped answering
  protocol,     // the server answered something we cannot use (NO, BAD, garbage)
  config,       // our own settings cannot work (bad URL, unreadable CA file)
  cancelled,    // we were asked to stop
  signin,       // auth = "oauth2": no usable token until a person signs in again (oauth login),
                // or the token is for a user the mailbox refuses; waited out, never a verdict
                // on a mail
};

class TransportError : public std::runtime_error {
 public:
  TransportError(Failure kind, const std::string& message)
      : std::runtime_error(message), kind_(kind) {}
  Failure kind() const noexcept { return kind_; }

 private:
  Failure kind_;
};

std::string_view failure_name(Failure kind) noexcept;

// sysexits as SPEC "Commands" says: 69 for a server we cannot use, 78 for our configuration or
// credentials.
int exit_code_for(Failure kind) noexcept;

// Retrying helps with these; a refused password or bad config only fills the log. A missing
// sign-in is retried (slowly): the daemon keeps running until someone runs `oauth login`.
bool is_transient(Failure kind) noexcept;

// "imaps://user:secret@host/INBOX" → "imaps://host/INBOX": URLs in messages lose their userinfo.
std::string redact_url(std::string_view url);

}  // namespace closeout::transport
