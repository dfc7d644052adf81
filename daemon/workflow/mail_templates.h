// SPDX-License-Identifier: GPL-3.0-or-later
// The outgoing mail's words, rendered from the mustache files in templates/. An admin may
// override any of them from [templates] dir; a file missing there falls back to the copy
// compiled in, so a partial override directory works. A template starts with "Subject: ..."
// and a blank line; the rest is the body. Values are inserted as they are (plain text, no HTML
// escaping); compose_mail makes them safe for headers.
#pragma once
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kainjow::mustache {
template <typename StringType>
class basic_mustache;
}

namespace closeout::workflow {

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RenderedMail {
  std::string subject;
  std::string body;
};

class MailTemplates {
 public:
  // Every template name closeoutd uses.
  static const std::vector<std::string_view>& names();

  // The compiled-in set.
  MailTemplates();
  // override_dir empty: the compiled-in set. Reads and checks every template now, so a bad
  // override is found at start-up (or SIGHUP), not when a close-out is due. Throws TemplateError.
  static MailTemplates load(const std::string& override_dir);

  // context: a JSON object; arrays become mustache lists, objects sections.
  RenderedMail render(std::string_view name, const nlohmann::json& context) const;
  // Where each template came from ("built-in" or a path), for the log.
  const std::map<std::string, std::string>& sources() const { return sources_; }

 private:
  using Parsed = kainjow::mustache::basic_mustache<std::string>;
  std::map<std::string, std::string, std::less<>> texts_;
  std::map<std::string, std::string> sources_;
  // Each text parsed once, not at every mail of a backlog (BENCHMARKS.md, "compose"). Shared
  // by copies: rendering does not change a parsed template.
  std::map<std::string, std::shared_ptr<Parsed>, std::less<>> parsed_;
};

// The compiled-in text of a template (generated from templates/*.txt at build time).
std::string_view builtin_template(std::string_view name);

}  // namespace closeout::workflow
