// closeoutctl: the admin's tool. Parses the command line (CLI11) and hands each subcommand to
// its own file; usage errors exit 64 with one line on stderr.
#include <CLI/CLI.hpp>
#include <iostream>

#include "check_config_command.h"
#include "exit_codes.h"
#include "parse_command.h"
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
