#include "logging.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace closeout {

void setup_logging(const Config& config) {
  std::shared_ptr<spdlog::logger> logger;
  if (!config.log.file.empty()) {
    try {
      logger = spdlog::rotating_logger_mt("closeoutd", config.log.file, 10 * 1024 * 1024, 5);
    } catch (const spdlog::spdlog_ex& e) {
      throw ConfigError(config.source + ": log.file: " + e.what());
    }
  } else {
    logger = spdlog::stderr_logger_mt("closeoutd");
  }
  // Under systemd the journal adds its own timestamp; "<6>" style prefixes give it the priority.
  if (std::getenv("JOURNAL_STREAM") != nullptr && config.log.file.empty())
    logger->set_pattern("<%!l>%v");
  else
    logger->set_pattern("%Y-%m-%d %H:%M:%S %l %v");
  logger->set_level(spdlog::level::from_str(config.log.level));
  logger->flush_on(spdlog::level::info);
  spdlog::drop("closeoutd");
  spdlog::set_default_logger(logger);
}

}  // namespace closeout
