// SPDX-License-Identifier: GPL-3.0-or-later
// What every step of the close-out workflow works with: the database, the configuration, the
// form, and the factory that queues outgoing mail. The daemon and closeoutctl build one each;
// the steps themselves (incoming_mail, reminders, send_results, admin_actions) read no clock
// and touch no network: "now" and "today" are passed in.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include "analyze.h"
#include "config.h"
#include "form_definition.h"
#include "mail_factory.h"

namespace closeout::workflow {

struct Workflow {
  SQLite::Database& db;
  const Config& config;
  const FormDefinition& form;
  MailFactory& mail;
  // Reads a binary attachment of incoming mail (the Runtime's runs the attachment helper
  // process); empty: attachments are listed as not read.
  AttachmentReader read_attachment = {};
};

// Recipients as addr-specs from config lists ("Name <a@b>" or "a@b"); globs are skipped.
std::vector<std::string> addresses(const std::vector<std::string>& configured);

}  // namespace closeout::workflow
