// SPDX-License-Identifier: GPL-3.0-or-later
#include "logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "journal_sink.h"

namespace closeout {

void setup_logging(const Config& config) {
  std::shared_ptr<spdlog::logger> logger;
  if (!config.log.file.empty()) {
    try {
      logger = spdlog::rotating_logger_mt("closeoutd", config.log.file, 10 * 1024 * 1024, 5);
    } catch (const spdlog::spdlog_ex& e) {
      throw ConfigError(config.source + ": log.file: " + e.what());
    }
  } else if (stderr_is_journal()) {
    logger = std::make_shared<spdlog::logger>("closeoutd", std::make_shared<JournalSink>());
  } else {
    logger = spdlog::stderr_logger_mt("closeoutd");
  }
  // The journal sink takes the bare message: the journal keeps its own time and priority.
  logger->set_pattern("%Y-%m-%d %H:%M:%S %l %v");
  logger->set_level(spdlog::level::from_str(config.log.level));
  logger->flush_on(spdlog::level::info);
  spdlog::drop("closeoutd");
  spdlog::set_default_logger(logger);
}

}  // namespace closeout
