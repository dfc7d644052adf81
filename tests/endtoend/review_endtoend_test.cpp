// SPDX-License-Identifier: GPL-3.0-or-later
// A scanned Section 2 against the real Dovecot and Postfix: closeoutd reads the photo through
// the attachment helper's OCR, holds the dispatch in review and tells the manager; nothing goes
// to the close-out mailbox until `closeoutctl approve`, then exactly one close-out does, and
// the technician is confirmed to.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "e2e_support.h"
#include "sample_mail.h"

namespace closeout::testing {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string base64_lines(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t line = 0;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
    if (++line == 19) {  // 76 characters a line (RFC 2045)
      out += "\r\n";
      line = 0;
    }
  }
  return out + "\r\n";
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Section 2 as a 300 dpi scan (tests/data/attachments/scan/README.md: the values of
// complete_section2 for dispatch 7012345678, service date 11/24/2026), the body saying only that.
std::string scanned_reply(const Scenario& s, const std::string& number, const std::string& scan) {
  return "From: Mike Ross <" + s.technician("mike") + ">\r\nTo: " + s.dispatch_box() +
         "\r\nSubject: Re: [CITS #" + number + "] Service Dispatch " + number +
         "\r\nDate: Tue, 24 Nov 2026 17:48:31 -0500\r\nMessage-ID: <scan." + number +
         "@dealer.test>\r\nMIME-Version: 1.0\r\n"
         "Content-Type: multipart/mixed; boundary=\"scan-boundary\"\r\n\r\n"
         "--scan-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         "Section 2 is in the scan.\r\n\r\nMike\r\n"
         "--scan-boundary\r\nContent-Type: image/png\r\n"
         "Content-Disposition: attachment; filename=\"section2-scan.png\"\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\n" +
         base64_lines(file_bytes(scan)) + "--scan-boundary--\r\n";
}

TEST(EndToEnd, AScannedSection2WaitsForApprovalThenGoesToCanonOnce) {
  Scenario s("review");
  const std::string number = "7012345678";  // the number printed on the scan
  const std::string scan =
      std::string(CLOSEOUT_SOURCE_DIR) + "/tests/data/attachments/scan/clean_300dpi.png";
  ASSERT_FALSE(file_bytes(scan).empty()) << scan;
  // Dispatched before the service date on the scan.
  s.deliver(cits_dispatch(number, "AAB01234",
                          std::chrono::year_month_day{std::chrono::year{2026},
                                                      std::chrono::month{11}, std::chrono::day{23}},
                          "<cits.review@cits.canon.com>"));
  ASSERT_EQ(s.once().exit_code, 0);
  s.deliver(scanned_reply(s, number, scan));
  auto intake = s.once();
  ASSERT_EQ(intake.exit_code, 0) << intake.err;

  EXPECT_EQ(by_number(s.ctl_json({"list", "--json"}), number)["state"], "review");
  EXPECT_TRUE(s.messages(s.closeout_box()).empty()) << "nothing to Canon unseen";
  EXPECT_TRUE(s.messages(s.technician("mike")).empty());
  auto told = s.messages(s.manager());
  ASSERT_EQ(told.size(), 1U);
  EXPECT_TRUE(has(header_of(told[0], "Subject"), "Review needed")) << told[0];
  EXPECT_TRUE(has(told[0], "approve " + number)) << told[0];
  EXPECT_TRUE(has(told[0], "attachment:section2-scan.png (OCR")) << told[0];

  auto waiting = s.ctl_json({"review", "--json"});
  ASSERT_EQ(waiting.size(), 1U) << waiting.dump();
  EXPECT_EQ(waiting[0]["fields"]["technician_name"], "Mike Ross") << waiting.dump();
  EXPECT_EQ(waiting[0]["field_sources"]["technician_name"], "attachment:section2-scan.png");
  EXPECT_GT(waiting[0]["ocr_confidence"]["technician_name"].get<double>(), 0);
  EXPECT_EQ(waiting[0]["attachments"][0]["read"], "ocr");
  EXPECT_TRUE(s.messages(s.closeout_box()).empty()) << "listing changes nothing";

  // The admin checks the scan, corrects the labour as written on the paper, and approves.
  auto approved = s.ctl({"approve", number, "--set", "labor_hours=1.75"});
  ASSERT_EQ(approved.exit_code, 0) << approved.out << approved.err;
  EXPECT_EQ(by_number(s.ctl_json({"list", "--json"}), number)["state"], "closing");
  EXPECT_TRUE(s.messages(s.closeout_box()).empty()) << "closeoutctl only queues";
  ASSERT_EQ(s.once().exit_code, 0);
  auto closeouts = s.messages(s.closeout_box());
  ASSERT_EQ(closeouts.size(), 1U);
  EXPECT_TRUE(has(closeouts[0], "Technician Name: Mike Ross")) << closeouts[0];
  EXPECT_TRUE(has(closeouts[0], "Date of Service: 2026-11-24")) << closeouts[0];
  EXPECT_TRUE(has(closeouts[0], "Labor Hours: 1.75")) << closeouts[0];
  EXPECT_TRUE(has(closeouts[0], "Content-Type: application/pdf"))
      << "an approved close-out carries the form like any other (closeout.attach_form)";
  EXPECT_EQ(by_number(s.ctl_json({"list", "--json"}), number)["state"], "closed_out");
  ASSERT_EQ(s.once().exit_code, 0);
  auto confirmed = s.messages(s.technician("mike"));
  ASSERT_EQ(confirmed.size(), 1U) << "confirmed once CITS's server accepted";
  EXPECT_EQ(header_of(confirmed[0], "In-Reply-To"), "<scan." + number + "@dealer.test>");
  EXPECT_EQ(s.messages(s.closeout_box()).size(), 1U) << "never twice";
  EXPECT_EQ(s.ctl({"approve", number}).exit_code, 1);
}

}  // namespace
}  // namespace closeout::testing
