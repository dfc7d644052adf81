// SPDX-License-Identifier: GPL-3.0-or-later
// read_pdf on the PDFs in tests/data/attachments/pdf (README.md there says how each was made):
// form fields with their exact names and values, the text layer as label lines, passwords,
// and hostile files that must cost only a few pages.
#include "pdf_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "label_fields.h"

namespace closeout::extract {
namespace {

namespace fs = std::filesystem;
const fs::path kPdfDir = fs::path(CLOSEOUT_TEST_DATA) / "attachments" / "pdf";
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::string file_bytes(const std::string& name) {
  std::ifstream in(kPdfDir / name, std::ios::binary);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

AttachmentReading read(const std::string& name, std::size_t max_pages = 20) {
  ExtractRequest request;
  request.kind = "pdf";
  request.filename = name;
  request.max_pdf_pages = max_pages;
  return read_pdf(file_bytes(name), request);
}

Pairs labels(const std::string& text) {
  Pairs out;
  for (const auto& lv : find_labeled_values(text, FormDefinition::builtin()))
    out.emplace_back(lv.field->key, lv.value);
  return out;
}

// Each form field name as the parent maps it; "" for a name the form definition does not know.
Pairs mapped(const Pairs& fields) {
  Pairs out;
  for (const auto& [name, value] : fields) {
    const FieldSpec* f = FormDefinition::builtin().field_for_form_field(name);
    out.emplace_back(f ? f->key : "", value);
  }
  return out;
}

const Pairs kSection1 = {{"dispatch_number", "7012345678"},
                         {"dispatch_date", "11/23/2026"},
                         {"service_provider", "Acme Office Systems"},
                         {"model", "imagePROGRAF iPF685"},
                         {"serial_number", "AA512389"},
                         {"customer_name", "Lakeside Architects LLP"},
                         {"customer_address", "12 Harbor Rd, Ossining, NY 10562"},
                         {"contact_name", "Dana Whitfield"},
                         {"contact_phone", "(914) 555-0142"},
                         {"warranty_status", "In Warranty"},
                         {"problem_description", "Error E194-403a at power on."}};

const Pairs kAcrobatFilled = {{"Technician Name", "Mike Ross"},
                              {"Date of Service", "11/24/2026"},
                              {"Arrival Time", "9:30 AM"},
                              {"Completion Time", "11:15 AM"},
                              {"Labor Hours", "1.75"},
                              {"Problem Found", "Printhead contacts corroded"},
                              {"Corrective Action", "Cleaned contacts, replaced printhead"},
                              {"Parts Used", "QY6-0083 x1"},
                              {"eTag Number", "ET4471203"},
                              {"Meter Reading", "48211"},
                              {"Call Status", "Completed"}};

TEST(PdfReader, EmptyAcrobatFormGivesEveryFieldEmptyAndSection1FromItsText) {
  AttachmentReading r = read("form_acrobat_empty.pdf");
  EXPECT_EQ(r.read, AttachmentRead::form_fields) << r.reason;
  Pairs expected = kAcrobatFilled;
  for (auto& [name, value] : expected) value = "";
  expected.back().second = "Off";  // the Call Status radio group, nothing chosen
  EXPECT_EQ(r.form_fields, expected);
  // Section 1 is printed; the Section 2 lines sit beside fields and are left to them, so the
  // option names printed by the radio buttons do not read as "Call Status: Completed".
  EXPECT_EQ(labels(r.text), kSection1);
}

TEST(PdfReader, FilledAcrobatFormGivesTheValuesAndTheirKeys) {
  AttachmentReading r = read("form_acrobat_filled.pdf");
  EXPECT_EQ(r.read, AttachmentRead::form_fields) << r.reason;
  EXPECT_EQ(r.form_fields, kAcrobatFilled);
  EXPECT_EQ(mapped(r.form_fields),
            (Pairs{{"technician_name", "Mike Ross"},
                   {"service_date", "11/24/2026"},
                   {"arrival_time", "9:30 AM"},
                   {"completion_time", "11:15 AM"},
                   {"labor_hours", "1.75"},
                   {"problem_found", "Printhead contacts corroded"},
                   {"corrective_action", "Cleaned contacts, replaced printhead"},
                   {"parts_used", "QY6-0083 x1"},
                   {"etag_number", "ET4471203"},
                   {"meter_reading", "48211"},
                   {"call_status", "Completed"}}));
  EXPECT_EQ(labels(r.text), kSection1);
}

TEST(PdfReader, ARadioGroupWithOptGivesTheExportValueNotTheIndex) {
  AttachmentReading r = read("form_acrobat_radio_opt.pdf");
  EXPECT_EQ(r.read, AttachmentRead::form_fields) << r.reason;
  ASSERT_FALSE(r.form_fields.empty());
  EXPECT_EQ(r.form_fields.back(), (std::pair<std::string, std::string>{"Call Status", "Pending"}));
}

TEST(PdfReader, LiveCycleNamesAreFullyQualifiedWithCheckBoxesAndAChoice) {
  const std::string p = "topmostSubform[0].Page1[0].";
  AttachmentReading empty = read("form_livecycle_empty.pdf");
  EXPECT_EQ(empty.read, AttachmentRead::form_fields) << empty.reason;
  ASSERT_EQ(empty.form_fields.size(), 12u);
  for (std::size_t i = 0; i < 10; ++i) EXPECT_EQ(empty.form_fields[i].second, "");
  EXPECT_EQ(empty.form_fields[10],
            (std::pair<std::string, std::string>{p + "Completed[0]", "Off"}));
  EXPECT_EQ(empty.form_fields[11], (std::pair<std::string, std::string>{p + "Pending[0]", "Off"}));

  AttachmentReading r = read("form_livecycle_filled.pdf");
  EXPECT_EQ(r.read, AttachmentRead::form_fields) << r.reason;
  EXPECT_EQ(r.form_fields,
            (Pairs{{p + "TechnicianName[0]", "Mike Ross"},
                   {p + "DateOfService[0]", "11/24/2026"},
                   {p + "ArrivalTime[0]", "9:30 AM"},
                   {p + "CompletionTime[0]", "11:15 AM"},
                   {p + "LaborHours[0]", "1.5"},  // a drop-down list
                   {p + "ProblemFound[0]", "Printhead contacts corroded"},
                   {p + "CorrectiveAction[0]", "Cleaned contacts, replaced printhead"},
                   {p + "PartsUsed[0]", "QY6-0083 x1"},
                   {p + "ETagNumber[0]", "ET4471203"},
                   {p + "MeterReading[0]", ""},
                   {p + "Completed[0]", "Off"},
                   {p + "Pending[0]", "Yes"}}));
  // The names map to the form's keys by their last part; the check boxes are the parent's
  // to read as Call Status options.
  Pairs keys = mapped(r.form_fields);
  EXPECT_EQ(keys[0].first, "technician_name");
  EXPECT_EQ(keys[1].first, "service_date");
  EXPECT_EQ(keys[4].first, "labor_hours");
  EXPECT_EQ(keys[8].first, "etag_number");
  EXPECT_EQ(keys[10].first, "");
  EXPECT_EQ(labels(r.text), kSection1);
}

TEST(PdfReader, WordProcessorTablePrintedToPdfReadsAsLabelLines) {
  AttachmentReading r = read("word_table.pdf");
  EXPECT_EQ(r.read, AttachmentRead::text) << r.reason;
  EXPECT_TRUE(r.form_fields.empty());
  EXPECT_EQ(labels(r.text), (Pairs{{"dispatch_number", "7012345678"},
                                   {"dispatch_date", "11/23/2026"},
                                   {"model", "imagePROGRAF iPF685"},
                                   {"serial_number", "AA512389"},
                                   {"customer_name", "Lakeside Architects LLP"},
                                   {"technician_name", "Mike Ross"},
                                   {"service_date", "11/24/2026"},
                                   {"arrival_time", "9:30 AM"},
                                   {"completion_time", "11:15 AM"},
                                   {"labor_hours", "1.75"},
                                   {"problem_found", "Printhead contacts corroded"},
                                   {"corrective_action", "Cleaned contacts, replaced printhead"},
                                   {"parts_used", "QY6-0083 x1"},
                                   {"etag_number", "ET4471203"},
                                   {"call_status", "Completed"}}));
}

TEST(PdfReader, EmptyUserPasswordOpensAndARealOneIsUnreadable) {
  AttachmentReading open = read("encrypted_empty_user_password.pdf");
  EXPECT_EQ(open.read, AttachmentRead::form_fields) << open.reason;
  EXPECT_EQ(open.form_fields, kAcrobatFilled);

  AttachmentReading locked = read("encrypted_user_password.pdf");
  EXPECT_EQ(locked.read, AttachmentRead::unreadable);
  EXPECT_EQ(locked.reason, "the PDF needs a password; please type Section 2 into the reply");
  EXPECT_TRUE(locked.form_fields.empty());
  EXPECT_TRUE(locked.text.empty());
}

TEST(PdfReader, FiveThousandPagesReadOnlyTheFirstFew) {
  auto start = std::chrono::steady_clock::now();
  AttachmentReading r = read("pages_5000.pdf", 3);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.read, AttachmentRead::text) << r.reason;
  EXPECT_EQ(r.limits_tripped, std::vector<std::string>{"max_pdf_pages"});
  EXPECT_EQ(r.text,
            "Appendix: parts catalogue\nAppendix: parts catalogue\nAppendix: parts catalogue\n");
  // Generous for a sanitizer build: the cost is opening the file, not reading its pages.
  EXPECT_LT(took, std::chrono::seconds(20));
}

TEST(PdfReader, ReferenceLoopsEndAndWhatCanBeReadIsRead) {
  // The page tree is its own kid: qpdf refuses it, poppler reads the one real page.
  AttachmentReading pages = read("loop_page_tree.pdf");
  EXPECT_NE(pages.read, AttachmentRead::unreadable) << pages.reason;
  EXPECT_EQ(labels(pages.text), (Pairs{{"technician_name", "Loop Test"}}));
  // A field that is its own kid and parent, and a form XObject that draws itself.
  AttachmentReading fields = read("loop_fields_xobject.pdf");
  EXPECT_EQ(fields.read, AttachmentRead::form_fields) << fields.reason;
  EXPECT_EQ(fields.form_fields, (Pairs{{"Loop", "looped"}}));
}

TEST(PdfReader, APageWithoutTextGoesToOcrAndTheTextPageIsKept) {
  AttachmentReading r = read("text_then_blank_page.pdf");
  // Whatever OCR makes of the blank page, the printed page's values stay.
  EXPECT_NE(r.read, AttachmentRead::unreadable) << r.reason;
  Pairs got = labels(r.text);
  EXPECT_NE(std::find(got.begin(), got.end(),
                      std::pair<std::string, std::string>{"technician_name", "Mike Ross"}),
            got.end());
}

TEST(PdfReader, BytesThatAreNoPdfAreUnreadable) {
  ExtractRequest request;
  request.kind = "pdf";
  for (std::string bytes : {std::string(), std::string("%PDF-1.7\n1 0 obj <<"),
                            std::string("PK\x03\x04") + " not a pdf at all"}) {
    AttachmentReading r = read_pdf(bytes, request);
    EXPECT_EQ(r.read, AttachmentRead::unreadable) << bytes;
    EXPECT_FALSE(r.reason.empty());
  }
}

}  // namespace
}  // namespace closeout::extract
