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
#include "smtp_sender.h"

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
  if (int oauth = check_oauth_sign_in_offline(config, out, err); oauth != exit_code::ok) {
    out << "result: problems found (see above)\n";
    return oauth;
  }
  if (options.offline) {
    out << "result: configuration ok (offline: no server contacted)\n";
    return exit_code::ok;
  }

  int worst = exit_code::ok;
  auto note_failure = [&](const TransportError& e) {
    err << "closeoutctl: " << e.what() << '\n';
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
    note_failure(e);
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
    note_failure(e);
    out << "SMTP    " << redact_url(smtp.url) << ": FAILED (" << failure_name(e.kind()) << ")\n";
  }
  out << (worst == exit_code::ok ? "result: all good\n" : "result: problems found (see above)\n");
  return worst;
}

}  // namespace closeout
