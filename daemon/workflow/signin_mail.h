// SPDX-License-Identifier: GPL-3.0-or-later
// The admins' mail when closeoutd's OAuth sign-in stops working (invalid_grant: the refresh
// token expired or was revoked): one mail per lost sign-in, through the outbox, whatever
// restarts happen meanwhile. Only queued when SMTP does not depend on the same sign-in.
#pragma once
#include <string>

#include "workflow.h"

namespace closeout::workflow {

struct SigninNeeded {
  std::string mailbox;        // imap.username, or smtp.username when only SMTP signs in
  std::string username;       // who signed in last ("" when unknown)
  std::string reason;         // plain words, never a token
  std::string login_command;  // "closeoutctl --config F oauth login"
  // When the sign-in last worked (the last refresh, or the login): one mail per value.
  store::Timestamp signed_in_at = 0;
};

enum class SigninMailOutcome { queued, already_sent, no_recipients };

// Queues the mail to dealer.admins unless one was queued for this lost sign-in already.
SigninMailOutcome queue_signin_needed(Workflow& w, const SigninNeeded& what, store::Timestamp now);

}  // namespace closeout::workflow
