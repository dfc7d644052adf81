// SPDX-License-Identifier: GPL-3.0-or-later
#include "mail_templates.h"

#include <filesystem>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <sstream>

namespace closeout::workflow {

namespace mustache = kainjow::mustache;

namespace {

mustache::data to_data(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      mustache::data d{mustache::data::type::object};
      for (const auto& [key, value] : j.items()) d.set(key, to_data(value));
      return d;
    }
    case nlohmann::json::value_t::array: {
      mustache::data list{mustache::data::type::list};
      for (const auto& item : j) list.push_back(to_data(item));
      return list;
    }
    case nlohmann::json::value_t::string:
      return {j.get<std::string>()};
    case nlohmann::json::value_t::boolean:
      return {j.get<bool>()};
    case nlohmann::json::value_t::null:
      return {false};
    default:
      return {j.dump()};
  }
}

// The template parsed, or TemplateError saying what is wrong with it.
std::shared_ptr<mustache::mustache> parse_template(const std::string& name, const std::string& text,
                                                   const std::string& source) {
  auto parsed = std::make_shared<mustache::mustache>(text);
  if (!parsed->is_valid())
    throw TemplateError("template " + source + ": " + parsed->error_message());
  if (!text.starts_with("Subject:"))
    throw TemplateError("template " + source + " (" + name +
                        "): the first line must be \"Subject: ...\"");
  parsed->set_custom_escape([](const std::string& s) { return s; });
  return parsed;
}

}  // namespace

const std::vector<std::string_view>& MailTemplates::names() {
  static const std::vector<std::string_view> list = {
      "notice",   "problems",      "pending",         "closeout",       "confirmation",
      "reminder", "escalation",    "closeout_failed", "not_dispatched", "already_closed",
      "digest",   "signin_needed", "review_needed",   "review_rejected"};
  return list;
}

MailTemplates::MailTemplates() {
  for (auto name : names()) {
    std::string key(name);
    texts_.emplace(key, std::string(builtin_template(name)));
    sources_.emplace(key, "built-in");
    parsed_.emplace(key, parse_template(key, texts_[key], "built-in"));
  }
}

MailTemplates MailTemplates::load(const std::string& override_dir) {
  MailTemplates set;
  if (!override_dir.empty() && !std::filesystem::is_directory(override_dir))
    throw TemplateError("templates.dir " + override_dir + " is not a directory");
  for (auto name : names()) {
    std::string key(name);
    if (!override_dir.empty()) {
      auto path = std::filesystem::path(override_dir) / (key + ".txt");
      if (std::filesystem::exists(path)) {
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in) throw TemplateError("cannot read template " + path.string());
        set.texts_[key] = text.str();
        set.sources_[key] = path.string();
      }
    }
    set.parsed_[key] = parse_template(key, set.texts_[key], set.sources_[key]);
  }
  return set;
}

RenderedMail MailTemplates::render(std::string_view name, const nlohmann::json& context) const {
  auto it = parsed_.find(name);
  if (it == parsed_.end()) throw TemplateError("no template named " + std::string(name));
  std::string text = it->second->render(to_data(context));
  RenderedMail out;
  auto end_of_subject = text.find('\n');
  std::string first = text.substr(0, end_of_subject);
  if (!first.empty() && first.back() == '\r') first.pop_back();
  out.subject = first.substr(std::string_view("Subject:").size());
  auto start = out.subject.find_first_not_of(' ');
  out.subject = start == std::string::npos ? "" : out.subject.substr(start);
  while (!out.subject.empty() && out.subject.back() == ' ') out.subject.pop_back();
  if (end_of_subject != std::string::npos) {
    out.body = text.substr(end_of_subject + 1);
    while (out.body.starts_with("\n") || out.body.starts_with("\r\n"))
      out.body.erase(0, out.body.find('\n') + 1);
  }
  return out;
}

}  // namespace closeout::workflow
