// SPDX-License-Identifier: GPL-3.0-or-later
// closeout-extract as closeoutd runs it: the real helper process for each attachment, and every
// way it can go wrong (a crash, CPU burnt, a sleep, memory, a reply that is not a reading, one
// too long, a process left behind) seen as the reading `parse --json` shows a user. The faults
// come from the helper's test-only CLOSEOUT_EXTRACT_TEST_FAULT (closeout_extract_main.cpp).
#include "attachment_helper.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "config.h"
#include "read_attachment.h"

namespace closeout {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

AttachmentHelperSettings quick() {
  AttachmentHelperSettings s;
  s.program = CLOSEOUT_EXTRACT_PATH;
  s.cpu_seconds = 1s;
  return s;
}

BinaryPart part(std::string filename, std::string bytes) {
  BinaryPart p;
  p.filename = std::move(filename);
  p.content_type = "application/pdf";
  p.size = bytes.size();
  p.bytes = std::move(bytes);
  return p;
}

const std::string kPdf = "%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n";

// The fault the next helper started from this process commits; gone at the end of the scope.
class Fault {
 public:
  explicit Fault(const char* fault) { ::setenv("CLOSEOUT_EXTRACT_TEST_FAULT", fault, 1); }
  ~Fault() { ::unsetenv("CLOSEOUT_EXTRACT_TEST_FAULT"); }
  Fault(const Fault&) = delete;
  Fault& operator=(const Fault&) = delete;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What reading these bytes in-process gives, with the limits the helper is told.
AttachmentReading in_process(const BinaryPart& p, const std::string& kind,
                             const AttachmentHelperSettings& s) {
  extract::ExtractRequest request;
  request.kind = kind;
  request.filename = p.filename;
  request.max_pdf_pages = s.max_pdf_pages;
  request.max_image_pixels = s.max_image_pixels;
  request.max_attachment_bytes = s.max_attachment_bytes;
  return extract::read_attachment(p.bytes, request);
}

TEST(AttachmentHelper, AReadingComesBackThroughTheRealProcess) {
  for (const char* kind : {"pdf", "docx", "image", "tnef"}) {
    SCOPED_TRACE(kind);
    BinaryPart p = part("Section 2 (signed).pdf", kPdf);
    AttachmentReading r = read_in_helper(p, kind, quick());
    EXPECT_EQ(r.filename, "Section 2 (signed).pdf");
    EXPECT_EQ(r.type, kind);
    EXPECT_EQ(reading_to_json(r), reading_to_json(in_process(p, kind, quick())));
  }
}

TEST(AttachmentHelper, AFileNameThatLooksLikeAnOptionIsOnlyAName) {
  BinaryPart p = part("--kind=docx.pdf", kPdf);
  AttachmentReading r = read_in_helper(p, "pdf", quick());
  EXPECT_EQ(r.filename, "--kind=docx.pdf");
  EXPECT_EQ(reading_to_json(r), reading_to_json(in_process(p, "pdf", quick())));
}

// 8 MiB in, through a pipe that holds 64 KiB: the parent must write and read at once.
TEST(AttachmentHelper, ALargeAttachmentIsFedWhole) {
  BinaryPart p = part("scan.pdf", kPdf + std::string(8u << 20, ' '));
  AttachmentReading r = read_in_helper(p, "pdf", quick());
  EXPECT_EQ(reading_to_json(r), reading_to_json(in_process(p, "pdf", quick())));
}

TEST(AttachmentHelper, ACrashIsUnreadableWithItsSignal) {
  Fault fault("crash");
  AttachmentReading r = read_in_helper(part("form.pdf", kPdf), "pdf", quick());
  EXPECT_EQ(r.filename, "form.pdf");
  EXPECT_EQ(r.type, "pdf");
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_EQ(r.reason, "the attachment reader crashed (signal 11)");
  EXPECT_TRUE(r.limits_tripped.empty());
}

// RLIMIT_CPU stops it after its second of CPU (a few seconds by the clock on a busy machine),
// long before the wall clock would.
TEST(AttachmentHelper, BurningCpuStopsAtExtractSeconds) {
  Fault fault("hang");
  AttachmentHelperSettings s = quick();
  s.wall_clock = 30s;
  auto start = Clock::now();
  AttachmentReading r = read_in_helper(part("loop.pdf", kPdf), "pdf", s);
  EXPECT_LT(seconds_since(start), 20.0);
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_EQ(r.reason, "took longer than extract_seconds (1s)");
  EXPECT_EQ(r.limits_tripped, std::vector<std::string>{"extract_seconds"});
}

TEST(AttachmentHelper, ASleepingHelperIsKilledAtTheWallClock) {
  Fault fault("sleep");
  AttachmentHelperSettings s = quick();
  s.wall_clock = 2000ms;
  int kept_alive = 0;
  s.keep_alive = [&] { ++kept_alive; };
  auto start = Clock::now();
  AttachmentReading r = read_in_helper(part("stuck.docx", "PK"), "docx", s);
  EXPECT_GE(seconds_since(start), 1.9);
  EXPECT_LT(seconds_since(start), 8.0);
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_EQ(r.reason, "took longer than extract_seconds (1s)");
  EXPECT_EQ(r.limits_tripped, std::vector<std::string>{"extract_seconds"});
  EXPECT_GE(kept_alive, 1);  // the daemon's watchdog went on being pinged
}

// Processes of the helper's group still alive (not zombies) whose command line holds `marker`.
std::vector<pid_t> alive_with(const std::string& marker) {
  std::vector<pid_t> found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream cmdline(entry.path() / "cmdline", std::ios::binary);
    std::stringstream text;
    text << cmdline.rdbuf();
    if (text.str().find(marker) == std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    std::getline(stat, line);
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z')
      found.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return found;
}

TEST(AttachmentHelper, WhatTheHelperLeavesBehindDiesWithIt) {
  Fault fault("orphan");
  AttachmentHelperSettings s = quick();
  s.wall_clock = 1500ms;
  const std::string marker = "orphan-" + std::to_string(::getpid()) + ".pdf";
  AttachmentReading r = read_in_helper(part(marker, kPdf), "pdf", s);
  // The process left behind held the reply open, so the reply never ended.
  EXPECT_EQ(r.reason, "took longer than extract_seconds (1s)");
  std::vector<pid_t> left;
  for (int i = 0; i < 50; ++i) {
    left = alive_with(marker);
    if (left.empty()) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(left.empty()) << left.size() << " helper process(es) still running";
  for (pid_t pid : left) ::kill(pid, SIGKILL);
}

TEST(AttachmentHelper, AMemoryBlowUpStopsAtExtractMemory) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's shadow memory leaves no room for an address space limit";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  GTEST_SKIP() << "AddressSanitizer's shadow memory leaves no room for an address space limit";
#endif
#endif
  Fault fault("alloc");
  AttachmentHelperSettings s = quick();
  s.memory_bytes = 256u << 20;
  AttachmentReading r = read_in_helper(part("huge.png", "\x89PNG"), "image", s);
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_EQ(r.reason, "needed more than extract_memory (268435456 bytes)");
  EXPECT_EQ(r.limits_tripped, std::vector<std::string>{"extract_memory"});
}

// The helper named does not exist: had it been started, the reason would say so.
TEST(AttachmentHelper, AnOversizePartIsSkippedWithoutAProcess) {
  AttachmentHelperSettings s = quick();
  s.program = "/nonexistent/closeout-extract";
  BinaryPart decoded_too_large = part("big.pdf", "");
  decoded_too_large.too_large = true;
  decoded_too_large.size = 30u << 20;
  BinaryPart over_the_helpers_limit = part("big.pdf", std::string(2000, 'x'));
  s.max_attachment_bytes = 1000;
  for (const BinaryPart& p : {decoded_too_large, over_the_helpers_limit}) {
    AttachmentReading r = read_in_helper(p, "pdf", s);
    EXPECT_EQ(r.filename, "big.pdf");
    EXPECT_EQ(r.read, AttachmentRead::skipped);
    EXPECT_EQ(r.reason, "larger than max_attachment_bytes (1000 bytes)");
    EXPECT_EQ(r.limits_tripped, std::vector<std::string>{"max_attachment_bytes"});
  }
}

// The helper answers without reading its input: writing the rest must cost EPIPE, not a SIGPIPE
// that would end this process (and closeoutd).
TEST(AttachmentHelper, AReplyThatIsNotAReadingIsUnreadable) {
  Fault fault("garbage");
  AttachmentReading r =
      read_in_helper(part("odd.pdf", kPdf + std::string(8u << 20, ' ')), "pdf", quick());
  EXPECT_EQ(r.filename, "odd.pdf");
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_EQ(r.reason.rfind("the attachment reader's reply is not a reading: ", 0), 0u) << r.reason;
}

TEST(AttachmentHelper, AReplyLongerThanAReadingMayBeIsUnreadable) {
  Fault fault("flood");
  auto start = Clock::now();
  AttachmentReading r =
      read_in_helper(part("flood.pdf", kPdf + std::string(8u << 20, ' ')), "pdf", quick());
  EXPECT_LT(seconds_since(start), 5.0);  // not the wall clock's 7 s: it was stopped at the bound
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_EQ(r.reason, "the attachment reader's reply is larger than 4194304 bytes");
}

TEST(AttachmentHelper, AMissingHelperIsUnreadableWithTheReason) {
  AttachmentHelperSettings s = quick();
  s.program = "/nonexistent/closeout-extract";
  AttachmentReading r = read_in_helper(part("form.pdf", kPdf), "pdf", s);
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_EQ(r.reason,
            "cannot start the attachment reader /nonexistent/closeout-extract: No such file or "
            "directory");
}

TEST(AttachmentHelper, TheReaderForAnalyzeRunsTheHelper) {
  Fault fault("crash");
  AttachmentReader reader = helper_attachment_reader(quick());
  AttachmentReading r = reader(part("form.pdf", kPdf), "pdf");
  EXPECT_EQ(r.filename, "form.pdf");
  EXPECT_EQ(r.reason, "the attachment reader crashed (signal 11)");
}

// The unit tests' own directory has no closeout-extract beside it.
TEST(AttachmentHelper, TheInstalledHelperIsFoundInLibexec) {
  EXPECT_EQ(default_extract_program(), CLOSEOUT_INSTALLED_EXTRACT);
}

TEST(AttachmentHelper, SettingsComeFromTheLimits) {
  Config c = parse_config(
      "[limits]\nmax_attachment_bytes = 1048576\nmax_pdf_pages = 3\nmax_image_pixels = 9000000\n"
      "extract_seconds = \"1m\"\nextract_memory = 268435456\n",
      "c.toml");
  AttachmentHelperSettings s = attachment_helper_settings(c);
  EXPECT_EQ(s.program, "");
  EXPECT_EQ(s.max_attachment_bytes, 1048576u);
  EXPECT_EQ(s.max_pdf_pages, 3u);
  EXPECT_EQ(s.max_image_pixels, 9000000u);
  EXPECT_EQ(s.cpu_seconds, 60s);
  EXPECT_EQ(s.memory_bytes, 268435456u);
}

}  // namespace
}  // namespace closeout
