// closeoutd: the CITS close-out daemon. Parses the command line, loads the configuration, the
// store and the templates, then runs the event loop (or one cycle with --once).
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <iostream>

#include "config.h"
#include "daemon_loop.h"
#include "database.h"
#include "exit_codes.h"
#include "logging.h"
#include "runtime.h"
#include "version.h"

int main(int argc, char** argv) {
  using namespace closeout;
  CLI::App app{"closeoutd: closes out Canon CITS service dispatches", "closeoutd"};
  app.set_version_flag("--version", std::string("closeoutd ") + std::string(version()));
  std::string config_path;
  bool once = false;
  app.add_option("--config", config_path, "configuration file (TOML)")->required();
  app.add_flag("--once", once,
               "one cycle: fetch all new mail, process, flush the outbox, send due reminders, "
               "exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "closeoutd: " << e.what() << " (see closeoutd --help)\n";
    return exit_code::usage;
  }
  std::unique_ptr<workflow::Runtime> runtime;
  try {
    runtime = workflow::Runtime::open(config_path);
    setup_logging(runtime->config());
    for (const auto& w : runtime->config().warnings) spdlog::warn("{}", w);
  } catch (const ConfigError& e) {
    std::cerr << "closeoutd: " << e.what() << "\n";
    return exit_code::config;
  } catch (const store::StoreError& e) {
    std::cerr << "closeoutd: " << e.what() << "\n";
    return exit_code::config;
  }
  try {
    return once ? run_once(*runtime) : run_daemon(*runtime);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return exit_code::software;
  }
}
