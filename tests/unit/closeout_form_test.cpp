// SPDX-License-Identifier: GPL-3.0-or-later
// The form a close-out carries (closeout.attach_form): CITS's own fillable PDF filled in by
// closeout-extract, else a page of our own (form_render.h); read back the way a PDF reader would
// (qpdf for field values, poppler for the text), and the mail it goes out in.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "closeout_form.h"
#include "dispatch_forms.h"
#include "form_fill.h"
#include "form_render.h"
#include "mime_parts.h"
#include "pdf_read_back.h"
#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string fillable_form() {
  return read_file(std::string(CLOSEOUT_TEST_DATA) +
                   "/attachments/closeout/fillable-dispatch-form.pdf");
}

nlohmann::json entries(std::initializer_list<std::pair<const char*, const char*>> list) {
  auto out = nlohmann::json::array();
  for (const auto& [label, value] : list) out.push_back({{"label", label}, {"value", value}});
  return out;
}

TEST(CloseoutFormRender, APdfReaderReadsEveryLabelAndValueBack) {
  workflow::RenderedFormText form;
  form.dispatch_number = "4417702";
  form.service_provider = "Acme Office Systems";
  form.section1 = entries({{"Model", "imagePROGRAF iPF685"}, {"Serial Number", "AAJ04417"}});
  form.section2 = entries({{"Technician Name", "José Ruiz"},
                           {"Labor Hours", "1.75"},
                           {"Parts Used", "QY6-0083 x1, FM4-8400 x2"},
                           {"Call Status", "Completed"}});
  int pages = 0;
  auto text = pdf_text(workflow::render_form_pdf(form), &pages);
  EXPECT_EQ(pages, 1);
  for (const char* expected :
       {"Service Dispatch Form", "4417702", "Acme Office Systems", "SECTION 1",
        "Model:", "imagePROGRAF iPF685", "AAJ04417", "SECTION 2", "Technician Name:", "José Ruiz",
        "1.75", "QY6-0083 x1, FM4-8400 x2", "Completed"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in:\n" << text;
}

// The faces a PDF names, without the subset tag ("ABCDEF+") of an embedded one.
std::set<std::string> font_faces(const std::string& pdf) {
  std::set<std::string> faces;
  for (auto at = pdf.find("/BaseFont /"); at != std::string::npos;
       at = pdf.find("/BaseFont /", at + 1)) {
    auto name = pdf.substr(at + 11, pdf.find_first_of(" \r\n/>", at + 11) - at - 11);
    faces.insert(name.substr(name.find('+') + 1));
  }
  return faces;
}

// Nearly every form: its text is all in Windows-1252, so it names the reader's own Helvetica
// and embeds no font, which is what makes it cheap (BENCHMARKS.md); accents, curly quotes,
// dashes and the ellipsis are all in it.
TEST(CloseoutFormRender, ALatinFormIsDrawnInTheReadersHelveticaWithNoFontEmbedded) {
  workflow::RenderedFormText form;
  form.dispatch_number = "4417702";
  form.section1 = entries({{"Customer Name",
                            "Caf\xC3\xA9 \xE2\x80\x9CLakeside\xE2\x80\x9D \xE2\x80\x94 "
                            "Ossining"}});
  form.section2 = entries({{"Technician Name", "Jos\xC3\xA9 Ruiz"}, {"Call Status", "Completed"}});
  auto pdf = workflow::render_form_pdf(form);
  EXPECT_EQ(font_faces(pdf), (std::set<std::string>{"Helvetica", "Helvetica-Bold"}));
  EXPECT_EQ(pdf.find("/FontFile"), std::string::npos);
  auto text = pdf_text(pdf);
  for (const char* expected : {"Caf\xC3\xA9 \xE2\x80\x9CLakeside\xE2\x80\x9D \xE2\x80\x94 Ossining",
                               "Jos\xC3\xA9 Ruiz", "Technician Name:", "Completed"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in:\n" << text;
}

// A value Windows-1252 cannot spell is drawn, not replaced: the whole form then goes in FreeSans,
// embedded. The package depends on that font: were it missing, fontconfig would hand cairo
// whatever face it has, and such forms would look different from the one documented.
TEST(CloseoutFormRender, TextBeyondWindows1252IsDrawnInEmbeddedFreeSans) {
  workflow::RenderedFormText form;
  form.dispatch_number = "4417702";
  form.section2 = entries(
      {{"Technician Name",
        "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD \xD0\x9F\xD0\xB5\xD1\x82\xD1\x80\xD0\xBE\xD0\xB2"},
       {"Call Status", "Completed"}});
  auto pdf = workflow::render_form_pdf(form);
  EXPECT_EQ(font_faces(pdf), (std::set<std::string>{"FreeSans", "FreeSansBold"}));
  auto text = pdf_text(pdf);
  EXPECT_NE(
      text.find(
          "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD \xD0\x9F\xD0\xB5\xD1\x82\xD1\x80\xD0\xBE\xD0\xB2"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("Completed"), std::string::npos) << text;
}

// On either page: a Cyrillic name puts the whole form in embedded FreeSans.
TEST(CloseoutFormRender, LongValuesWrapAndAreCutWithAnEllipsisOnOnePage) {
  for (const char* technician : {"Mike Ross", "\xD0\x98\xD0\xB2\xD0\xB0\xD0\xBD"}) {
    workflow::RenderedFormText form;
    form.dispatch_number = "4417702";
    std::string long_words;
    for (int i = 0; i < 200; ++i) long_words += "word" + std::to_string(i) + " ";
    form.section1 = entries({{"Problem Description", long_words.c_str()}});
    auto many = nlohmann::json::array();
    many.push_back({{"label", "Technician Name"}, {"value", technician}});
    for (int i = 0; i < 80; ++i)
      many.push_back(
          {{"label", "Field " + std::to_string(i)}, {"value", "value" + std::to_string(i)}});
    form.section2 = many;
    int pages = 0;
    auto text = pdf_text(workflow::render_form_pdf(form), &pages);
    EXPECT_EQ(pages, 1) << technician;
    EXPECT_NE(text.find(technician), std::string::npos) << text;
    EXPECT_NE(text.find("word0 word1"), std::string::npos) << technician;
    EXPECT_NE(text.find("\xE2\x80\xA6"), std::string::npos) << technician;  // "…"
    EXPECT_EQ(text.find("word199"), std::string::npos) << technician;       // cut, not overflowing
    EXPECT_NE(text.find("value0"), std::string::npos) << technician;
    EXPECT_EQ(text.find("value79"), std::string::npos) << technician;
  }
}

TEST(CloseoutFormRender, BrokenUtf8DoesNotStopTheDrawing) {
  workflow::RenderedFormText form;
  form.dispatch_number = "4417702";
  form.section2 =
      entries({{"Technician Name", "Mike \xFF\xFE Ross"}, {"Call Status", "Completed"}});
  auto text = pdf_text(workflow::render_form_pdf(form));
  EXPECT_NE(text.find("Completed"), std::string::npos) << text;
}

TEST(CloseoutFormFill, TheFilledFormsFieldsReadBackWithTheValues) {
  auto filled = extract::fill_pdf_form(fillable_form(), {{"TechnicianName", "Mike Ross"},
                                                         {"LaborHours", "1.75"},
                                                         {"CallStatus", "Completed"},
                                                         {"TechnicianSigned", "Yes"}});
  ASSERT_TRUE(filled.pdf) << filled.error;
  auto values = pdf_field_values(*filled.pdf);
  EXPECT_EQ(values["TechnicianName"], "Mike Ross");
  EXPECT_EQ(values["LaborHours"], "1.75");
  EXPECT_EQ(values["CallStatus"], "Completed");
  EXPECT_EQ(values["TechnicianSigned"], "Yes");
  EXPECT_EQ(values["DispatchNumber"], "4417702");  // CITS's Section 1 stays
  // Appearances were made: the value is on the page, not only in the field.
  EXPECT_NE(pdf_text(*filled.pdf).find("Mike Ross"), std::string::npos);
}

TEST(CloseoutFormFill, NotAPdfIsAnErrorNotACrash) {
  auto filled = extract::fill_pdf_form("%PDF-1.7\nnothing here", {{"TechnicianName", "x"}});
  EXPECT_FALSE(filled.pdf);
  EXPECT_FALSE(filled.error.empty());
}

TEST(CloseoutFormFill, SectionTwoValuesGoToTheFieldsNamedForThem) {
  auto listed = extract::list_pdf_form_fields(fillable_form());
  ASSERT_TRUE(listed.fields) << listed.error;
  auto json = nlohmann::json::parse(extract::fields_to_json(*listed.fields));
  const auto& form = FormDefinition::builtin();
  nlohmann::json section2 = nlohmann::json::array(
      {{{"key", "technician_name"}, {"label", "Technician Name"}, {"value", "Mike Ross"}},
       {{"key", "service_date"}, {"label", "Date of Service"}, {"value", "11/24/2026"}},
       {{"key", "labor_hours"}, {"label", "Labor Hours"}, {"value", "1.75"}},
       {{"key", "etag_number"}, {"label", "e-Tag Number"}, {"value", "ET4471203"}},
       {{"key", "call_status"}, {"label", "Call Status"}, {"value", "Completed"}}});
  auto values = workflow::form_field_values(json, form, section2);
  std::map<std::string, std::string> by_name(values.begin(), values.end());
  EXPECT_EQ(by_name["TechnicianName"], "Mike Ross");
  EXPECT_EQ(by_name["DateOfService"], "11/24/2026");
  EXPECT_EQ(by_name["LaborHours"], "1.75");
  EXPECT_EQ(by_name["eTagNumber"], "ET4471203");
  EXPECT_EQ(by_name["CallStatus"], "Completed");
  EXPECT_EQ(by_name.count("DispatchNumber"), 0U);  // no Section 2 value given for it
  EXPECT_EQ(by_name.count("Model"), 0U);           // Section 1 is CITS's
}

TEST(CloseoutFormFill, CallStatusCheckBoxesAreTickedForTheStatusOnly) {
  auto fields = nlohmann::json::parse(R"([
    {"name": "Completed", "type": "checkbox", "states": ["Yes"]},
    {"name": "Pending", "type": "checkbox", "states": ["Yes"]},
    {"name": "CallStatus_Completed", "type": "checkbox", "states": ["On"]},
    {"name": "CallStatus_Pending", "type": "checkbox", "states": ["On"]},
    {"name": "Section2.LaborHours", "type": "text", "states": []}])");
  nlohmann::json section2 = nlohmann::json::array(
      {{{"key", "call_status"}, {"label", "Call Status"}, {"value", "Completed"}},
       {{"key", "labor_hours"}, {"label", "Labor Hours"}, {"value", "1.5"}}});
  auto values = workflow::form_field_values(fields, FormDefinition::builtin(), section2);
  std::map<std::string, std::string> by_name(values.begin(), values.end());
  EXPECT_EQ(by_name["Completed"], "Yes");
  EXPECT_EQ(by_name.count("Pending"), 0U);  // left as CITS sent it: unticked
  EXPECT_EQ(by_name["CallStatus_Completed"], "Yes");
  EXPECT_EQ(by_name["CallStatus_Pending"], "Off");
  EXPECT_EQ(by_name["Section2.LaborHours"], "1.5");
}

TEST(CloseoutFormIntake, TheFirstPdfShowingAFormIsKept) {
  DecodedMessage m;
  m.binary_parts.push_back({"logo.png", "image/png", "\x89PNG\r\n\x1a\nxx", 10, false});
  m.binary_parts.push_back({"terms.pdf", "application/pdf", "%PDF-1.4\nplain", 14, false});
  m.binary_parts.push_back({"big.pdf", "application/pdf", "", 99999999, true});
  m.binary_parts.push_back(
      {"form.pdf", "application/octet-stream", "%PDF-1.4\n<< /AcroForm 5 0 R >>", 30, false});
  const BinaryPart* kept = workflow::dispatch_pdf(m);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->filename, "form.pdf");
  m.binary_parts.pop_back();
  kept = workflow::dispatch_pdf(m);
  ASSERT_NE(kept, nullptr);
  EXPECT_EQ(kept->filename, "terms.pdf");
  m.binary_parts.erase(m.binary_parts.begin() + 1);
  EXPECT_EQ(workflow::dispatch_pdf(m), nullptr);
}

class CloseoutFormWorkflow : public WorkflowTest {
 protected:
  void SetUp() override {
    ::setenv("CLOSEOUT_EXTRACT_PROGRAM", CLOSEOUT_EXTRACT_PATH, 1);
    WorkflowTest::SetUp();
  }
  void TearDown() override {
    WorkflowTest::TearDown();
    ::unsetenv("CLOSEOUT_EXTRACT_PROGRAM");
  }
  // The close-out of dispatch 4417702 after a complete reply; its parts when multipart.
  std::string close_out(const std::string& stored_form) {
    deliver_dispatch("4417702");
    if (!stored_form.empty())
      store::DispatchForms(runtime_->db()).save({"4417702", "SDF.pdf", stored_form, kNow});
    deliver_reply("4417702", complete_section2(kServiceDate), "<r1@dealer.test>");
    auto mails = outbox("closeout");
    EXPECT_EQ(mails.size(), 1U);
    return mails.empty() ? std::string() : mails[0].content;
  }
  std::string only_pdf(const std::string& mail) {
    auto parts = mime_parts(mail);
    if (!parts || parts->size() != 2) return {};
    EXPECT_EQ((*parts)[0].header("Content-Type"), "text/plain; charset=utf-8");
    EXPECT_NE((*parts)[0].body.find("Technician Name: Mike Ross"), std::string::npos);
    EXPECT_EQ((*parts)[1].header("Content-Type"),
              "application/pdf; name=\"Service-Dispatch-4417702.pdf\"");
    EXPECT_EQ((*parts)[1].header("Content-Disposition"),
              "attachment; filename=\"Service-Dispatch-4417702.pdf\"");
    return (*parts)[1].body;
  }
  std::vector<std::string> events(const std::string& number) {
    std::vector<std::string> out;
    for (const auto& e : store::DispatchStore(runtime_->db()).timeline(number))
      out.push_back(e.event + ": " + e.detail);
    return out;
  }
};

TEST_F(CloseoutFormWorkflow, CitsOwnFormComesBackWithSectionTwoFilledIn) {
  auto pdf = only_pdf(close_out(fillable_form()));
  ASSERT_FALSE(pdf.empty());
  auto values = pdf_field_values(pdf);
  EXPECT_EQ(values["TechnicianName"], "Mike Ross");
  // As the close-out's text writes them.
  EXPECT_EQ(values["DateOfService"], "2026-11-24");
  EXPECT_EQ(values["ArrivalTime"], "09:30");
  EXPECT_EQ(values["PartsUsed"], "QY6-0083 x1");
  EXPECT_EQ(values["eTagNumber"], "ET4471203");
  EXPECT_EQ(values["CallStatus"], "Completed");
  EXPECT_EQ(values["DispatchNumber"], "4417702");
}

TEST_F(CloseoutFormWorkflow, WithoutAFormFromCitsARenderedOneIsAttached) {
  auto pdf = only_pdf(close_out(""));
  auto text = pdf_text(pdf);
  for (const char* expected : {"Service Dispatch Form", "4417702", "Mike Ross", "AAB01234",
                               "Lakeside Architects LLP", "QY6-0083 x1", "Completed"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in:\n" << text;
}

TEST_F(CloseoutFormWorkflow, AFormThatCannotBeFilledIsRenderedInsteadAndSaidSo) {
  auto pdf = only_pdf(close_out("%PDF-1.4\nbroken beyond repair"));
  EXPECT_NE(pdf_text(pdf).find("Mike Ross"), std::string::npos);
  bool said = false;
  for (const auto& e : events("4417702"))
    said =
        said || e.rfind("close-out form: the dispatch's own PDF form could not be filled", 0) == 0;
  EXPECT_TRUE(said);
  EXPECT_EQ(dispatch("4417702").state, "closing");
}

// A PDF that makes closeout-extract hang or crash costs that process, and the close-out still
// goes with a rendered form, in about the time allowed.
TEST_F(CloseoutFormWorkflow, AHelperThatHangsOrCrashesLeavesARenderedForm) {
  deliver_dispatch("4417702");
  store::DispatchForms(runtime_->db()).save({"4417702", "SDF.pdf", fillable_form(), kNow});
  auto d = dispatch("4417702");
  nlohmann::json section2 = nlohmann::json::array(
      {{{"key", "technician_name"}, {"label", "Technician Name"}, {"value", "Mike Ross"}}});
  const Config& config = runtime_->config();
  auto settings = workflow::closeout_form_settings(config);
  EXPECT_LE(settings.helper.cpu_seconds.count(), 10);
  settings.helper.wall_clock = std::chrono::milliseconds(400);
  for (const char* fault : {"sleep", "crash"}) {
    ::setenv("CLOSEOUT_EXTRACT_TEST_FAULT", fault, 1);
    auto started = std::chrono::steady_clock::now();
    auto made = workflow::make_closeout_form(runtime_->db(), config, FormDefinition::builtin(), d,
                                             section2, settings);
    auto took = std::chrono::steady_clock::now() - started;
    ::unsetenv("CLOSEOUT_EXTRACT_TEST_FAULT");
    ASSERT_TRUE(made.attachment) << fault << ": " << made.error;
    EXPECT_EQ(made.how, "rendered") << fault;
    EXPECT_NE(made.fill_error.find(fault == std::string("sleep") ? "took longer" : "signal"),
              std::string::npos)
        << fault << ": " << made.fill_error;
    EXPECT_LT(took, std::chrono::seconds(3)) << fault;
    EXPECT_NE(pdf_text(made.attachment->bytes).find("Mike Ross"), std::string::npos);
  }
}

class CloseoutFormOff : public CloseoutFormWorkflow {
 protected:
  std::string extra_config() override { return "[closeout]\nattach_form = false\n"; }
};

TEST_F(CloseoutFormOff, NoAttachmentWhenAttachFormIsFalse) {
  auto mail = close_out(fillable_form());
  EXPECT_FALSE(mime_parts(mail).has_value());
  EXPECT_EQ(header(mail, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_NE(mail.find("Technician Name: Mike Ross"), std::string::npos);
}

}  // namespace
}  // namespace closeout::testing
