// SPDX-License-Identifier: GPL-3.0-or-later
// Parse+validate throughput: every file of a corpus directory is loaded into memory first,
// then analysed and rendered as JSON in a loop on one thread. Prints messages/s, MB/s, the
// kinds seen and peak RSS. See BENCHMARKS.md for the method; bench/run for the command.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "analyze.h"
#include "result_json.h"

namespace {

std::vector<std::string> load(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  for (const auto& e : std::filesystem::directory_iterator(dir)) paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    out.push_back(s.str());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: parse_bench CORPUS_DIR [SECONDS]\n");
    return 64;
  }
  const double seconds = argc > 2 ? std::stod(argv[2]) : 5.0;
  const auto messages = load(argv[1]);
  if (messages.empty()) {
    std::fprintf(stderr, "parse_bench: %s has no files\n", argv[1]);
    return 66;
  }
  std::size_t corpus_bytes = 0;
  for (const auto& m : messages) corpus_bytes += m.size();

  closeout::AnalyzeOptions options;
  options.today = std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::November,
                                              std::chrono::day{24}};
  std::map<std::string, std::size_t> kinds;
  std::size_t done = 0, bytes = 0, json_bytes = 0, errors = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0;
  while (elapsed < seconds) {
    for (const auto& raw : messages) {
      auto outcome = closeout::analyze_message(raw, options);
      if (outcome.analysis) {
        json_bytes += closeout::json_line(closeout::analysis_json(*outcome.analysis)).size();
        if (done < messages.size())
          ++kinds[std::string(closeout::kind_name(outcome.analysis->kind))];
      } else {
        ++errors;
      }
      ++done;
      bytes += raw.size();
    }
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("closeoutd parse: %zu messages in %.2f s = %.0f msg/s, %.1f MB/s\n", done, elapsed,
              done / elapsed, bytes / elapsed / 1e6);
  std::printf("corpus: %zu files, %.1f KB average; kinds:", messages.size(),
              corpus_bytes / 1024.0 / messages.size());
  for (const auto& [k, n] : kinds) std::printf(" %s=%zu", k.c_str(), n);
  std::printf("; unreadable=%zu; json bytes=%zu\npeak RSS: %ld MB\n",
              errors / (done / messages.size()), json_bytes, usage.ru_maxrss / 1024);
  return 0;
}
