// SPDX-License-Identifier: GPL-3.0-or-later
#include "check_config_command.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <ostream>

#include "asio_awaitable.h"
#include "config.h"
#include "config_check.h"
#include "exit_codes.h"
#include "imap_mailbox.h"
#include "imap_syntax.h"
#include "oauth_check.h"
#include "oauth_provider.h"
#include "smtp_sender.h"
#include "token_manager.h"
#include "token_store.h"

namespace closeout {

namespace {

namespace asio = boost::asio;
using namespace closeout::transport;

struct ImapFindings {
  std::vector<std::string> capabilities;
  std::string mailbox;
  MailboxStatus status;
  std::vector<std::pair<std::string, bool>> folders;  // name, exists
};

asio::awaitable<ImapFindings> probe_imap(asio::io_context& io, ServerSettings settings,
                                         std::vector<std::string> folders) {
  ImapConnection connection(io, settings, 1 << 20);
  co_await connection.connect();
  ImapFindings found;
  found.capabilities = connection.capabilities();
  found.mailbox = connection.url_mailbox();
  ImapMailbox mailbox(connection);
  found.status = co_await mailbox.select(found.mailbox);
  for (const auto& folder : folders) {
    auto arg = imap::mailbox_argument(folder);
    if (!arg) throw TransportError(Failure::config, "\"" + folder + "\" cannot be a folder name");
    auto listed = co_await connection.command_ok("LIST \"\" " + *arg, "LIST");
    bool exists = std::any_of(listed.untagged.begin(), listed.untagged.end(),
                              [](const auto& r) { return imap::parse_list_name(r).has_value(); });
    found.folders.emplace_back(folder, exists);
  }
  co_await connection.logout();
  co_return found;
}

asio::awaitable<SmtpLogin> probe_smtp(asio::io_context& io, ServerSettings settings) {
  SmtpSender sender(io, settings);
  co_return co_await sender.check();
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

bool has(const std::vector<std::string>& caps, std::string_view name) {
  return std::find(caps.begin(), caps.end(), name) != caps.end();
}

// auth = "oauth2": the stored sign-in, refreshed (and the rotated token saved) when due, put into
// the settings the probes log in with. Exit 78 with the command to run when there is no usable
// sign-in, 69 when the token endpoint cannot be reached; 0 when the probes can go on.
int sign_in_for_probes(const Config& config, ServerSettings& imap, ServerSettings& smtp,
                       std::ostream& out, std::ostream& err) {
  if (!imap.oauth2 && !smtp.oauth2) return exit_code::ok;
  const std::string login = "closeoutctl --config " + config.source + " oauth login";
  asio::io_context io;
  CurlMulti multi(io);
  std::unique_ptr<oauth::TokenManager> manager;
  try {
    manager = std::make_unique<oauth::TokenManager>(io, multi, oauth::resolve_endpoints(config),
                                                    oauth::token_store_path(config));
  } catch (const ConfigError& e) {
    err << "closeoutctl: " << config.source << ": " << e.what() << '\n';
    return exit_code::config;
  }
  manager->login_command = login;
  auto token = run_to_completion(io, manager->access_token());
  if (token.token.empty()) {
    out << "OAuth   " << manager->store_path() << ": FAILED ("
        << oauth::token_state_name(token.state) << ")\n";
    err << "closeoutctl: OAuth: " << token.message << '\n';
    return token.state == oauth::TokenState::refreshing_failed ? exit_code::unavailable
                                                               : exit_code::config;
  }
  out << "OAuth   signed in as " << (token.username.empty() ? "(unknown)" : token.username)
      << " (token store " << manager->store_path() << ")\n";
  for (ServerSettings* s : {&imap, &smtp}) {
    if (!s->oauth2) continue;
    s->secret = token.token;
    s->token_user = token.username;
  }
  return exit_code::ok;
}

// Microsoft answers OK to AUTHENTICATE for a token and a mailbox that do not belong together;
// the SELECT after it is refused. Said in those words, not as a refused SELECT.
std::string imap_failure_words(const TransportError& e, const ServerSettings& imap) {
  std::string what = e.what();
  if (imap.oauth2 && e.kind() == Failure::protocol && what.find("SELECT") != std::string::npos)
    what += "; signed in with OAuth, but " + imap.token_mismatch_hint() +
            ": sign in as a user with access to it (shared mailbox: Full Access)";
  return what;
}

}  // namespace

int run_check_config_command(const CheckConfigOptions& options, std::ostream& out,
                             std::ostream& err) {
  Config config;
  ServerSettings imap;
  ServerSettings smtp;
  try {
    config = load_config(options.config_path);
    try {
      imap = server_settings(config.imap, "imap");
      smtp = server_settings(config.smtp, "smtp");
    } catch (const ConfigError& e) {
      throw ConfigError(config.source + ": " + e.what());
    }
    check_config_usable(config);  // what closeoutd refuses at start-up, refused here too
  } catch (const ConfigError& e) {
    err << "closeoutctl: " << e.what() << '\n';
    return exit_code::config;
  }
  out << "config  " << config.source << ": ok";
  if (!config.warnings.empty()) out << " (" << config.warnings.size() << " warnings)";
  out << '\n';
  for (const auto& w : config.warnings) out << "        warning: " << w << '\n';
  out << "        password and token files readable; close-outs go to "
      << config.cits.closeout_address << '\n';
  if (int oauth = check_oauth_sign_in_offline(config, options.offline, out, err);
      oauth != exit_code::ok) {
    out << "result: problems found (see above)\n";
    return oauth;
  }
  if (options.offline) {
    out << "result: configuration ok (offline: no server contacted)\n";
    return exit_code::ok;
  }

  int worst = sign_in_for_probes(config, imap, smtp, out, err);
  if (worst != exit_code::ok) {
    out << "result: problems found (see above)\n";
    return worst;
  }
  auto note_failure = [&](const TransportError& e, const std::string& words) {
    err << "closeoutctl: " << words << '\n';
    int code = exit_code_for(e.kind());
    if (worst == exit_code::ok || code == exit_code::config) worst = code;
  };
  asio::io_context io;
  try {
    auto found = run_to_completion(
        io, probe_imap(io, imap, {config.imap.processed_folder, config.imap.quarantine_folder}));
    out << "IMAP    " << redact_url(imap.url) << ": logged in as " << imap.username << " over "
        << (imap.implicit_tls()      ? "TLS"
            : imap.starttls_required ? "STARTTLS"
                                     : "plain text")
        << '\n';
    out << "        capabilities: " << joined(found.capabilities) << '\n';
    bool idle = config.imap.idle && has(found.capabilities, "IDLE");
    out << "        new mail: " << (idle ? "IDLE" : "polling") << ", safety poll every "
        << config.imap.poll_interval.count() << " s; moves with "
        << (has(found.capabilities, "MOVE")      ? "MOVE"
            : has(found.capabilities, "UIDPLUS") ? "COPY + UID EXPUNGE"
                                                 : "COPY (originals stay flagged \\Deleted)")
        << '\n';
    out << "        " << found.mailbox << ": " << found.status.exists << " messages, UIDVALIDITY "
        << found.status.uidvalidity << '\n';
    for (const auto& [name, exists] : found.folders)
      out << "        folder " << name << ": " << (exists ? "exists" : "will be created") << '\n';
  } catch (const TransportError& e) {
    note_failure(e, imap_failure_words(e, imap));
    out << "IMAP    " << redact_url(imap.url) << ": FAILED (" << failure_name(e.kind()) << ")\n";
  }
  try {
    auto login = run_to_completion(io, probe_smtp(io, smtp));
    out << "SMTP    " << redact_url(smtp.url) << ": logged in as " << smtp.username << " over "
        << (smtp.implicit_tls()      ? "TLS"
            : smtp.starttls_required ? "STARTTLS"
                                     : "plain text")
        << '\n';
    out << "        extensions: " << joined(login.extensions) << '\n';
  } catch (const TransportError& e) {
    note_failure(e, e.what());
    out << "SMTP    " << redact_url(smtp.url) << ": FAILED (" << failure_name(e.kind()) << ")\n";
  }
  out << (worst == exit_code::ok ? "result: all good\n" : "result: problems found (see above)\n");
  return worst;
}

}  // namespace closeout
