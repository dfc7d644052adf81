// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutd.toml (SPEC "Configuration") as a typed struct. Loading checks every type, enum and
// duration and names the key and line at fault; unknown keys are warnings, not errors, so an
// older binary still starts on a newer file. Failure is a ConfigError (exit 78).
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "digest_schedule.h"

namespace closeout {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct MailServerConfig {
  std::string url;
  std::string starttls = "required";  // required | none
  std::string username;
  std::string auth = "password";  // password | oauth2 (built in) | xoauth2 (token_file)
  std::string password_file;
  std::string token_file;
  std::string ca_file;
  bool tls_verify = true;
  bool operator==(const MailServerConfig&) const = default;
};

struct ImapConfig : MailServerConfig {
  bool idle = true;
  std::chrono::seconds poll_interval{60};
  std::string processed_folder = "Processed";
  std::string quarantine_folder = "Quarantine";
  // Every field, so a reload restarts the watcher whatever changed (a field added later too).
  bool operator==(const ImapConfig&) const = default;
};

struct SmtpConfig : MailServerConfig {
  std::string from;
};

struct OAuthConfig {                   // [oauth], SPEC "Configuration"
  std::string provider = "microsoft";  // microsoft | google | custom
  std::string client_id;
  std::string client_secret_file;  // file, or systemd credential name (read_secret_file)
  std::string tenant = "organizations";
  std::vector<std::string> scopes;  // empty: the provider's defaults
  std::string device_authorization_endpoint;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string ca_file;
  std::string token_store;  // empty: oauth-tokens.json beside store.path
  bool operator==(const OAuthConfig&) const = default;
};

struct Config {
  std::string source;  // the file it came from, for messages
  ImapConfig imap;
  SmtpConfig smtp;
  OAuthConfig oauth;
  struct {
    std::vector<std::string> senders = {"*@cits.canon.com"};
    std::string closeout_address = "isgservice@CITS.canon.com";
    std::string form_definition;  // empty: the built-in form
  } cits;
  struct {
    std::string name;
    std::vector<std::string> technicians;
    std::vector<std::string> notify;
    std::vector<std::string> admins;
  } dealer;
  struct {
    std::string path = "/var/lib/closeoutd/closeoutd.db";
  } store;
  struct {
    std::string dir;
  } templates;
  struct {
    std::chrono::seconds first_after{48 * 3600};
    std::chrono::seconds repeat_every{24 * 3600};
    std::chrono::seconds escalate_after{5 * 24 * 3600};
  } reminders;
  struct {
    std::optional<DigestSchedule> digest;  // nullopt: off
  } reports;
  struct {
    std::uint64_t max_message_bytes = 26214400;
    // The attachment helper (SPEC "The form itself as an attachment"): a larger attachment is
    // skipped with a reason; the others bound what one reading may cost closeout-extract.
    std::uint64_t max_attachment_bytes = 20971520;
    std::uint64_t max_pdf_pages = 20;
    std::uint64_t max_image_pixels = 40000000;
    std::chrono::seconds extract_seconds{30};  // CPU time for one attachment
    std::uint64_t extract_memory = 536870912;  // the helper's address space
  } limits;
  struct {
    bool attach_form = true;  // the completed Service Dispatch Form as a PDF on each close-out
  } closeout;
  // Transient send failures (4xx, connection, TLS) are retried after retry_first, doubling up
  // to retry_max; they are never dropped, because a lost close-out is lost money.
  struct {
    std::chrono::seconds retry_first{60};
    std::chrono::seconds retry_max{3600};
  } outbox;
  struct {
    std::string level = "info";
    std::string file;
  } log;
  std::vector<std::string> warnings;  // unknown keys and the like, "file:line: ..."
};

// Reads and checks path. Throws ConfigError with one line: "path:line: key: what is wrong".
Config load_config(const std::string& path);
// The same from text already read (tests, and SIGHUP reloads that re-read the file).
Config parse_config(const std::string& text, const std::string& source);

// "60s", "15m", "48h", "5d", "1w", "1h30m"; a bare integer is seconds.
std::chrono::seconds parse_duration(const std::string& text);

}  // namespace closeout
