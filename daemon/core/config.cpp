// SPDX-License-Identifier: GPL-3.0-or-later
// TOML config loading with toml11. Every error is turned into one line naming file, line and
// key, because admins read these in a journal, not in a terminal with colours.
#include "config.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <toml.hpp>

namespace closeout {
namespace {

const std::map<std::string, std::set<std::string>>& known_keys() {
  static const std::map<std::string, std::set<std::string>> keys = {
      {"imap",
       {"url", "starttls", "username", "auth", "password_file", "token_file", "ca_file",
        "tls_verify", "idle", "poll_interval", "processed_folder", "quarantine_folder"}},
      {"smtp",
       {"url", "starttls", "username", "auth", "password_file", "token_file", "ca_file",
        "tls_verify", "from"}},
      {"cits", {"senders", "closeout_address", "form_definition"}},
      {"dealer", {"name", "technicians", "notify", "admins"}},
      {"store", {"path"}},
      {"templates", {"dir"}},
      {"reminders", {"first_after", "repeat_every", "escalate_after"}},
      {"reports", {"digest"}},
      {"limits",
       {"max_message_bytes", "max_attachment_bytes", "max_pdf_pages", "max_image_pixels",
        "extract_seconds", "extract_memory"}},
      {"closeout", {"attach_form"}},
      {"outbox", {"retry_first", "retry_max"}},
      {"log", {"level", "file"}},
      {"oauth",
       {"provider", "client_id", "client_secret_file", "tenant", "scopes",
        "device_authorization_endpoint", "authorization_endpoint", "token_endpoint", "ca_file",
        "token_store"}},
  };
  return keys;
}

// No interval closeoutd waits makes sense beyond a year; the bound also keeps every later
// conversion (to milliseconds, to a timestamp) far from overflowing.
constexpr std::chrono::seconds kLongestDuration{366LL * 24 * 3600};
constexpr std::chrono::seconds kLongestPoll{24 * 3600};
// The daemon waits for the attachment helper (up to twice this, plus 5 s) before it goes on.
constexpr std::chrono::seconds kLongestExtract{600};

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
constexpr std::uint64_t kGiB = std::uint64_t{1} << 30;
// tesseract with its English model and one page at 300 dpi needs about 200 MiB; less than this
// would make every scan "unreadable", which is a configuration mistake, not a policy.
constexpr std::uint64_t kLeastExtractMemory = 64 * kMiB;
constexpr std::uint64_t kMostExtractMemory = 16 * kGiB;

std::string describe(std::chrono::seconds s) {
  if (s.count() % 86400 == 0) return std::to_string(s.count() / 86400) + "d";
  if (s.count() % 3600 == 0) return std::to_string(s.count() / 3600) + "h";
  if (s.count() % 60 == 0) return std::to_string(s.count() / 60) + "m";
  return std::to_string(s.count()) + "s";
}

std::string describe_bytes(std::uint64_t n) {
  if (n % kGiB == 0) return std::to_string(n / kGiB) + " GiB";
  if (n % kMiB == 0) return std::to_string(n / kMiB) + " MiB";
  return std::to_string(n) + " bytes";
}

class Reader {
 public:
  Reader(const toml::value& root, std::string source, std::vector<std::string>& warnings)
      : root_(root), source_(std::move(source)), warnings_(warnings) {}

  void check_unknown_keys() const;
  void text(const char* table, const char* key, std::string& out) const;
  void boolean(const char* table, const char* key, bool& out) const;
  void strings(const char* table, const char* key, std::vector<std::string>& out) const;
  void duration(const char* table, const char* key, std::chrono::seconds& out,
                std::chrono::seconds at_most = kLongestDuration) const;
  void size(const char* table, const char* key, std::uint64_t& out, std::uint64_t at_least = 1,
            std::uint64_t at_most = kGiB) const;
  void count(const char* table, const char* key, std::uint64_t& out, std::uint64_t at_most,
             const char* what) const;
  void weekly(const char* table, const char* key, std::optional<DigestSchedule>& out) const;
  void one_of(const char* table, const char* key, std::string& out,
              std::initializer_list<const char*> allowed) const;

 private:
  const toml::value* find(const char* table, const char* key) const;
  [[noreturn]] void fail(const toml::value& v, const std::string& key,
                         const std::string& what) const {
    throw ConfigError(source_ + ":" + std::to_string(v.location().line()) + ": " + key + ": " +
                      what);
  }

  const toml::value& root_;
  std::string source_;
  std::vector<std::string>& warnings_;
};

const toml::value* Reader::find(const char* table, const char* key) const {
  if (!root_.contains(table)) return nullptr;
  const toml::value& t = root_.at(table);
  if (!t.is_table()) fail(t, table, "must be a table ([" + std::string(table) + "])");
  if (!t.contains(key)) return nullptr;
  return &t.at(key);
}

void Reader::check_unknown_keys() const {
  for (const auto& [name, value] : root_.as_table()) {
    auto section = known_keys().find(name);
    if (section == known_keys().end()) {
      warnings_.push_back(source_ + ":" + std::to_string(value.location().line()) +
                          ": unknown section [" + name + "] (ignored)");
      continue;
    }
    if (!value.is_table()) fail(value, name, "must be a table ([" + name + "])");
    for (const auto& [key, v] : value.as_table()) {
      if (!section->second.count(key)) {
        std::string w = source_ + ":" + std::to_string(v.location().line());
        w += ": unknown key " + name + "." + key + " (ignored)";
        warnings_.push_back(std::move(w));
      }
    }
  }
}

void Reader::text(const char* table, const char* key, std::string& out) const {
  if (const toml::value* v = find(table, key)) {
    if (!v->is_string()) fail(*v, std::string(table) + "." + key, "must be a string");
    out = v->as_string().str;
  }
}

void Reader::boolean(const char* table, const char* key, bool& out) const {
  if (const toml::value* v = find(table, key)) {
    if (!v->is_boolean()) fail(*v, std::string(table) + "." + key, "must be true or false");
    out = v->as_boolean();
  }
}

void Reader::strings(const char* table, const char* key, std::vector<std::string>& out) const {
  const toml::value* v = find(table, key);
  if (!v) return;
  const std::string name = std::string(table) + "." + key;
  if (!v->is_array()) fail(*v, name, "must be a list of strings");
  out.clear();
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) fail(item, name, "must be a list of strings");
    out.push_back(item.as_string().str);
  }
}

void Reader::duration(const char* table, const char* key, std::chrono::seconds& out,
                      std::chrono::seconds at_most) const {
  const toml::value* v = find(table, key);
  if (!v) return;
  const std::string name = std::string(table) + "." + key;
  try {
    if (v->is_integer()) {
      if (v->as_integer() > at_most.count())
        fail(*v, name, "is longer than " + describe(at_most) + ", the longest allowed");
      out = std::chrono::seconds(v->as_integer());
    } else if (v->is_string()) {
      out = parse_duration(v->as_string().str);
    } else {
      fail(*v, name, "must be a duration such as \"60s\", \"48h\" or \"5d\"");
    }
  } catch (const std::invalid_argument& e) {
    fail(*v, name, e.what());
  }
  if (out.count() <= 0) fail(*v, name, "must be longer than zero");
  if (out > at_most)
    fail(*v, name, "is longer than " + describe(at_most) + ", the longest allowed");
}

void Reader::weekly(const char* table, const char* key, std::optional<DigestSchedule>& out) const {
  std::string text;
  this->text(table, key, text);
  try {
    out = parse_digest_schedule(text);
  } catch (const std::invalid_argument& e) {
    fail(*find(table, key), std::string(table) + "." + key, e.what());
  }
}

// A message or attachment is read into memory whole: beyond a gigabyte is a typo, not a policy.
void Reader::size(const char* table, const char* key, std::uint64_t& out, std::uint64_t at_least,
                  std::uint64_t at_most) const {
  const toml::value* v = find(table, key);
  if (!v) return;
  const std::string name = std::string(table) + "." + key;
  if (!v->is_integer() || v->as_integer() <= 0)
    fail(*v, name, "must be a positive whole number of bytes");
  const auto n = static_cast<std::uint64_t>(v->as_integer());
  if (n < at_least)
    fail(*v, name,
         "is less than " + std::to_string(at_least) + " bytes (" + describe_bytes(at_least) + ")");
  if (n > at_most)
    fail(*v, name,
         "is more than " + std::to_string(at_most) + " bytes (" + describe_bytes(at_most) + ")");
  out = n;
}

void Reader::count(const char* table, const char* key, std::uint64_t& out, std::uint64_t at_most,
                   const char* what) const {
  const toml::value* v = find(table, key);
  if (!v) return;
  const std::string name = std::string(table) + "." + key;
  if (!v->is_integer() || v->as_integer() <= 0)
    fail(*v, name, std::string("must be a positive whole number of ") + what);
  if (static_cast<std::uint64_t>(v->as_integer()) > at_most)
    fail(*v, name, "is more than " + std::to_string(at_most) + " " + what + ", the most allowed");
  out = static_cast<std::uint64_t>(v->as_integer());
}

void Reader::one_of(const char* table, const char* key, std::string& out,
                    std::initializer_list<const char*> allowed) const {
  text(table, key, out);
  std::string list;
  for (const char* a : allowed) {
    if (out == a) return;
    list += (list.empty() ? "" : " | ") + std::string(a);
  }
  fail(*find(table, key), std::string(table) + "." + key,
       "is \"" + out + "\"; it must be one of " + list);
}

void read_server(const Reader& r, const char* t, MailServerConfig& s) {
  r.text(t, "url", s.url);
  r.one_of(t, "starttls", s.starttls, {"required", "none"});
  r.text(t, "username", s.username);
  r.one_of(t, "auth", s.auth, {"password", "oauth2", "xoauth2"});
  r.text(t, "password_file", s.password_file);
  r.text(t, "token_file", s.token_file);
  r.text(t, "ca_file", s.ca_file);
  r.boolean(t, "tls_verify", s.tls_verify);
}

// Whether these keys can work together is config_check's job (it knows which auth is used).
void read_oauth(const Reader& r, OAuthConfig& o) {
  r.one_of("oauth", "provider", o.provider, {"microsoft", "google", "custom"});
  r.text("oauth", "client_id", o.client_id);
  r.text("oauth", "client_secret_file", o.client_secret_file);
  r.text("oauth", "tenant", o.tenant);
  r.strings("oauth", "scopes", o.scopes);
  r.text("oauth", "device_authorization_endpoint", o.device_authorization_endpoint);
  r.text("oauth", "authorization_endpoint", o.authorization_endpoint);
  r.text("oauth", "token_endpoint", o.token_endpoint);
  r.text("oauth", "ca_file", o.ca_file);
  r.text("oauth", "token_store", o.token_store);
}

void read_all(const Reader& r, Config& c) {
  r.check_unknown_keys();
  read_server(r, "imap", c.imap);
  r.boolean("imap", "idle", c.imap.idle);
  r.duration("imap", "poll_interval", c.imap.poll_interval, kLongestPoll);
  r.text("imap", "processed_folder", c.imap.processed_folder);
  r.text("imap", "quarantine_folder", c.imap.quarantine_folder);
  read_server(r, "smtp", c.smtp);
  r.text("smtp", "from", c.smtp.from);
  r.strings("cits", "senders", c.cits.senders);
  r.text("cits", "closeout_address", c.cits.closeout_address);
  r.text("cits", "form_definition", c.cits.form_definition);
  r.text("dealer", "name", c.dealer.name);
  r.strings("dealer", "technicians", c.dealer.technicians);
  r.strings("dealer", "notify", c.dealer.notify);
  r.strings("dealer", "admins", c.dealer.admins);
  r.text("store", "path", c.store.path);
  r.text("templates", "dir", c.templates.dir);
  r.duration("reminders", "first_after", c.reminders.first_after);
  r.duration("reminders", "repeat_every", c.reminders.repeat_every);
  r.duration("reminders", "escalate_after", c.reminders.escalate_after);
  r.weekly("reports", "digest", c.reports.digest);
  r.size("limits", "max_message_bytes", c.limits.max_message_bytes);
  r.size("limits", "max_attachment_bytes", c.limits.max_attachment_bytes);
  // A Service Dispatch Form is a page or two, one A4 page at 300 dpi about 8.7 million pixels;
  // the most allowed only keep a typo from meaning "no limit".
  r.count("limits", "max_pdf_pages", c.limits.max_pdf_pages, 1000, "pages");
  r.count("limits", "max_image_pixels", c.limits.max_image_pixels, 1000000000, "pixels");
  r.duration("limits", "extract_seconds", c.limits.extract_seconds, kLongestExtract);
  r.size("limits", "extract_memory", c.limits.extract_memory, kLeastExtractMemory,
         kMostExtractMemory);
  r.boolean("closeout", "attach_form", c.closeout.attach_form);
  r.duration("outbox", "retry_first", c.outbox.retry_first);
  r.duration("outbox", "retry_max", c.outbox.retry_max);
  r.one_of("log", "level", c.log.level,
           {"trace", "debug", "info", "warn", "error", "critical", "off"});
  r.text("log", "file", c.log.file);
  read_oauth(r, c.oauth);
}

std::string first_line(const std::string& what) {
  std::string line = what.substr(0, what.find('\n'));
  if (line.rfind("[error] ", 0) == 0) line.erase(0, 8);
  return line;
}

}  // namespace

std::chrono::seconds parse_duration(const std::string& text) {
  std::chrono::seconds total{0};
  std::size_t i = 0;
  bool any = false;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j == i)
      throw std::invalid_argument("\"" + text +
                                  "\" is not a duration such as \"60s\", \"48h\" or \"5d\"");
    if (j - i > 9) throw std::invalid_argument("\"" + text + "\" is far too long a duration");
    long long n = std::stoll(text.substr(i, j - i));
    char unit = j < text.size() ? text[j] : 's';
    long long scale = unit == 's'   ? 1
                      : unit == 'm' ? 60
                      : unit == 'h' ? 3600
                      : unit == 'd' ? 86400
                      : unit == 'w' ? 604800
                                    : 0;
    if (scale == 0)
      throw std::invalid_argument("\"" + text + "\": unknown unit '" + std::string(1, unit) +
                                  "' (use s, m, h, d or w)");
    // At most 9 digits times a week, summed: refuse before the sum can overflow.
    if (total.count() > (std::int64_t{1} << 50))
      throw std::invalid_argument("\"" + text + "\" is far too long a duration");
    total += std::chrono::seconds(n * scale);
    i = j < text.size() ? j + 1 : j;
    any = true;
  }
  if (!any) throw std::invalid_argument("an empty duration");
  return total;
}

Config parse_config(const std::string& text, const std::string& source) {
  toml::value root;
  try {
    std::istringstream in(text);
    root = toml::parse(in, source);
  } catch (const toml::syntax_error& e) {
    throw ConfigError(source + ":" + std::to_string(e.location().line()) + ": " +
                      first_line(e.what()));
  }
  Config c;
  c.source = source;
  Reader reader(root, source, c.warnings);
  read_all(reader, c);
  return c;
}

Config load_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw ConfigError(path + ": cannot read the configuration file: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path);
}

}  // namespace closeout
