// Everything closeoutd and closeoutctl load from one configuration file: the config itself, the
// form definition, the templates, the open database and the mail factory. reload() (SIGHUP)
// builds the new set first and swaps only when all of it loaded, so a bad edit keeps the old.
#pragma once
#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <string>

#include "config.h"
#include "form_definition.h"
#include "mail_factory.h"
#include "mail_templates.h"
#include "workflow.h"

namespace closeout::workflow {

class Runtime {
 public:
  // Throws ConfigError (bad config, form or templates) or store::StoreError.
  static std::unique_ptr<Runtime> open(const std::string& config_path);

  // Re-reads the config file, the form and the templates. Throws (and changes nothing) when
  // any of them is bad. store.path cannot change without a restart: logged and ignored.
  void reload();

  Workflow workflow() { return {*db_, config_, *form_, *mail_}; }
  const Config& config() const { return config_; }
  SQLite::Database& db() { return *db_; }

 private:
  std::string path_;
  Config config_;
  std::shared_ptr<const FormDefinition> form_;
  std::unique_ptr<MailTemplates> templates_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<MailFactory> mail_;
};

}  // namespace closeout::workflow
