// SPDX-License-Identifier: GPL-3.0-or-later
// closeout-extract: the attachment helper. closeoutd and closeoutctl start it once per
// attachment under rlimits (address space, CPU seconds, no files, no core) with the bytes on
// standard input, so a hostile or huge file costs this process only.
//   closeout-extract read --kind K [--filename F] [limits]  -> one reading as JSON on stdout
//   closeout-extract fill  (stdin: one line of JSON [[field, value], ...], then the PDF)
//                                                           -> the filled PDF on stdout
//   closeout-extract fields (stdin: a PDF) -> its form fields as JSON [{"name","type",...}]
// Exit codes (parsers/extract_exit.h): 0 with output, 64 for a bad command line, 65 when no
// output could be written, 70 when memory ran out (the parent's extract_memory). Whatever else
// goes wrong while reading is an "unreadable" reading, never an exception out of main.
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <new>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "extract_exit.h"
#include "form_fill.h"
#include "read_attachment.h"

namespace {

namespace exit_code = closeout::extract_exit;

// The real standard output, kept aside: fd 1 itself points at stderr while the readers run, so a
// library that prints (poppler, tesseract and leptonica all can) never corrupts the reply. This
// file's write_reply is the only writer of the reply.
int reply_fd = STDOUT_FILENO;

void keep_stdout_for_the_reply() {
  int kept = ::fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
  if (kept < 0) return;  // stdout stays fd 1: a library could then write into the reply
  if (::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    ::close(kept);
    return;
  }
  reply_fd = kept;
}

bool write_reply(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(reply_fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// operator new fails only when RLIMIT_AS (extract_memory) is reached. Whoever catches exceptions
// inside a reader, out of memory must reach the parent as itself, not as a reader's error text.
[[noreturn]] void out_of_memory() { std::_Exit(exit_code::out_of_memory); }

// TEST ONLY: CLOSEOUT_EXTRACT_TEST_FAULT makes this process misbehave the ways a hostile file can
// make a reader misbehave, so the parent's tests (tests/unit/attachment_helper_test.cpp) see each
// outcome through the real process. It is read from the environment closeoutd was started with,
// before a byte of the attachment is read: nothing in a message can set or reach it.
//   crash    dies by SIGSEGV             hang     burns CPU until RLIMIT_CPU stops it
//   sleep    waits without using CPU     alloc    allocates until the address space runs out
//   garbage  closes its input unread, then replies with what is not a reading
//   flood    replies with more than a reading may hold
//   orphan   leaves a process behind that keeps the reply open, then replies and exits
void test_fault(const closeout::extract::ExtractRequest& request) {
  const char* fault = std::getenv("CLOSEOUT_EXTRACT_TEST_FAULT");
  if (fault == nullptr) return;
  const std::string_view f = fault;
  if (f == "crash") {
    (void)std::signal(SIGSEGV, SIG_DFL);  // a sanitizer's handler would make it an exit code
    (void)std::raise(SIGSEGV);
  } else if (f == "hang") {
    volatile unsigned long spin = 0;
    for (;;) {
      unsigned long next = spin;
      spin = next + 1;
    }
  } else if (f == "sleep") {
    for (;;) ::pause();
  } else if (f == "alloc") {
    // Untouched blocks cost no RAM; without RLIMIT_AS all 16 GiB are granted and the reply
    // below says so.
    std::vector<char*> blocks;
    blocks.reserve(256);
    for (int i = 0; i < 256; ++i) blocks.push_back(new char[std::size_t{64} << 20]);
    write_reply("allocated 16 GiB: no address space limit\n");
    std::_Exit(exit_code::ok);
  } else if (f == "garbage") {
    ::close(STDIN_FILENO);  // unread: the parent's next write meets a closed reader
    ::usleep(200000);
    write_reply("this is not a reading\n");
    std::_Exit(exit_code::ok);
  } else if (f == "flood") {
    write_reply(std::string(closeout::max_reading_json_bytes + 65536, 'x'));
    std::_Exit(exit_code::ok);
  } else if (f == "orphan") {
    if (::fork() == 0) {
      for (;;) ::pause();
    }
    closeout::AttachmentReading reading;
    reading.filename = request.filename;
    reading.type = request.kind;
    reading.read = closeout::AttachmentRead::text;
    write_reply(closeout::reading_to_json(reading));
    std::_Exit(exit_code::ok);
  }
}

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

closeout::AttachmentReading unreadable(const closeout::extract::ExtractRequest& request,
                                       std::string reason) {
  closeout::AttachmentReading reading;
  reading.filename = request.filename;
  reading.type = request.kind;
  reading.read = closeout::AttachmentRead::unreadable;
  reading.reason = std::move(reason);
  return reading;
}

closeout::AttachmentReading read_bytes(const std::string& bytes,
                                       const closeout::extract::ExtractRequest& request) {
  if (bytes.size() > request.max_attachment_bytes) {
    closeout::AttachmentReading reading;
    reading.filename = request.filename;
    reading.type = request.kind;
    reading.read = closeout::AttachmentRead::skipped;
    reading.reason = "larger than max_attachment_bytes (" +
                     std::to_string(request.max_attachment_bytes) + " bytes)";
    reading.limits_tripped.emplace_back("max_attachment_bytes");
    return reading;
  }
  // read_attachment promises not to throw; a reader that breaks the promise still gets a reply.
  try {
    return closeout::extract::read_attachment(bytes, request);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return unreadable(request, std::string("the reader failed: ") + e.what());
  } catch (...) {
    return unreadable(request, "the reader failed");
  }
}

int run_read(const closeout::extract::ExtractRequest& request) {
  test_fault(request);
  closeout::AttachmentReading reading =
      read_bytes(read_stdin(request.max_attachment_bytes), request);
  std::string json = closeout::reading_to_json(reading);
  if (json.size() > closeout::max_reading_json_bytes) {
    reading.text.clear();
    reading.form_fields.clear();
    reading.inner.clear();
    reading.read = closeout::AttachmentRead::unreadable;
    reading.reason = "what it holds is larger than a Service Dispatch Form can be";
    json = closeout::reading_to_json(reading);
  }
  return write_reply(json) ? exit_code::ok : exit_code::failed;
}

int run_fill(std::uint64_t limit) {
  test_fault({});  // the close-out's tests: a fill that hangs or crashes
  std::string input = read_stdin(limit);
  auto newline = input.find('\n');
  if (newline == std::string::npos) {
    std::cerr << "closeout-extract fill: no values line\n";
    return exit_code::failed;
  }
  std::vector<std::pair<std::string, std::string>> values;
  try {
    for (const auto& v : nlohmann::json::parse(input.substr(0, newline)))
      values.emplace_back(v.at(0).get<std::string>(), v.at(1).get<std::string>());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    std::cerr << "closeout-extract fill: the values line is not JSON: " << e.what() << '\n';
    return exit_code::failed;
  }
  auto outcome =
      closeout::extract::fill_pdf_form(std::string_view(input).substr(newline + 1), values);
  if (!outcome.pdf) {
    std::cerr << "closeout-extract fill: " << outcome.error << '\n';
    return exit_code::failed;
  }
  return write_reply(*outcome.pdf) ? exit_code::ok : exit_code::failed;
}

int run_fields(std::uint64_t limit) {
  test_fault({});
  std::string input = read_stdin(limit);
  if (input.size() > limit) {
    std::cerr << "closeout-extract fields: larger than --max-bytes\n";
    return exit_code::failed;
  }
  auto outcome = closeout::extract::list_pdf_form_fields(input);
  if (!outcome.fields) {
    std::cerr << "closeout-extract fields: " << outcome.error << '\n';
    return exit_code::failed;
  }
  return write_reply(closeout::extract::fields_to_json(*outcome.fields)) ? exit_code::ok
                                                                         : exit_code::failed;
}

int run(int argc, char** argv) {
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
    return app.exit(e) == 0 ? exit_code::ok : exit_code::usage;
  }
  keep_stdout_for_the_reply();  // after --help, which is meant for a terminal's stdout
  if (read->parsed()) {
    try {
      return run_read(request);
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      // Only writing the reply itself can get here; one more, smaller try.
      return write_reply(closeout::reading_to_json(unreadable(request, e.what())))
                 ? exit_code::ok
                 : exit_code::failed;
    }
  }
  if (fields->parsed()) return run_fields(fill_limit);
  return run_fill(fill_limit);
}

}  // namespace

int main(int argc, char** argv) {
  std::set_new_handler(out_of_memory);
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {  // std::bad_array_new_length, or a library's own throw
    return exit_code::out_of_memory;
  } catch (const std::exception& e) {
    std::cerr << "closeout-extract: " << e.what() << '\n';
    return exit_code::failed;
  } catch (...) {
    std::cerr << "closeout-extract: an unknown exception\n";
    return exit_code::failed;
  }
}
