// SPDX-License-Identifier: GPL-3.0-or-later
// A technician returns Section 2 in the filled PDF form, run as an admin runs closeoutd, against
// the real Dovecot and Postfix and the real closeout-extract: the close-out goes to CITS with
// the PDF's values, and the one value typed in the mail beats the PDF's.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "attachment_mail.h"
#include "e2e_support.h"
#include "sample_mail.h"

namespace closeout::testing {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string form_pdf() {
  std::ifstream in(std::filesystem::path(CLOSEOUT_SOURCE_DIR) /
                       "tests/data/attachments/pdf/form_acrobat_filled.pdf",
                   std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Attachments, ASection2InTheFilledPdfFormIsClosedOut) {
  Scenario s("pdfform");
  // The PDF is for dispatch 7012345678, serial AA512389 (tests/data/attachments/pdf/README.md).
  s.deliver(cits_dispatch("7012345678", "AA512389", local_day(2), "<cits.pdf@cits.canon.com>"));
  auto first = s.once();
  ASSERT_EQ(first.exit_code, 0) << first.err;

  // The form says 11/24/2026; the technician corrects the date in the mail, which wins.
  s.deliver(mail_with_files("Mike Ross <" + s.technician("mike") + ">",
                            "Re: [CITS #7012345678] Service Dispatch",
                            "Form attached.\nDate of Service: " + today_minus(1),
                            {{"Section2.pdf", "application/pdf", form_pdf()}}));
  auto second = s.once();
  ASSERT_EQ(second.exit_code, 0) << second.err;

  auto list = s.ctl_json({"list", "--json"});
  EXPECT_EQ(by_number(list, "7012345678")["state"], "closed_out") << list.dump();
  auto closeouts = s.messages(s.closeout_box());
  ASSERT_EQ(closeouts.size(), 1U);
  EXPECT_TRUE(has(closeouts[0], "Technician Name: Mike Ross")) << closeouts[0];
  EXPECT_TRUE(has(closeouts[0], "Printhead contacts corroded")) << closeouts[0];
  EXPECT_TRUE(has(closeouts[0], "QY6-0083")) << closeouts[0];
  const auto day = local_day(1);
  char typed[16];
  std::snprintf(typed, sizeof typed, "%04d-%02u-%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  EXPECT_TRUE(has(closeouts[0], std::string("Date of Service: ") + typed)) << closeouts[0];
  EXPECT_FALSE(has(closeouts[0], "2026-11-24")) << "the date typed in the mail beats the form's";
  // The timeline keeps the disagreement.
  auto shown = s.ctl_json({"show", "7012345678", "--json"});
  EXPECT_TRUE(has(shown.dump(), "service_date mismatch")) << shown.dump();
}

}  // namespace
}  // namespace closeout::testing
