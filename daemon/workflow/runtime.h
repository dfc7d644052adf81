// SPDX-License-Identifier: GPL-3.0-or-later
// Everything closeoutd and closeoutctl load from one configuration file: the config itself, the
// form definition, the templates, the open database and the mail factory. reload() (SIGHUP)
// builds the new set first and swaps only when all of it loaded, so a bad edit keeps the old.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <functional>
#include <memory>
#include <string>

#include "config.h"
#include "form_definition.h"
#include "mail_factory.h"
#include "mail_templates.h"
#include "statement_cache.h"
#include "workflow.h"

namespace closeout::workflow {

class Runtime {
 public:
  // Called with the loaded configuration before the database is opened: closeoutd checks the
  // configuration can work and takes its instance lock there, before anything is written.
  using BeforeStore = std::function<void(const Config&)>;

  // Throws ConfigError (bad config, form or templates) or store::StoreError, or whatever
  // before_store throws.
  static std::unique_ptr<Runtime> open(const std::string& config_path,
                                       const BeforeStore& before_store = {});

  // Re-reads the config file, the form and the templates. Throws (and changes nothing) when
  // any of them is bad, or when the configuration cannot work (check_config_usable): the
  // daemon keeps the old one. store.path cannot change without a restart: logged and ignored.
  void reload();

  Workflow workflow() { return {*db_, config_, *form_, *mail_, read_attachment_}; }
  // Called about once a second while an attachment is read (closeoutd pings the systemd
  // watchdog: its event loop waits for the helper meanwhile). Kept across reload().
  void set_attachment_keep_alive(std::function<void()> keep_alive);
  const Config& config() const { return config_; }
  SQLite::Database& db() { return *db_; }

 private:
  std::string path_;
  Config config_;
  std::shared_ptr<const FormDefinition> form_;
  std::unique_ptr<MailTemplates> templates_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<store::StatementCache> statements_;  // after db_: finalized before it closes
  std::unique_ptr<MailFactory> mail_;
  void make_attachment_reader();
  AttachmentReader read_attachment_;  // the attachment helper process, under [limits]
  std::function<void()> keep_alive_;
};

}  // namespace closeout::workflow
