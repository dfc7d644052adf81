// SPDX-License-Identifier: GPL-3.0-or-later
#include "runtime.h"

#include <spdlog/spdlog.h>

#include "attachment_helper.h"
#include "config_check.h"
#include "crash_points.h"
#include "database.h"
#include "form_file.h"

namespace closeout::workflow {

namespace {

MailTemplates load_templates(const Config& config) {
  try {
    return MailTemplates::load(config.templates.dir);
  } catch (const TemplateError& e) {
    throw ConfigError(config.source + ": " + e.what());
  }
}

}  // namespace

std::unique_ptr<Runtime> Runtime::open(const std::string& config_path,
                                       const BeforeStore& before_store) {
  auto rt = std::make_unique<Runtime>();
  rt->path_ = config_path;
  rt->config_ = load_config(config_path);
  rt->form_ = load_form_definition(rt->config_);
  rt->templates_ = std::make_unique<MailTemplates>(load_templates(rt->config_));
  if (before_store) before_store(rt->config_);
  rt->db_ = store::open_database(rt->config_.store.path);
  crash_points::watch_commits(rt->db_->getHandle());  // test only: a no-op unless asked
  rt->statements_ = std::make_unique<store::StatementCache>(*rt->db_);
  rt->mail_ = std::make_unique<MailFactory>(rt->config_, *rt->templates_);
  rt->make_attachment_reader();
  return rt;
}

void Runtime::reload() {
  Config fresh = load_config(path_);
  check_config_usable(fresh);
  auto form = load_form_definition(fresh);
  auto templates = std::make_unique<MailTemplates>(load_templates(fresh));
  if (fresh.store.path != config_.store.path) {
    spdlog::warn("{}: store.path changed to {}; that takes a restart, keeping {}", path_,
                 fresh.store.path, config_.store.path);
    fresh.store.path = config_.store.path;
  }
  config_ = std::move(fresh);
  form_ = std::move(form);
  templates_ = std::move(templates);
  mail_->set_config(config_);
  mail_->set_templates(*templates_);
  make_attachment_reader();
}

void Runtime::set_attachment_keep_alive(std::function<void()> keep_alive) {
  keep_alive_ = std::move(keep_alive);
  make_attachment_reader();
}

void Runtime::make_attachment_reader() {
  AttachmentHelperSettings settings = attachment_helper_settings(config_);
  settings.keep_alive = keep_alive_;
  read_attachment_ = helper_attachment_reader(std::move(settings));
}

}  // namespace closeout::workflow
