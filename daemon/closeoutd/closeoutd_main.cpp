// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutd: the CITS close-out daemon. Parses the command line, loads the configuration, the
// store and the templates, then runs the event loop (or one cycle with --once). Refuses to start,
// before any mail is touched, on a configuration that cannot work (78), a second closeoutd on
// the same database (75) and a database that is unusable (74).
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <iostream>
#include <optional>

#include "config.h"
#include "config_check.h"
#include "daemon_loop.h"
#include "database.h"
#include "exit_codes.h"
#include "instance_lock.h"
#include "logging.h"
#include "runtime.h"
#include "systemd_notify.h"
#include "version.h"

namespace {

// A database that cannot be used stops intake before any mail is read. Under systemd the unit
// restarts it (Restart=on-failure), and the status says why in the meantime.
int refuse_to_start(const std::string& why, int code) {
  std::cerr << "closeoutd: " << why << "; intake stopped, no mail touched\n";
  closeout::notify_status("intake stopped: " + why);
  return code;
}

}  // namespace

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
  // Order matters: the configuration is checked and the instance lock taken before the
  // database is opened, and the database checked before the first mail is read.
  std::unique_ptr<workflow::Runtime> runtime;
  std::optional<InstanceLock> lock;
  try {
    runtime = workflow::Runtime::open(config_path, [&](const Config& config) {
      check_config_usable(config);
      lock.emplace(InstanceLock::acquire(config.store.path));
    });
    setup_logging(runtime->config());
    for (const auto& w : runtime->config().warnings) spdlog::warn("{}", w);
    store::check_integrity(runtime->db(), runtime->config().store.path);
  } catch (const ConfigError& e) {
    std::cerr << "closeoutd: " << e.what() << "\n";
    return exit_code::config;
  } catch (const InstanceBusy& e) {
    std::cerr << "closeoutd: " << e.what() << "\n";
    return exit_code::temp_fail;
  } catch (const store::StoreFault& e) {
    return refuse_to_start(e.what(), exit_code::io_error);
  } catch (const store::StoreError& e) {
    std::cerr << "closeoutd: " << e.what() << "\n";
    return exit_code::config;
  } catch (const std::runtime_error& e) {  // the lock file cannot be made: the state directory
    return refuse_to_start(e.what(), exit_code::io_error);
  }
  try {
    return once ? run_once(*runtime) : run_daemon(*runtime);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return exit_code::software;
  }
}
