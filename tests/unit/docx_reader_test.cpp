// SPDX-License-Identifier: GPL-3.0-or-later
// The Word reader on the files in tests/data/attachments/docx (how each was made, and what is
// expected of it, is in that folder's README.md): tables, paragraphs, content controls and
// legacy form fields read exactly; hostile archives refused quickly, with the reason.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>

#include "docx_body.h"
#include "docx_reader.h"
#include "read_attachment.h"

namespace closeout::extract {
namespace {

using Fields = std::vector<std::pair<std::string, std::string>>;

std::string data_file(const std::string& name) {
  std::ifstream in(std::string(CLOSEOUT_TEST_DATA) + "/attachments/docx/" + name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

AttachmentReading read(const std::string& name, std::uint64_t max_bytes = 20'971'520) {
  ExtractRequest request;
  request.kind = "docx";
  request.filename = name;
  request.max_attachment_bytes = max_bytes;
  return read_attachment(data_file(name), request);
}

TEST(DocxReader, TwoColumnTableTypedInLibreOfficeReadsAsLabelValueLines) {
  auto r = read("table-form.docx");
  EXPECT_EQ(r.read, AttachmentRead::text) << r.reason;
  EXPECT_EQ(r.type, "docx");
  EXPECT_EQ(r.filename, "table-form.docx");
  EXPECT_TRUE(r.form_fields.empty());
  EXPECT_EQ(r.text,
            "Canon CITS Service Dispatch Form\n"
            "Section 1 - Dispatch\n"
            "Dispatch Number: 7012345678\n"
            "Dispatch Date: 11/20/2026\n"
            "Model: imageRUNNER ADVANCE DX C5840i\n"
            "Serial Number: 2RX04512\n"
            "Customer Name: Harbor Freight Logistics\n"
            "Section 2 - Technician\n"
            "Technician Name: Mike Ross\n"
            "Date of Service: 11/24/2026\n"
            "Problem Found: Printhead contacts corroded\n"
            "Corrective Action: Cleaned contacts, replaced printhead\n"
            "Parts Used: QY6-0083 x1\n"
            "  FM4-8400 x2\n"
            "e-Tag Number: ET4471203\n"
            "Meter Reading:\n"
            "Times\n"
            // The "Times" table has its labels in one row and the values in the row below.
            "Arrival Time: 9:30 AM\n"
            "Completion Time: 11:15 AM\n"
            "Labor Hours: 1.75\n"
            "Call Status: Completed\n"
            "Thank you.\n");
}

TEST(DocxReader, LabelValueParagraphsKeepTheirLinesAndTabs) {
  auto r = read("paragraphs.docx");
  EXPECT_EQ(r.read, AttachmentRead::text) << r.reason;
  EXPECT_EQ(r.text,
            "Service Dispatch 7012345678 - Section 2\n"
            "Technician Name: Mike Ross\n"
            "Date of Service: 11/24/2026\n"
            "Arrival Time:\t9:30 AM\n"
            "Completion Time:\t11:15 AM\n"
            "Problem Found: Printhead contacts corroded\n"
            // A line break inside the paragraph continues the value on an indented line.
            "Corrective Action: Cleaned contacts,\n"
            "  replaced printhead\n"
            "Parts Used: QY6-0083 x1\n"
            "e-Tag Number: ET4471203\n"
            "Call Status: Completed\n"
            "Mike\n");
}

TEST(DocxReader, ContentControlsAreNamedValuesByTagElseTitle) {
  auto r = read("content-controls.docx");
  EXPECT_EQ(r.read, AttachmentRead::form_fields) << r.reason;
  EXPECT_EQ(r.form_fields, (Fields{{"technician_name", "Mike Ross"},
                                   {"service_date", "11/24/2026"},
                                   {"ArrivalTime", "9:30 AM"},
                                   {"completion_time", ""},  // still showing its placeholder
                                   {"parts_used", "QY6-0083 x1\nFM4-8400 x2"},
                                   {"call_status", "Completed"},
                                   {"parts_returned", "Yes"},
                                   {"Follow-up needed", "Off"}}));
  // The text flow keeps what was typed, but not Word's "Click or tap here to enter text.".
  EXPECT_EQ(r.text,
            "Section 2 - Technician\n"
            "Technician Name: Mike Ross\n"
            "Date of Service: 11/24/2026\n"
            "Arrival Time: 9:30 AM\n"
            "Completion Time:\n"
            "Parts Used: QY6-0083 x1\n"
            "  FM4-8400 x2\n"
            "e-Tag Number: ET4471203\n"
            "Call Status: Completed\n"
            "Parts returned \u2612  Follow-up needed \u2610\n");
}

TEST(DocxReader, LegacyFormFieldsSavedByLibreOffice) {
  auto r = read("legacy-form-fields.docx");
  EXPECT_EQ(r.read, AttachmentRead::form_fields) << r.reason;
  // LibreOffice names a drop-down after its bookmark and writes its check boxes without a
  // name; nameless fields are left to the text flow.
  EXPECT_EQ(r.form_fields, (Fields{{"TechnicianName", "Mike Ross"},
                                   {"ServiceDate", "11/24/2026"},
                                   {"ArrivalTime", "9:30 AM"},
                                   {"MeterReading", ""},
                                   {"__Fieldmark__50_238492167", "Completed"}}));
  EXPECT_NE(r.text.find("Call Status: Completed\n"), std::string::npos) << r.text;
}

TEST(DocxReader, LegacyFormFieldsAsWordWritesThem) {
  auto r = read("word-legacy-fields.docx");
  EXPECT_EQ(r.read, AttachmentRead::form_fields) << r.reason;
  EXPECT_EQ(r.form_fields, (Fields{{"Text1", "Mike Ross"},
                                   {"ServiceDate", "11/24/2026"},
                                   {"MeterReading", ""},  // Word's five en spaces
                                   {"CallStatus", "Completed"},
                                   {"Check1", "Yes"},
                                   {"Check2", "Off"},     // w:checked w:val="0" beats the default
                                   {"Check3", "Yes"}}));  // no w:checked: the default
  EXPECT_NE(r.text.find("Meter Reading:\nCall Status: Completed\n"), std::string::npos) << r.text;
}

TEST(DocxReader, ATextBoxFromLibreOfficeIsReadOnceAfterItsParagraph) {
  // LibreOffice writes a frame twice, as DrawingML and as a VML fallback.
  auto r = read("text-box.docx");
  EXPECT_EQ(r.read, AttachmentRead::text) << r.reason;
  EXPECT_EQ(r.text,
            "Section 2 - Technician\n"
            "Call Status: Completed\n"
            "Technician Name: Mike Ross\n"
            "Date of Service: 11/24/2026\n");
}

struct Hostile {
  const char* file;
  const char* reason;
  const char* limit;  // "" when none is tripped
};

void PrintTo(const Hostile& h, std::ostream* os) { *os << h.file; }

class DocxHostile : public ::testing::TestWithParam<Hostile> {};

TEST_P(DocxHostile, IsUnreadableQuicklyWithTheReason) {
  const auto& h = GetParam();
  auto start = std::chrono::steady_clock::now();
  auto r = read(h.file);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_NE(r.reason.find(h.reason), std::string::npos) << r.reason;
  // Nothing of the file gets through, /etc/passwd from xxe.docx least of all.
  EXPECT_TRUE(r.text.empty());
  EXPECT_TRUE(r.form_fields.empty());
  if (*h.limit)
    EXPECT_EQ(r.limits_tripped, std::vector<std::string>{h.limit});
  else
    EXPECT_TRUE(r.limits_tripped.empty());
  // Refused before inflating: well under a second even under ASan.
  EXPECT_LT(took, std::chrono::seconds(3));
}

INSTANTIATE_TEST_SUITE_P(
    Files, DocxHostile,
    ::testing::Values(Hostile{"bomb-100mb.docx",
                              "would inflate to 104858159 bytes, more than max_attachment_bytes",
                              "max_attachment_bytes"},
                      Hostile{"bomb-15mb.docx", "looks like a zip bomb", "zip_ratio"},
                      Hostile{"lying-size.docx", "inflates to more than the archive says",
                              "max_attachment_bytes"},
                      Hostile{"many-entries.docx", "has 5001 entries, more than 1000",
                              "max_zip_entries"},
                      Hostile{"xxe.docx", "declares a DOCTYPE", ""},
                      Hostile{"truncated.docx", "not a zip archive", ""},
                      Hostile{"no-document.docx",
                              "not a Word document: the archive has no word/document.xml", ""}),
    [](const auto& info) {
      std::string name = info.param.file;
      name = name.substr(0, name.find('.'));
      std::erase(name, '-');
      return name;
    });

TEST(DocxReader, TheAttachmentSizeLimitBoundsWhatDocumentXmlMayInflateTo) {
  auto r = read("table-form.docx", 4096);
  EXPECT_EQ(r.read, AttachmentRead::unreadable);
  EXPECT_NE(r.reason.find("more than max_attachment_bytes (4096)"), std::string::npos) << r.reason;
  EXPECT_EQ(r.limits_tripped, std::vector<std::string>{"max_attachment_bytes"});
}

// ---------------------------------------------------------------- the body, from XML

std::string body(const std::string& inner) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document "
         "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>" +
         inner + "</w:body></w:document>";
}
std::string p(const std::string& text) { return "<w:p><w:r><w:t>" + text + "</w:t></w:r></w:p>"; }
std::string tc(const std::string& text, const std::string& pr = "") {
  return "<w:tc>" + pr + p(text) + "</w:tc>";
}

std::string text_of(const std::string& xml) {
  auto r = read_docx_body(body(xml), FormDefinition::builtin());
  EXPECT_TRUE(r.body) << r.error;
  return r.body ? r.body->text : "";
}

TEST(DocxBody, TwoLabelValuePairsInOneRowBecomeTwoLines) {
  EXPECT_EQ(text_of("<w:tbl><w:tr>" + tc("Model") + tc("iR C3226") + tc("Serial No:") +
                    tc("2RX04512") + "</w:tr></w:tbl>"),
            "Model: iR C3226\nSerial No: 2RX04512\n");
}

TEST(DocxBody, RowsThatAreNotLabelsAreJoinedWithTabs) {
  EXPECT_EQ(text_of("<w:tbl><w:tr>" + tc("Part") + tc("Qty") + "</w:tr><w:tr>" + tc("QY6-0083") +
                    tc("1") + "</w:tr></w:tbl>"),
            "Part\tQty\nQY6-0083\t1\n");
}

TEST(DocxBody, LabelsAboveValuesPairByGridColumnAcrossSpans) {
  // The first label spans two grid columns; its value below does too.
  std::string span = "<w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr>";
  EXPECT_EQ(text_of("<w:tbl><w:tr>" + tc("Technician Name", span) + tc("Service Date") +
                    "</w:tr><w:tr>" + tc("Mike Ross", span) + tc("11/24/2026") + "</w:tr></w:tbl>"),
            "Technician Name: Mike Ross\nService Date: 11/24/2026\n");
}

TEST(DocxBody, TrackedDeletionsAreNotText) {
  EXPECT_EQ(text_of("<w:p><w:r><w:t>Call Status: </w:t></w:r><w:del><w:r><w:delText>Pending"
                    "</w:delText></w:r></w:del><w:ins><w:r><w:t>Completed</w:t></w:r></w:ins>"
                    "</w:p>"),
            "Call Status: Completed\n");
}

TEST(DocxBody, AContainerControlIsNoFieldButTheControlsInsideAre) {
  auto r = read_docx_body(
      body("<w:sdt><w:sdtPr><w:alias w:val=\"Section 2\"/></w:sdtPr><w:sdtContent><w:p><w:r>"
           "<w:t>Technician Name: </w:t></w:r><w:sdt><w:sdtPr><w:tag w:val=\"TechName\"/>"
           "</w:sdtPr><w:sdtContent><w:r><w:t>Mike Ross</w:t></w:r></w:sdtContent></w:sdt>"
           "</w:p></w:sdtContent></w:sdt>"),
      FormDefinition::builtin());
  ASSERT_TRUE(r.body) << r.error;
  EXPECT_EQ(r.body->form_fields, (Fields{{"TechName", "Mike Ross"}}));
  EXPECT_EQ(r.body->text, "Technician Name: Mike Ross\n");
}

TEST(DocxBody, AControlAroundAWholeCellOrRowIsRead) {
  // Word wraps the cell when the whole cell was selected, and the rows of a repeating section.
  std::string pr = "<w:sdtPr><w:tag w:val=\"part\"/></w:sdtPr>";
  std::string cell =
      "<w:sdt>" + pr + "<w:sdtContent>" + tc("QY6-0083 x1") + "</w:sdtContent></w:sdt>";
  std::string empty =
      "<w:sdt><w:sdtPr><w:tag w:val=\"etag\"/><w:showingPlcHdr/></w:sdtPr>"
      "<w:sdtContent>" +
      tc("Click or tap here to enter text.") + "</w:sdtContent></w:sdt>";
  auto r = read_docx_body(
      body("<w:tbl><w:sdt><w:sdtPr><w15:repeatingSection xmlns:w15=\"urn:w15\"/></w:sdtPr>"
           "<w:sdtContent><w:tr>" +
           tc("Parts Used") + cell +
           "</w:tr></w:sdtContent></w:sdt>"
           "<w:tr>" +
           tc("e-Tag Number") + empty + "</w:tr></w:tbl>"),
      FormDefinition::builtin());
  ASSERT_TRUE(r.body) << r.error;
  EXPECT_EQ(r.body->form_fields, (Fields{{"part", "QY6-0083 x1"}, {"etag", ""}}));
  EXPECT_EQ(r.body->text, "Parts Used: QY6-0083 x1\ne-Tag Number:\n");
}

TEST(DocxBody, ThousandsOfUnclosedFieldsCostNothingPerCharacter) {
  std::string fields;
  for (int i = 0; i < 20000; ++i)
    fields +=
        "<w:r><w:fldChar w:fldCharType=\"begin\"><w:ffData><w:name w:val=\"F\"/>"
        "<w:textInput/></w:ffData></w:fldChar><w:fldChar w:fldCharType=\"separate\"/></w:r>";
  std::string text = "<w:r><w:t>" + std::string(100000, 'x') + "</w:t></w:r>";
  std::string runs;
  for (int i = 0; i < 20; ++i) runs += text;
  auto start = std::chrono::steady_clock::now();
  auto r = read_docx_body(body("<w:p>" + fields + runs + "</w:p>"), FormDefinition::builtin());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ASSERT_TRUE(r.body) << r.error;
  EXPECT_TRUE(r.body->form_fields.empty());  // none ever ended
  EXPECT_EQ(r.body->text.size(), 2'000'001u);
}

TEST(DocxBody, NestingDeeperThanLibxml2AllowsIsRefusedNotRecursed) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<w:sdt><w:sdtContent>";
  auto r = read_docx_body(body(deep + p("x")), FormDefinition::builtin());
  EXPECT_FALSE(r.body);
  EXPECT_NE(r.error.find("not valid XML"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("depth"), std::string::npos) << r.error;
}

TEST(DocxBody, NotWellFormedXmlSaysSo) {
  auto r = read_docx_body("<w:document><w:body><w:p>", FormDefinition::builtin());
  EXPECT_FALSE(r.body);
  EXPECT_NE(r.error.find("not valid XML"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace closeout::extract
