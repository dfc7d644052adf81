// SPDX-License-Identifier: GPL-3.0-or-later
// The completed form on the close-out (closeout.attach_form), closeoutd against the real
// Dovecot and Postfix: a dispatch that came with CITS's fillable PDF gets that PDF back with
// Section 2 in its fields; one without gets a rendered page; attach_form = false, neither.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "e2e_support.h"
#include "mime_parts.h"
#include "pdf_read_back.h"
#include "sample_mail.h"

namespace closeout::testing {
namespace {

std::string fillable_form() {
  std::ifstream in(std::string(CLOSEOUT_SOURCE_DIR) +
                       "/tests/data/attachments/closeout/fillable-dispatch-form.pdf",
                   std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string base64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                 static_cast<unsigned char>(in[i + 1]) << 8 | static_cast<unsigned char>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[(v >> s) & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += i + 1 < in.size() ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  std::string lines;
  for (std::size_t p = 0; p < out.size(); p += 76) lines += out.substr(p, 76) + "\r\n";
  return lines;
}

// CITS's dispatch with its Service Dispatch Form attached, as Outlook-style multipart/mixed;
// the text says what the PDF's Section 1 says (dispatch 4417702, serial AAJ04417).
std::string dispatch_with_pdf() {
  const std::string number = "4417702";
  std::string plain =
      cits_dispatch(number, "AAJ04417", local_day(2), "<cits." + number + ".pdf@cits.canon.com>");
  auto split = plain.find("\r\n\r\n");
  std::string headers = plain.substr(0, split);
  headers.replace(headers.find("Content-Type: text/plain; charset=utf-8"),
                  std::string("Content-Type: text/plain; charset=utf-8").size(),
                  "Content-Type: multipart/mixed; boundary=\"cits-b1\"");
  return headers + "\r\n\r\n--cits-b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
         plain.substr(split + 4) + "\r\n--cits-b1\r\nContent-Type: application/pdf; name=\"SDF-" +
         number + ".pdf\"\r\nContent-Disposition: attachment; filename=\"SDF-" + number +
         ".pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64(fillable_form()) +
         "--cits-b1--\r\n";
}

std::string iso_date(std::chrono::year_month_day d) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buffer;
}

std::string reply_to(const Scenario& s, const std::string& number, const std::string& id) {
  ReplyHeaders h;
  h.from = "Mike Ross <" + s.technician("mike") + ">";
  h.message_id = id;
  h.subject = "Re: [CITS #" + number + "] Service Dispatch " + number;
  return technician_reply(h, complete_section2(local_day(1)));
}

// The close-out's PDF, after checking the text part is the usual close-out.
std::string attached_pdf(const std::string& closeout, const std::string& number) {
  auto parts = mime_parts(closeout);
  if (!parts || parts->size() != 2) {
    ADD_FAILURE() << "not text + PDF:\n" << closeout.substr(0, 1500);
    return {};
  }
  EXPECT_NE((*parts)[0].body.find("Technician Name: Mike Ross"), std::string::npos);
  EXPECT_EQ((*parts)[1].header("Content-Disposition"),
            "attachment; filename=\"Service-Dispatch-" + number + ".pdf\"");
  return (*parts)[1].body;
}

TEST(EndToEndCloseoutForm, CitsFillablePdfComesBackWithSectionTwoInItsFields) {
  Scenario s("form-filled");
  s.deliver(dispatch_with_pdf());
  ASSERT_EQ(s.once().exit_code, 0);
  s.deliver(reply_to(s, "4417702", "<form-filled.1@dealer.test>"));
  auto r = s.once();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto closeouts = s.wait_for(s.closeout_box(), 1);
  ASSERT_EQ(closeouts.size(), 1U);
  auto pdf = attached_pdf(closeouts[0], "4417702");
  ASSERT_FALSE(pdf.empty());
  auto fields = pdf_field_values(pdf);
  EXPECT_EQ(fields["TechnicianName"], "Mike Ross");
  // As the close-out's text writes them.
  EXPECT_EQ(fields["DateOfService"], iso_date(local_day(1)));
  EXPECT_EQ(fields["CompletionTime"], "11:15");
  EXPECT_EQ(fields["CorrectiveAction"], "Cleaned contacts, replaced printhead");
  EXPECT_EQ(fields["CallStatus"], "Completed");
  EXPECT_EQ(fields["DispatchNumber"], "4417702");
  EXPECT_EQ(fields["Model"], "imagePROGRAF iPF685") << "CITS's own Section 1 is left alone";
  EXPECT_EQ(fields["SerialNumber"], "AAJ04417");
}

TEST(EndToEndCloseoutForm, WithoutAPdfFromCitsARenderedFormIsAttached) {
  Scenario s("form-rendered");
  s.deliver(
      cits_dispatch("7012350002", "AAB01234", local_day(2), "<cits.7012350002@cits.canon.com>"));
  ASSERT_EQ(s.once().exit_code, 0);
  s.deliver(reply_to(s, "7012350002", "<form-rendered.1@dealer.test>"));
  ASSERT_EQ(s.once().exit_code, 0);
  auto closeouts = s.wait_for(s.closeout_box(), 1);
  ASSERT_EQ(closeouts.size(), 1U);
  auto text = pdf_text(attached_pdf(closeouts[0], "7012350002"));
  for (const char* expected : {"Service Dispatch Form", "7012350002", "AAB01234", "Mike Ross",
                               "Printhead contacts corroded", "ET4471203", "Completed"})
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " in:\n" << text;
}

TEST(EndToEndCloseoutForm, AttachFormFalseSendsTheTextAlone) {
  Scenario s("form-off", "[closeout]\nattach_form = false\n");
  s.deliver(dispatch_with_pdf());
  ASSERT_EQ(s.once().exit_code, 0);
  s.deliver(reply_to(s, "4417702", "<form-off.1@dealer.test>"));
  ASSERT_EQ(s.once().exit_code, 0);
  auto closeouts = s.wait_for(s.closeout_box(), 1);
  ASSERT_EQ(closeouts.size(), 1U);
  EXPECT_FALSE(mime_parts(closeouts[0]).has_value());
  EXPECT_EQ(header_of(closeouts[0], "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_NE(closeouts[0].find("Technician Name: Mike Ross"), std::string::npos);
}

}  // namespace
}  // namespace closeout::testing
