// closeout-extract: the attachment helper. closeoutd and closeoutctl start it once per
// attachment under rlimits (address space, CPU seconds, no files, no core) with the bytes on
// standard input, so a hostile or huge file costs this process only.
//   closeout-extract read --kind K [--filename F] [limits]  -> one reading as JSON on stdout
//   closeout-extract fill  (stdin: one line of JSON [[field, value], ...], then the PDF)
//                                                           -> the filled PDF on stdout
//   closeout-extract fields (stdin: a PDF) -> its form fields as JSON [{"name","type",...}]
// Exit 0 with output, 64 for a bad command line, 65 for input it cannot use.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "form_fill.h"
#include "read_attachment.h"

namespace {

std::string read_stdin(std::uint64_t limit) {
  std::string data;
  char buffer[65536];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, stdin)) > 0) {
    data.append(buffer, n);
    if (data.size() > limit) break;
  }
  return data;
}

int run_read(const closeout::extract::ExtractRequest& request) {
  std::string bytes = read_stdin(request.max_attachment_bytes);
  closeout::AttachmentReading reading;
  if (bytes.size() > request.max_attachment_bytes) {
    reading.filename = request.filename;
    reading.type = request.kind;
    reading.read = closeout::AttachmentRead::skipped;
    reading.reason = "larger than max_attachment_bytes";
    reading.limits_tripped.push_back("max_attachment_bytes");
  } else {
    reading = closeout::extract::read_attachment(bytes, request);
  }
  std::string json = closeout::reading_to_json(reading);
  if (json.size() > closeout::max_reading_json_bytes) {
    reading.text.clear();
    reading.form_fields.clear();
    reading.inner.clear();
    reading.read = closeout::AttachmentRead::unreadable;
    reading.reason = "what it holds is larger than a Service Dispatch Form can be";
    json = closeout::reading_to_json(reading);
  }
  std::fwrite(json.data(), 1, json.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 65;
}

int run_fill(std::uint64_t limit) {
  std::string input = read_stdin(limit);
  auto newline = input.find('\n');
  if (newline == std::string::npos) {
    std::cerr << "closeout-extract fill: no values line\n";
    return 65;
  }
  std::vector<std::pair<std::string, std::string>> values;
  try {
    for (const auto& v : nlohmann::json::parse(input.substr(0, newline)))
      values.emplace_back(v.at(0).get<std::string>(), v.at(1).get<std::string>());
  } catch (const std::exception& e) {
    std::cerr << "closeout-extract fill: the values line is not JSON: " << e.what() << '\n';
    return 65;
  }
  auto outcome =
      closeout::extract::fill_pdf_form(std::string_view(input).substr(newline + 1), values);
  if (!outcome.pdf) {
    std::cerr << "closeout-extract fill: " << outcome.error << '\n';
    return 65;
  }
  std::fwrite(outcome.pdf->data(), 1, outcome.pdf->size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 65;
}

int run_fields(std::uint64_t limit) {
  std::string input = read_stdin(limit);
  if (input.size() > limit) {
    std::cerr << "closeout-extract fields: larger than --max-bytes\n";
    return 65;
  }
  auto outcome = closeout::extract::list_pdf_form_fields(input);
  if (!outcome.fields) {
    std::cerr << "closeout-extract fields: " << outcome.error << '\n';
    return 65;
  }
  std::string json = closeout::extract::fields_to_json(*outcome.fields);
  std::fwrite(json.data(), 1, json.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 65;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"closeout-extract: reads one attachment for closeoutd"};
  app.require_subcommand(1);
  closeout::extract::ExtractRequest request;
  auto* read = app.add_subcommand("read", "read the attachment on stdin; JSON on stdout");
  read->add_option("--kind", request.kind, "pdf | docx | image | tnef")->required();
  read->add_option("--filename", request.filename);
  read->add_option("--max-pdf-pages", request.max_pdf_pages);
  read->add_option("--max-image-pixels", request.max_image_pixels);
  read->add_option("--max-attachment-bytes", request.max_attachment_bytes);
  read->add_option("--tessdata", request.tessdata_dir);
  std::uint64_t fill_limit = 64ULL * 1024 * 1024;
  auto* fill = app.add_subcommand("fill", "fill the PDF form on stdin; the PDF on stdout");
  fill->add_option("--max-bytes", fill_limit);
  auto* fields = app.add_subcommand("fields", "list the PDF form's fields as JSON");
  fields->add_option("--max-bytes", fill_limit);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 64;
  }
  if (read->parsed()) return run_read(request);
  if (fields->parsed()) return run_fields(fill_limit);
  return run_fill(fill_limit);
}
