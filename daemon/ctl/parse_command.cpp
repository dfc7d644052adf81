// SPDX-License-Identifier: GPL-3.0-or-later
// Runs the parse path over files. Every input is tried; the exit code is the first failure's
// (66 missing file, 65 unreadable or oversize message), so one bad file never hides the rest.
#include "parse_command.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "analyze.h"
#include "attachment_helper.h"
#include "config.h"
#include "exit_codes.h"
#include "field_values.h"
#include "form_file.h"
#include "local_date.h"
#include "parse_report.h"
#include "result_json.h"

namespace closeout {
namespace {

struct Input {
  std::string bytes;
  int error_code = exit_code::ok;
  std::string error;
};

// Reads at most limit + 1 bytes, so an oversize input is recognised without reading it whole.
Input read_input(const std::string& name, std::uint64_t limit) {
  Input in;
  std::ifstream file;
  std::istream* stream = &std::cin;
  if (name != "-") {
    std::error_code ec;
    if (std::filesystem::is_directory(name, ec)) {
      in.error_code = exit_code::no_input;
      in.error = name + ": is a directory, not a message file";
      return in;
    }
    file.open(name, std::ios::binary);
    if (!file) {
      in.error_code = errno == ENOENT ? exit_code::no_input : exit_code::data_error;
      in.error = name + ": " + std::strerror(errno);
      return in;
    }
    stream = &file;
  }
  std::vector<char> buffer(std::size_t{64} * 1024);
  while (in.bytes.size() <= limit &&
         stream->read(buffer.data(), static_cast<std::streamsize>(buffer.size())).gcount() > 0) {
    in.bytes.append(buffer.data(), static_cast<std::size_t>(stream->gcount()));
  }
  if (stream->bad()) {
    in.error_code = exit_code::data_error;
    in.error = name + ": read error";
  } else if (in.bytes.size() > limit) {
    in.error_code = exit_code::data_error;
    in.error = name + ": message is larger than limits.max_message_bytes (" +
               std::to_string(limit) + " bytes); closeoutd would quarantine it";
  }
  return in;
}

struct Setup {
  Config config;
  std::shared_ptr<const FormDefinition> form;
  AnalyzeOptions options;
};

Setup make_setup(const ParseCommandOptions& o) {
  Setup s;
  if (o.config_path) {
    s.config = load_config(*o.config_path);
    for (const auto& w : s.config.warnings) std::cerr << "closeoutctl: warning: " << w << '\n';
    s.options.technicians = s.config.dealer.technicians;
  }
  s.form = load_form_definition(s.config);
  s.options.form = s.form.get();
  s.options.cits_senders = s.config.cits.senders;
  // Attachments are read as the daemon reads them: in the helper process, under [limits].
  const AttachmentHelperSettings helper = attachment_helper_settings(s.config);
  s.options.limits.max_attachment_bytes = helper.max_attachment_bytes;
  s.options.read_attachment = helper_attachment_reader(helper);
  // As the daemon does: a date is in the future only once it is later than today anywhere.
  s.options.today = latest_date_on_earth(std::time(nullptr));
  if (o.today) {
    auto d = parse_date(*o.today);
    if (!d)
      throw std::invalid_argument("--today: \"" + *o.today + "\" is not a date (use YYYY-MM-DD)");
    s.options.today = *d;
  }
  return s;
}

}  // namespace

int run_parse_command(const ParseCommandOptions& o) {
  Setup setup;
  try {
    setup = make_setup(o);
  } catch (const ConfigError& e) {
    std::cerr << "closeoutctl: " << e.what() << '\n';
    return exit_code::config;
  } catch (const std::invalid_argument& e) {
    std::cerr << "closeoutctl: " << e.what() << '\n';
    return exit_code::usage;
  }
  int result = exit_code::ok;
  ParseTally tally;
  for (const auto& name : o.files) {
    Input in = read_input(name, setup.config.limits.max_message_bytes);
    if (in.error_code == exit_code::ok) {
      AnalyzeOutcome outcome = analyze_message(in.bytes, setup.options);
      if (outcome.analysis) {
        if (o.json) {
          std::cout << json_line(analysis_json(*outcome.analysis)) << '\n';
        } else {
          print_parse_report(std::cout, name == "-" ? "(standard input)" : name, *outcome.analysis,
                             *setup.form);
        }
        tally.add(*outcome.analysis);
        continue;
      }
      in.error_code = exit_code::data_error;
      in.error = name + ": not a readable message: " + outcome.error;
    }
    std::cout.flush();
    std::cerr << "closeoutctl: " << in.error << '\n';
    if (result == exit_code::ok) result = in.error_code;
    tally.add_unreadable();
  }
  if (!o.json && o.files.size() > 1) print_parse_tally(std::cout, tally);
  return result;
}

}  // namespace closeout
