// SPDX-License-Identifier: GPL-3.0-or-later
// The parse path with binary attachments (SPEC "The form itself as an attachment"), read by an
// in-process fake reader: what is taken from a reading, what beats it, where each value came
// from, when a person must review, and how attachments that were not read are listed.
#include <gtest/gtest.h>

#include <map>

#include "analyze.h"
#include "attachment_mail.h"
#include "result_json.h"

namespace closeout {
namespace {

using FormFields = std::vector<std::pair<std::string, std::string>>;

const std::chrono::year_month_day kToday{std::chrono::year{2026}, std::chrono::November,
                                         std::chrono::day{24}};

using Attachment = testing::AttachedFile;

std::string mail(const std::string& from, const std::string& subject, const std::string& body,
                 const std::vector<Attachment>& attachments) {
  return testing::mail_with_files(from, subject, body, attachments);
}

std::string reply(const std::string& body, const std::vector<Attachment>& attachments) {
  return mail("Mike Ross <mike@dealer.example>", "Re: [CITS #7012345678] Service Dispatch", body,
              attachments);
}

const Attachment kPdf{"Section2.pdf", "application/pdf", "%PDF-1.7\n% a form\n"};

// The fake reader: a reading per file name, and a record of what it was asked to read.
struct FakeReader {
  std::map<std::string, AttachmentReading> by_name;
  std::vector<std::pair<std::string, std::string>> calls;  // file name, kind

  AttachmentReader reader() {
    return [this](const BinaryPart& part, std::string_view kind) {
      calls.emplace_back(part.filename, std::string(kind));
      auto it = by_name.find(part.filename);
      if (it != by_name.end()) return it->second;
      AttachmentReading r;
      r.filename = part.filename;
      r.type = std::string(kind);
      r.read = AttachmentRead::unreadable;
      r.reason = "the fake reader has nothing for it";
      return r;
    };
  }
};

AttachmentReading reading(AttachmentRead read, FormFields fields, std::string text = "") {
  AttachmentReading r;
  r.type = "pdf";
  r.read = read;
  r.form_fields = std::move(fields);
  r.text = std::move(text);
  return r;
}

// Section 2 as Acrobat names a fillable form's fields, Call Status as one box per option.
FormFields acrobat_section2() {
  return {{"topmostSubform[0].Page1[0].TechnicianName[0]", "Mike Ross"},
          {"topmostSubform[0].Page1[0].DateOfService[0]", "11/24/2026"},
          {"topmostSubform[0].Page1[0].ArrivalTime[0]", "9:30 AM"},
          {"topmostSubform[0].Page1[0].CompletionTime[0]", "11:15 AM"},
          {"topmostSubform[0].Page1[0].ProblemFound[0]", "Printhead contacts corroded"},
          {"topmostSubform[0].Page1[0].CorrectiveAction[0]", "Replaced printhead"},
          {"topmostSubform[0].Page1[0].PartsUsed[0]", "QY6-0083 x1"},
          {"topmostSubform[0].Page1[0].eTagNumber[0]", "ET4471203"},
          {"topmostSubform[0].Page1[0].Completed[0]", "/Yes"},
          {"topmostSubform[0].Page1[0].Pending[0]", "Off"},
          {"topmostSubform[0].Page1[0].InternalNotes[0]", "ignored: not on the form"}};
}

Analysis analyze(const std::string& raw, FakeReader* reader,
                 std::vector<std::string> technicians = {}, DecodeLimits limits = {}) {
  AnalyzeOptions o;
  o.today = kToday;
  o.technicians = std::move(technicians);
  o.limits = limits;
  if (reader) o.read_attachment = reader->reader();
  auto out = analyze_message(raw, o);
  EXPECT_TRUE(out.analysis) << out.error;
  return out.analysis.value_or(Analysis{});
}

std::string text_field(const Analysis& a, const std::string& key) {
  const Field* f = find_field(a.fields, key);
  return f ? std::get<std::string>(f->value) : "(absent)";
}

std::map<std::string, std::string> sources(const Analysis& a) {
  return {a.field_sources.begin(), a.field_sources.end()};
}

const Problem* warning(const Analysis& a, const std::string& field, const std::string& code) {
  for (const auto& w : a.warnings)
    if (w.field == field && w.code == code) return &w;
  return nullptr;
}

TEST(AnalyzeAttachments, PdfFormFieldsAloneMakeAValidSection2) {
  FakeReader fake;
  fake.by_name["Section2.pdf"] = reading(AttachmentRead::form_fields, acrobat_section2());
  auto a = analyze(reply("Section 2 attached.", {kPdf}), &fake);
  ASSERT_EQ(fake.calls.size(), 1u);
  EXPECT_EQ(fake.calls[0], (std::pair<std::string, std::string>{"Section2.pdf", "pdf"}));
  EXPECT_EQ(a.kind, MessageKind::section2);
  EXPECT_TRUE(a.valid()) << (a.problems.empty() ? "" : a.problems[0].message);
  EXPECT_EQ(text_field(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(text_field(a, "service_date"), "2026-11-24");
  EXPECT_EQ(text_field(a, "call_status"), "completed");
  EXPECT_EQ(a.call_status, CallStatus::completed);
  auto s = sources(a);
  EXPECT_EQ(s["technician_name"], "attachment:Section2.pdf");
  EXPECT_EQ(s["call_status"], "attachment:Section2.pdf");
  EXPECT_EQ(s["labor_hours"], "attachment:Section2.pdf");  // derived from the PDF's two times
  EXPECT_EQ(s.count("dispatch_number"), 0u);               // from the subject tag
  EXPECT_FALSE(a.needs_review);
  ASSERT_EQ(a.attachments.size(), 1u);
  EXPECT_EQ(a.attachments[0].filename, "Section2.pdf");
  EXPECT_EQ(a.attachments[0].read, AttachmentRead::form_fields);
  EXPECT_TRUE(a.attachments[0].form_fields.empty());  // listed without its content
}

TEST(AnalyzeAttachments, CallStatusBoxesTickedBothWaysAreRefusedNotGuessed) {
  FakeReader fake;
  FormFields fields = acrobat_section2();
  for (auto& [name, value] : fields)
    if (name.find("Pending") != std::string::npos) value = "On";
  fake.by_name["Section2.pdf"] = reading(AttachmentRead::form_fields, fields);
  auto a = analyze(reply("Attached.", {kPdf}), &fake);
  EXPECT_FALSE(a.call_status);
  EXPECT_TRUE(std::any_of(a.problems.begin(), a.problems.end(), [](const Problem& p) {
    return p.field == "call_status" && p.code == "invalid";
  }));

  for (auto& [name, value] : fields)
    if (name.find("Completed") != std::string::npos) value = "Off";
  fake.by_name["Section2.pdf"] = reading(AttachmentRead::form_fields, fields);
  EXPECT_EQ(analyze(reply("Attached.", {kPdf}), &fake).call_status, CallStatus::pending);
}

TEST(AnalyzeAttachments, TextOfAWordDocumentIsReadByItsLabels) {
  FakeReader fake;
  AttachmentReading docx = reading(AttachmentRead::text, {},
                                   "Technician Name: Mike Ross\nDate of Service: 11/24/2026\n"
                                   "Arrival Time: 9:30 AM\nCompletion Time: 11:15 AM\n");
  docx.type = "docx";
  fake.by_name["Section 2.docx"] = docx;
  // A .docx sent as application/octet-stream is still a Word document.
  Attachment file{"Section 2.docx", "application/octet-stream", "PK\x03\x04word/document.xml"};
  auto a = analyze(reply("See the Word file.", {file}), &fake);
  ASSERT_EQ(fake.calls.size(), 1u);
  EXPECT_EQ(fake.calls[0].second, "docx");
  EXPECT_EQ(text_field(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(text_field(a, "arrival_time"), "09:30");
  EXPECT_EQ(sources(a)["arrival_time"], "attachment:Section 2.docx");
}

TEST(AnalyzeAttachments, TheMailBeatsTheAttachmentAndSaysSoWhenTheyDiffer) {
  FakeReader fake;
  fake.by_name["Section2.pdf"] = reading(AttachmentRead::form_fields, acrobat_section2());
  auto a = analyze(reply("Date of Service: 11/23/2026\nArrival Time: 09:30\n", {kPdf}), &fake);
  EXPECT_EQ(text_field(a, "service_date"), "2026-11-23");
  EXPECT_EQ(sources(a)["service_date"], "body");
  const Problem* w = warning(a, "service_date", "mismatch");
  ASSERT_NE(w, nullptr);
  EXPECT_NE(w->message.find("Section2.pdf"), std::string::npos) << w->message;
  EXPECT_NE(w->message.find("11/23/2026"), std::string::npos) << w->message;
  EXPECT_NE(w->message.find("11/24/2026"), std::string::npos) << w->message;
  EXPECT_NE(w->message.find("used the value in the mail"), std::string::npos) << w->message;
  // "09:30" and "9:30 AM" are the same time: no warning.
  EXPECT_EQ(warning(a, "arrival_time", "mismatch"), nullptr);
  EXPECT_EQ(sources(a)["arrival_time"], "body");
  EXPECT_EQ(a.source_warnings.size(), 1u);  // for the daemon, which re-checks section2_raw
  EXPECT_TRUE(a.valid());                   // a warning, not a problem
}

TEST(AnalyzeAttachments, SourcesNameTheMailTheQuoteAndTheAttachment) {
  FakeReader fake;
  fake.by_name["Section2.pdf"] =
      reading(AttachmentRead::text, {}, "Arrival Time: 9:30 AM\nCompletion Time: 11:15 AM\n");
  auto a = analyze(mail("Mike Ross <mike@dealer.example>", "Re: Service Dispatch",
                        "Technician Name: Mike Ross\n\nOn Mon, Nov 23, 2026 at 4:12 PM Acme "
                        "<service@dealer.example> wrote:\n> Dispatch Number: 7012345678\n"
                        "> Problem Found: Typed into the quoted form\n",
                        {kPdf}),
                   &fake);
  auto s = sources(a);
  EXPECT_EQ(s["technician_name"], "body");
  EXPECT_EQ(s["problem_found"], "quote");
  EXPECT_EQ(s["dispatch_number"], "quote");
  EXPECT_EQ(s["arrival_time"], "attachment:Section2.pdf");
  // In field order, like "fields".
  std::vector<std::string> order;
  for (const auto& f : a.fields)
    if (s.count(f.key)) order.push_back(f.key);
  std::vector<std::string> listed;
  for (const auto& [key, source] : a.field_sources) listed.push_back(key);
  EXPECT_EQ(listed, order);
}

TEST(AnalyzeAttachments, ValuesReadByOcrNeedReviewUnlessTheMailGaveThem) {
  FakeReader fake;
  AttachmentReading scan = reading(AttachmentRead::ocr, {}, "Problem Found: Printhead corroded\n");
  scan.type = "image";
  scan.min_confidence = 71;
  fake.by_name["scan.jpg"] = scan;
  Attachment jpeg{"scan.jpg", "image/jpeg", "\xff\xd8\xff\xe0 jpeg"};
  auto a = analyze(reply("Technician Name: Mike Ross\n", {jpeg}), &fake);
  EXPECT_EQ(text_field(a, "problem_found"), "Printhead corroded");
  EXPECT_TRUE(a.needs_review);
  EXPECT_EQ(a.attachments.at(0).read, AttachmentRead::ocr);

  auto typed = analyze(reply("Problem Found: Printhead corroded\n", {jpeg}), &fake);
  EXPECT_FALSE(typed.needs_review);  // the OCR value lost to the typed one
}

TEST(AnalyzeAttachments, AttachmentsNotReadAreListedWithTheReason) {
  FakeReader fake;
  DecodeLimits limits;
  limits.max_attachment_bytes = 64;
  Attachment gif{"logo.gif", "image/gif", "GIF89a tiny"};
  Attachment big{"huge.pdf", "application/pdf", "%PDF-1.7\n" + std::string(100, 'x')};
  Attachment broken{"locked.pdf", "application/pdf", "%PDF-1.7 encrypted"};
  auto a = analyze(reply("Technician Name: Mike Ross\n", {gif, big, broken}), &fake, {}, limits);
  ASSERT_EQ(a.attachments.size(), 3u);
  EXPECT_EQ(a.attachments[0].filename, "logo.gif");
  EXPECT_EQ(a.attachments[0].type, "image/gif");
  EXPECT_EQ(a.attachments[0].read, AttachmentRead::skipped);
  EXPECT_EQ(a.attachments[0].reason, "not a form (image/gif)");
  EXPECT_EQ(a.attachments[1].read, AttachmentRead::skipped);
  EXPECT_NE(a.attachments[1].reason.find("max_attachment_bytes"), std::string::npos);
  EXPECT_EQ(a.attachments[1].limits_tripped, std::vector<std::string>{"max_attachment_bytes"});
  EXPECT_EQ(a.attachments[2].read, AttachmentRead::unreadable);
  EXPECT_EQ(a.attachments[2].reason, "the fake reader has nothing for it");
  // Only the one that could be a form went to the reader.
  ASSERT_EQ(fake.calls.size(), 1u);
  EXPECT_EQ(fake.calls[0].first, "locked.pdf");
  EXPECT_EQ(text_field(a, "technician_name"), "Mike Ross");  // the rest of the mail goes on
  // The technician hears which files could hold the form but were not read; a logo is no news.
  std::vector<std::string> unread;
  for (const auto& w : a.warnings)
    if (w.field == "attachment") unread.push_back(w.message);
  ASSERT_EQ(unread.size(), 2u);
  EXPECT_NE(unread[0].find("huge.pdf (larger than limits.max_attachment_bytes"), std::string::npos)
      << unread[0];
  EXPECT_NE(unread[1].find("locked.pdf (the fake reader has nothing for it)"), std::string::npos)
      << unread[1];
  EXPECT_NE(unread[1].find("type Section 2 into the reply"), std::string::npos) << unread[1];
  EXPECT_EQ(a.source_warnings.size(), 2u);  // for the daemon's own check

  auto offline = analyze(reply("Technician Name: Mike Ross\n", {kPdf}), nullptr);
  ASSERT_EQ(offline.attachments.size(), 1u);
  EXPECT_EQ(offline.attachments[0].read, AttachmentRead::skipped);
  EXPECT_EQ(offline.attachments[0].reason, "attachments are not read here");
  EXPECT_EQ(offline.attachments[0].type, "pdf");
}

TEST(AnalyzeAttachments, FilesInsideWinmailDatAreReadLikeDirectAttachments) {
  FakeReader fake;
  AttachmentReading tnef;
  tnef.type = "tnef";
  tnef.read = AttachmentRead::text;
  AttachmentReading inner = reading(AttachmentRead::form_fields, acrobat_section2());
  inner.filename = "Section2.pdf";
  tnef.inner.push_back(inner);
  fake.by_name["winmail.dat"] = tnef;
  Attachment dat{"winmail.dat", "application/ms-tnef", "\x78\x9f\x3e\x22 tnef"};
  auto a = analyze(reply("From Outlook.", {dat}), &fake);
  EXPECT_EQ(fake.calls.at(0).second, "tnef");
  EXPECT_EQ(text_field(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(sources(a)["technician_name"], "attachment:winmail.dat/Section2.pdf");
  ASSERT_EQ(a.attachments.size(), 2u);
  EXPECT_EQ(a.attachments[0].filename, "winmail.dat");
  EXPECT_EQ(a.attachments[1].filename, "winmail.dat/Section2.pdf");
  EXPECT_EQ(a.attachments[1].read, AttachmentRead::form_fields);
  EXPECT_TRUE(a.attachments[0].inner.empty());
}

TEST(AnalyzeAttachments, Section1OnlyInTheDispatchsPdfIsRead) {
  FakeReader fake;
  fake.by_name["Dispatch 7012345678.pdf"] =
      reading(AttachmentRead::form_fields, {{"DispatchNumber", "7012345678"},
                                            {"Model", "imagePROGRAF iPF685"},
                                            {"SerialNumber", "AAB01234"},
                                            {"TechnicianName", "not Section 1: ignored"}});
  Attachment pdf{"Dispatch 7012345678.pdf", "application/pdf", "%PDF-1.7 dispatch"};
  auto a = analyze(mail("CITS <dispatch@cits.canon.com>", "Service Dispatch",
                        "Please see the attached Service Dispatch Form.", {pdf}),
                   &fake);
  EXPECT_EQ(a.kind, MessageKind::dispatch);
  EXPECT_TRUE(a.valid());
  EXPECT_EQ(text_field(a, "serial_number"), "AAB01234");
  EXPECT_EQ(sources(a)["model"], "attachment:Dispatch 7012345678.pdf");
  EXPECT_EQ(sources(a)["dispatch_number"], "attachment:Dispatch 7012345678.pdf");
  EXPECT_EQ(find_field(a.fields, "technician_name"), nullptr);
}

TEST(AnalyzeAttachments, AStrangersFilesAndAutomaticMailAreNeverRead) {
  FakeReader fake;
  fake.by_name["Section2.pdf"] = reading(AttachmentRead::form_fields, acrobat_section2());
  auto stranger = analyze(mail("someone@else.example", "Re: [CITS #7012345678]", "Here.", {kPdf}),
                          &fake, {"*@dealer.example"});
  EXPECT_TRUE(fake.calls.empty());
  ASSERT_EQ(stranger.attachments.size(), 1u);
  EXPECT_EQ(stranger.attachments[0].read, AttachmentRead::skipped);
  EXPECT_NE(stranger.attachments[0].reason.find("dealer.technicians"), std::string::npos);

  std::string bounce = reply("Undeliverable", {kPdf});
  bounce.insert(0, "Return-Path: <>\n");
  auto b = analyze(bounce, &fake);
  EXPECT_EQ(b.kind, MessageKind::bounce);
  EXPECT_TRUE(fake.calls.empty());
  ASSERT_EQ(b.attachments.size(), 1u);
  EXPECT_EQ(b.attachments[0].read, AttachmentRead::skipped);
}

TEST(AnalyzeAttachments, ParseJsonCarriesSourcesAttachmentsAndReview) {
  FakeReader fake;
  AttachmentReading scan = reading(AttachmentRead::ocr, {}, "Problem Found: Printhead corroded\n");
  scan.type = "image";
  fake.by_name["scan.jpg"] = scan;
  Attachment jpeg{"scan.jpg", "image/jpeg", "\xff\xd8\xff\xe0 jpeg"};
  Attachment gif{"logo.gif", "image/gif", "GIF89a"};
  auto j = analysis_json(analyze(reply("Technician Name: Mike Ross\n", {jpeg, gif}), &fake));
  EXPECT_EQ(j["field_sources"]["technician_name"], "body");
  EXPECT_EQ(j["field_sources"]["problem_found"], "attachment:scan.jpg");
  EXPECT_EQ(j["needs_review"], true);
  ASSERT_EQ(j["attachments"].size(), 2u);
  EXPECT_EQ(j["attachments"][0],
            (nlohmann::ordered_json{
                {"filename", "scan.jpg"}, {"type", "image"}, {"read", "ocr"}, {"reason", ""}}));
  EXPECT_EQ(j["attachments"][1]["read"], "skipped");
  EXPECT_EQ(j["attachments"][1]["reason"], "not a form (image/gif)");

  auto plain = analysis_json(analyze(reply("Technician Name: Mike Ross\n", {}), &fake));
  EXPECT_TRUE(plain["attachments"].is_array());
  EXPECT_TRUE(plain["attachments"].empty());
  EXPECT_EQ(plain["needs_review"], false);
  EXPECT_TRUE(plain["field_sources"].is_object());
}

}  // namespace
}  // namespace closeout
