// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutctl: the admin's tool. Parses the command line (CLI11) and hands each subcommand to
// its own file; usage errors exit 64 with one line on stderr.
#include <CLI/CLI.hpp>
#include <iostream>

#include "backup_command.h"
#include "check_config_command.h"
#include "exit_codes.h"
#include "oauth_command.h"
#include "parse_command.h"
#include "store_commands.h"
#include "version.h"

namespace {

int run(int argc, char** argv) {
  using namespace closeout;
  CLI::App app{"closeoutctl: inspect and operate closeoutd, the CITS close-out daemon",
               "closeoutctl"};
  app.set_version_flag("--version", std::string("closeoutctl ") + std::string(version()));
  app.require_subcommand(1);
  app.fallthrough();  // "closeoutctl parse --config FILE ..." works as well as the SPEC's order
  std::string config_path;
  app.add_option("--config", config_path, "closeoutd configuration file (TOML)");

  ParseCommandOptions parse;
  auto* parse_cmd = app.add_subcommand(
      "parse", "Offline: classify, extract and validate mail files (no network, no database)");
  parse_cmd->add_option("files", parse.files, "message files (RFC 5322); - reads standard input")
      ->required();
  parse_cmd->add_flag("--json", parse.json, "one JSON object per file (JSON Lines)");
  parse_cmd->add_option(
      "--today", parse.today,
      "validate as if today were this date (YYYY-MM-DD); default: the local date");

  CheckConfigOptions check;
  auto* check_cmd = app.add_subcommand(
      "check-config", "Validate the configuration, then really log in to IMAP and SMTP");
  check_cmd->add_flag("--offline", check.offline, "validate the file and secrets only");

  ListOptions list;
  auto* list_cmd = app.add_subcommand("list", "Dispatches on record, oldest first");
  list_cmd->add_option("--status", list.status,
                       "only this state (received, notified, rejected, closing, closed_out, "
                       "on_hold, failed, review)");
  list_cmd->add_flag("--overdue", list.overdue, "only dispatches flagged overdue");
  list_cmd->add_flag("--json", list.json, "a JSON array");

  std::string show_number;
  bool show_json = false;
  auto* show_cmd = app.add_subcommand("show", "One dispatch with its timeline and its mail");
  show_cmd->add_option("number", show_number, "dispatch number")->required();
  show_cmd->add_flag("--json", show_json, "a JSON object");

  ReportOptions report;
  auto* report_cmd =
      app.add_subcommand("report", "Counts by state, ageing, overdue, refused close-outs");
  auto* report_json = report_cmd->add_flag("--json", report.json, "a JSON object");
  report_cmd->add_flag("--csv", report.csv, "one CSV row per dispatch, for a spreadsheet")
      ->excludes(report_json);

  OutboxOptions outbox;
  auto* outbox_cmd = app.add_subcommand("outbox", "Outgoing mail pending or failed");
  outbox_cmd->add_flag("--json", outbox.json, "a JSON array");
  outbox_cmd->add_flag("--all", outbox.all, "sent mail too");

  std::int64_t retry_id = 0;
  auto* retry_cmd = app.add_subcommand("retry", "Queue a failed outgoing mail again");
  retry_cmd->add_option("outbox_id", retry_id, "the ID closeoutctl outbox shows")->required();

  std::string resend_number;
  auto* resend_cmd =
      app.add_subcommand("resend", "Queue the close-out of a dispatch again (a new send)");
  resend_cmd->add_option("number", resend_number, "dispatch number")->required();

  bool review_json = false;
  auto* review_cmd =
      app.add_subcommand("review", "Dispatches whose Section 2 was read by OCR, waiting for you");
  review_cmd->add_flag("--json", review_json, "a JSON array");

  ApproveOptions approve;
  auto* approve_cmd = app.add_subcommand(
      "approve", "Check a Section 2 in review again (with corrections) and queue its close-out");
  approve_cmd->add_option("number", approve.number, "dispatch number")->required();
  approve_cmd->add_option("--set", approve.set, "KEY=VALUE: correct a value first (repeatable)")
      ->expected(1)
      ->take_all();

  std::string reject_number;
  std::string reject_reason;
  auto* reject_cmd = app.add_subcommand(
      "reject", "Answer the technician with a reason; the dispatch in review is open again");
  reject_cmd->add_option("number", reject_number, "dispatch number")->required();
  reject_cmd->add_option("reason", reject_reason, "what the technician is told")->required();

  std::string ascr_file;
  auto* ascr_cmd = app.add_subcommand("ascr", "The ASCR registry of serial numbers");
  ascr_cmd->require_subcommand(1);
  auto* ascr_import = ascr_cmd->add_subcommand(
      "import", "Replace the registered serial numbers with those in a CSV file");
  ascr_import->add_option("file", ascr_file, "CSV: a serial number per row")->required();

  std::string backup_file;
  auto* backup_cmd =
      app.add_subcommand("backup", "A consistent copy of the database, safe while closeoutd runs");
  backup_cmd->add_option("file", backup_file, "where to write the copy (not the live database)")
      ->required();

  OAuthLoginOptions oauth_login;
  bool oauth_status_json = false;
  auto* oauth_cmd = app.add_subcommand("oauth", "OAuth 2.0 sign-in for auth = \"oauth2\"");
  oauth_cmd->require_subcommand(1);
  auto* oauth_login_cmd = oauth_cmd->add_subcommand(
      "login", "Sign the mailbox in (device code or browser) and store the tokens");
  auto* login_device = oauth_login_cmd->add_flag(
      "--device", oauth_login.device, "show a code to enter on another device (RFC 8628)");
  oauth_login_cmd
      ->add_flag("--browser", oauth_login.browser,
                 "open an address in a browser on this machine (PKCE, 127.0.0.1 redirect)")
      ->excludes(login_device);
  oauth_login_cmd->add_flag("--json", oauth_login.json,
                            "first and last line as JSON objects (for scripts)");
  auto* oauth_status_cmd =
      oauth_cmd->add_subcommand("status", "Who is signed in and when the tokens were renewed");
  oauth_status_cmd->add_flag("--json", oauth_status_json, "a JSON object (never a token)");
  auto* oauth_logout_cmd = oauth_cmd->add_subcommand("logout", "Remove the stored tokens");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "closeoutctl: " << e.what() << " (see closeoutctl --help)\n";
    return exit_code::usage;
  }
  if (!config_path.empty()) parse.config_path = config_path;
  if (parse_cmd->parsed()) return run_parse_command(parse);
  if (check_cmd->parsed()) {
    if (config_path.empty()) {
      std::cerr << "closeoutctl: check-config needs --config FILE\n";
      return exit_code::usage;
    }
    check.config_path = config_path;
    return run_check_config_command(check, std::cout, std::cerr);
  }
  if (config_path.empty()) {
    std::cerr << "closeoutctl: this command needs --config FILE\n";
    return exit_code::usage;
  }
  if (oauth_login_cmd->parsed()) {
    oauth_login.config_path = config_path;
    return run_oauth_login(oauth_login, std::cout, std::cerr);
  }
  if (oauth_status_cmd->parsed())
    return run_oauth_status(config_path, oauth_status_json, std::cout, std::cerr);
  if (oauth_logout_cmd->parsed()) return run_oauth_logout(config_path, std::cout, std::cerr);
  if (backup_cmd->parsed()) return run_backup(config_path, backup_file, std::cout, std::cerr);
  StoreCommandContext context{config_path, std::cout, std::cerr};
  if (list_cmd->parsed()) return run_list(context, list);
  if (show_cmd->parsed()) return run_show(context, show_number, show_json);
  if (report_cmd->parsed()) return run_report(context, report);
  if (outbox_cmd->parsed()) return run_outbox(context, outbox);
  if (retry_cmd->parsed()) return run_retry(context, retry_id);
  if (resend_cmd->parsed()) return run_resend(context, resend_number);
  if (ascr_import->parsed()) return run_ascr_import(context, ascr_file);
  if (review_cmd->parsed()) return run_review(context, review_json);
  if (approve_cmd->parsed()) return run_approve(context, approve);
  if (reject_cmd->parsed()) return run_reject(context, reject_number, reject_reason);
  return exit_code::usage;
}

}  // namespace

int main(int argc, char** argv) {
  // Anything that escapes a command is a bug of ours: say so in one line, never abort.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "closeoutctl: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "closeoutctl: internal error\n";
  }
  return closeout::exit_code::software;
}
