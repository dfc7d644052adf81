// SPDX-License-Identifier: GPL-3.0-or-later
// Turns a template and its values into an outbox entry: the rendered words, the dealer's From,
// RFC 3834 Auto-Submitted, our own Message-ID, threading headers when answering, the
// "[CITS #n]" subject tag, and the envelope sender (empty for automatic answers, so a
// technician's auto-responder cannot start a loop).
#pragma once
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "config.h"
#include "mail_compose.h"
#include "mail_templates.h"
#include "outbox_store.h"

namespace closeout::workflow {

struct Addressing {
  std::vector<std::string> to;    // addr-specs
  bool automatic_answer = false;  // an answer to a person: Auto-Submitted auto-replied, <>
  std::string in_reply_to;        // the Message-ID answered
  std::vector<std::string> references;
};

class MailFactory {
 public:
  MailFactory(const Config& config, const MailTemplates& templates);

  // Throws TemplateError or ComposeError; callers let it abort the transaction (nothing queued,
  // the message stays in the mailbox for the next try). Attachments follow the text
  // (multipart/mixed); the entry holds the whole message, so a retry sends the same bytes.
  store::OutboxEntry make(std::string_view kind, std::string_view template_name,
                          const std::string& dispatch_number, nlohmann::json context,
                          const Addressing& addressing, store::Timestamp now, std::string caused_by,
                          std::vector<MailAttachment> attachments = {});

  void set_templates(const MailTemplates& templates) { templates_ = &templates; }
  void set_config(const Config& config) { config_ = &config; }

 private:
  std::string new_message_id(store::Timestamp now);

  const Config* config_;
  const MailTemplates* templates_;
  std::mt19937_64 random_{std::random_device{}()};
};

// "Tue, 24 Nov 2026 09:30:00 +0000".
std::string rfc5322_date(store::Timestamp at);

}  // namespace closeout::workflow
