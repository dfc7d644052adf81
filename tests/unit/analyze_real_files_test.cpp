// SPDX-License-Identifier: GPL-3.0-or-later
// The parse path on the real files of tests/data/attachments (PDF, .docx, winmail.dat), read
// in-process by the real readers: the field names Acrobat, LiveCycle and Word give a form, their
// check boxes and radio groups, a dispatch whose Section 1 is only in the PDF, the files inside
// a winmail.dat, end to end but without the helper process (closeoutctl_cli_test covers that).
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
const fs::path kFiles = fs::path(CLOSEOUT_TEST_DATA) / "attachments";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// path: under tests/data/attachments ("pdf/form_acrobat_filled.pdf"); sent under its own name.
Analysis analyze_with_file(const std::string& from, const std::string& subject,
                           const std::string& body, const std::string& path,
                           const std::string& content_type = "application/pdf") {
  AnalyzeOptions o;
  o.today = std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::November,
                                        std::chrono::day{24}};
  o.read_attachment = [](const BinaryPart& part, std::string_view kind) {
    extract::ExtractRequest request;
    request.kind = std::string(kind);
    request.filename = part.filename;
    return extract::read_attachment(part.bytes, request);
  };
  const std::string name = fs::path(path).filename().string();
  auto out = analyze_message(
      testing::mail_with_files(from, subject, body, {{name, content_type, slurp(kFiles / path)}}),
      o);
  EXPECT_TRUE(out.analysis) << out.error;
  return out.analysis.value_or(Analysis{});
}

Analysis technician_sends(const std::string& path, const std::string& body = "Form attached.",
                          const std::string& content_type = "application/pdf") {
  return analyze_with_file("Mike Ross <mike@dealer.example>",
                           "Re: [CITS #7012345678] Service Dispatch", body, path, content_type);
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

TEST(AnalyzeRealFiles, AcrobatFormWithARadioGroupIsAValidSection2) {
  auto a = technician_sends("pdf/form_acrobat_filled.pdf");
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

TEST(AnalyzeRealFiles, LiveCycleFormWithOneCheckBoxPerStatusReadsTheTickedOne) {
  auto a = technician_sends("pdf/form_livecycle_filled.pdf");
  EXPECT_EQ(text(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(text(a, "call_status"), "pending");  // Pending[0] is ticked, Completed[0] is Off
  EXPECT_EQ(a.call_status, CallStatus::pending);
  EXPECT_NEAR(std::get<double>(find_field(a.fields, "labor_hours")->value), 1.5, 1e-9);
  EXPECT_TRUE(a.valid()) << problems(a);
}

TEST(AnalyzeRealFiles, AnEmptyFormIsTheSameProblemsReplyAsAnEmptyMail) {
  auto a = technician_sends("pdf/form_acrobat_empty.pdf");
  EXPECT_EQ(a.kind, MessageKind::section2);
  EXPECT_FALSE(a.valid());
  for (const char* key : {"technician_name", "service_date", "call_status"}) {
    EXPECT_TRUE(std::any_of(a.problems.begin(), a.problems.end(),
                            [&](const Problem& p) { return p.field == key; }))
        << key << "\n"
        << problems(a);
  }
}

TEST(AnalyzeRealFiles, ADispatchWhoseSection1IsOnlyInItsPdfIsComplete) {
  auto a = analyze_with_file("CITS <dispatch@cits.canon.com>", "Service Dispatch",
                             "Please find the Service Dispatch Form attached.",
                             "pdf/form_acrobat_empty.pdf");
  EXPECT_EQ(a.kind, MessageKind::dispatch);
  EXPECT_TRUE(a.valid()) << problems(a);
  EXPECT_EQ(a.dispatch_number, "7012345678");
  EXPECT_EQ(text(a, "model"), "imagePROGRAF iPF685");
  EXPECT_EQ(text(a, "serial_number"), "AA512389");
  EXPECT_EQ(a.field_sources.at(0), (std::pair<std::string, std::string>{
                                       "dispatch_number", "attachment:form_acrobat_empty.pdf"}));
}

TEST(AnalyzeRealFiles, APdfThatNeedsAPasswordIsUnreadableAndTheMailStillCounts) {
  auto a = technician_sends("pdf/encrypted_user_password.pdf", "Technician Name: Mike Ross");
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].read, AttachmentRead::unreadable);
  EXPECT_NE(a.attachments[0].reason.find("password"), std::string::npos) << a.attachments[0].reason;
  EXPECT_EQ(text(a, "technician_name"), "Mike Ross");
  EXPECT_TRUE(std::any_of(a.warnings.begin(), a.warnings.end(), [](const Problem& w) {
    return w.field == "attachment" && w.message.find("password") != std::string::npos;
  })) << "the technician is told why the PDF was not read";
}

const char* const kDocxType =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

TEST(AnalyzeRealFiles, WordContentControlsAreMappedByTagAndTitle) {
  auto a = technician_sends("docx/content-controls.docx", "Form attached.", kDocxType);
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].read, AttachmentRead::form_fields) << a.attachments[0].reason;
  EXPECT_EQ(text(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(text(a, "service_date"), "2026-11-24");
  EXPECT_EQ(text(a, "arrival_time"), "09:30");
  EXPECT_EQ(text(a, "call_status"), "completed");  // the drop-down; "Follow-up needed" is Off
  std::map<std::string, std::string> sources(a.field_sources.begin(), a.field_sources.end());
  EXPECT_EQ(sources["technician_name"], "attachment:content-controls.docx");
}

TEST(AnalyzeRealFiles, AWordTableTypedInLibreOfficeIsAValidSection2) {
  auto a = technician_sends("docx/table-form.docx", "Form attached.", kDocxType);
  EXPECT_EQ(a.attachments.at(0).read, AttachmentRead::text) << a.attachments[0].reason;
  EXPECT_EQ(text(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(text(a, "call_status"), "completed");
  EXPECT_TRUE(a.valid()) << problems(a);
}

TEST(AnalyzeRealFiles, TheWordFormInsideWinmailDatIsReadAndNamedByItsPath) {
  auto a = technician_sends("tnef/winmail-docx.dat", "Form attached.", "application/ms-tnef");
  std::vector<std::string> names;
  for (const auto& r : a.attachments) names.push_back(r.filename);
  EXPECT_EQ(names, (std::vector<std::string>{"winmail-docx.dat", "winmail-docx.dat/table-form.docx",
                                             "winmail-docx.dat/parts.txt"}));
  EXPECT_EQ(text(a, "technician_name"), "Mike Ross");
  std::map<std::string, std::string> sources(a.field_sources.begin(), a.field_sources.end());
  EXPECT_EQ(sources["technician_name"], "attachment:winmail-docx.dat/table-form.docx");
  EXPECT_TRUE(a.valid()) << problems(a);
}

}  // namespace
}  // namespace closeout
