// The parse path on the real PDFs of tests/data/attachments/pdf, read in-process by the real
// PDF reader: the field names Acrobat and LiveCycle give a form, their check boxes and radio
// groups, and a dispatch whose Section 1 is only in the PDF, end to end but without the helper
// process (closeoutctl_cli_test covers that).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "analyze.h"
#include "attachment_mail.h"
#include "read_attachment.h"

namespace closeout {
namespace {

namespace fs = std::filesystem;
const fs::path kPdfDir = fs::path(CLOSEOUT_TEST_DATA) / "attachments" / "pdf";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Analysis analyze_with_pdf(const std::string& from, const std::string& subject,
                          const std::string& body, const std::string& pdf) {
  AnalyzeOptions o;
  o.today = std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::November,
                                        std::chrono::day{24}};
  o.read_attachment = [](const BinaryPart& part, std::string_view kind) {
    extract::ExtractRequest request;
    request.kind = std::string(kind);
    request.filename = part.filename;
    return extract::read_attachment(part.bytes, request);
  };
  auto out =
      analyze_message(testing::mail_with_files(from, subject, body,
                                               {{pdf, "application/pdf", slurp(kPdfDir / pdf)}}),
                      o);
  EXPECT_TRUE(out.analysis) << out.error;
  return out.analysis.value_or(Analysis{});
}

Analysis technician_sends(const std::string& pdf, const std::string& body = "Form attached.") {
  return analyze_with_pdf("Mike Ross <mike@dealer.example>",
                          "Re: [CITS #7012345678] Service Dispatch", body, pdf);
}

std::string text(const Analysis& a, const std::string& key) {
  const Field* f = find_field(a.fields, key);
  if (!f) return "(absent)";
  if (auto s = std::get_if<std::string>(&f->value)) return *s;
  if (auto d = std::get_if<double>(&f->value)) return std::to_string(*d);
  return "(parts)";
}

std::string problems(const Analysis& a) {
  std::string out;
  for (const auto& p : a.problems) out += p.field + " " + p.code + ": " + p.message + "\n";
  return out;
}

TEST(AnalyzeRealPdf, AcrobatFormWithARadioGroupIsAValidSection2) {
  auto a = technician_sends("form_acrobat_filled.pdf");
  EXPECT_EQ(a.kind, MessageKind::section2);
  EXPECT_TRUE(a.valid()) << problems(a);
  EXPECT_EQ(text(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(text(a, "service_date"), "2026-11-24");
  EXPECT_EQ(text(a, "arrival_time"), "09:30");
  EXPECT_EQ(text(a, "call_status"), "completed");
  EXPECT_EQ(text(a, "corrective_action"), "Cleaned contacts, replaced printhead");
  std::map<std::string, std::string> sources(a.field_sources.begin(), a.field_sources.end());
  EXPECT_EQ(sources["technician_name"], "attachment:form_acrobat_filled.pdf");
  EXPECT_EQ(sources["call_status"], "attachment:form_acrobat_filled.pdf");
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].read, AttachmentRead::form_fields);
  EXPECT_FALSE(a.needs_review);
}

TEST(AnalyzeRealPdf, LiveCycleFormWithOneCheckBoxPerStatusReadsTheTickedOne) {
  auto a = technician_sends("form_livecycle_filled.pdf");
  EXPECT_EQ(text(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(text(a, "call_status"), "pending");  // Pending[0] is ticked, Completed[0] is Off
  EXPECT_EQ(a.call_status, CallStatus::pending);
  EXPECT_NEAR(std::get<double>(find_field(a.fields, "labor_hours")->value), 1.5, 1e-9);
  EXPECT_TRUE(a.valid()) << problems(a);
}

TEST(AnalyzeRealPdf, AnEmptyFormIsTheSameProblemsReplyAsAnEmptyMail) {
  auto a = technician_sends("form_acrobat_empty.pdf");
  EXPECT_EQ(a.kind, MessageKind::section2);
  EXPECT_FALSE(a.valid());
  for (const char* key : {"technician_name", "service_date", "call_status"}) {
    EXPECT_TRUE(std::any_of(a.problems.begin(), a.problems.end(),
                            [&](const Problem& p) { return p.field == key; }))
        << key << "\n"
        << problems(a);
  }
}

TEST(AnalyzeRealPdf, ADispatchWhoseSection1IsOnlyInItsPdfIsComplete) {
  auto a =
      analyze_with_pdf("CITS <dispatch@cits.canon.com>", "Service Dispatch",
                       "Please find the Service Dispatch Form attached.", "form_acrobat_empty.pdf");
  EXPECT_EQ(a.kind, MessageKind::dispatch);
  EXPECT_TRUE(a.valid()) << problems(a);
  EXPECT_EQ(a.dispatch_number, "7012345678");
  EXPECT_EQ(text(a, "model"), "imagePROGRAF iPF685");
  EXPECT_EQ(text(a, "serial_number"), "AA512389");
  EXPECT_EQ(a.field_sources.at(0), (std::pair<std::string, std::string>{
                                       "dispatch_number", "attachment:form_acrobat_empty.pdf"}));
}

TEST(AnalyzeRealPdf, APdfThatNeedsAPasswordIsUnreadableAndTheMailStillCounts) {
  auto a = technician_sends("encrypted_user_password.pdf", "Technician Name: Mike Ross");
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].read, AttachmentRead::unreadable);
  EXPECT_NE(a.attachments[0].reason.find("password"), std::string::npos) << a.attachments[0].reason;
  EXPECT_EQ(text(a, "technician_name"), "Mike Ross");
}

}  // namespace
}  // namespace closeout
