// SPDX-License-Identifier: GPL-3.0-or-later
// The whole parse path on small, purpose-built messages: classification order, body choice in
// multipart/alternative, attachments, and where the dispatch number comes from.
#include "analyze.h"

#include <gtest/gtest.h>

namespace closeout {
namespace {

Analysis analyze(std::string_view raw, std::vector<std::string> technicians = {}) {
  AnalyzeOptions o;
  o.today = std::chrono::year_month_day{std::chrono::year{2026}, std::chrono::November,
                                        std::chrono::day{24}};
  o.technicians = std::move(technicians);
  auto out = analyze_message(raw, o);
  EXPECT_TRUE(out.analysis) << out.error;
  return out.analysis.value_or(Analysis{});
}

std::string text_field(const Analysis& a, const std::string& key) {
  const Field* f = find_field(a.fields, key);
  return f ? std::get<std::string>(f->value) : "(absent)";
}

const std::string kDispatchBody =
    "Dispatch Number: 7012345678\nModel: imagePROGRAF iPF685\nSerial Number: AAB01234\n";

TEST(Analyze, RepliesAndBouncesAreClassifiedBeforeContent) {
  const std::string body = "\n" + kDispatchBody;
  EXPECT_EQ(analyze("From: dispatch@cits.canon.com\nAuto-Submitted: auto-replied\n" + body).kind,
            MessageKind::auto_reply);
  EXPECT_EQ(analyze("From: dispatch@cits.canon.com\nX-Autoreply: yes\n" + body).kind,
            MessageKind::auto_reply);
  // A comment or parameters after the keyword (RFC 3834 section 5) change nothing.
  EXPECT_EQ(analyze("From: mike@dealer.example\nAuto-Submitted: Auto-Replied (vacation)\n"
                    "Subject: Re: [CITS #7012345678]\n\nTechnician Name: Mike Ross\n")
                .kind,
            MessageKind::auto_reply);
  EXPECT_EQ(
      analyze("From: dispatch@cits.canon.com\nAuto-Submitted: auto-replied; owner=x\n" + body).kind,
      MessageKind::auto_reply);
  EXPECT_EQ(analyze("From: dispatch@cits.canon.com\nReturn-Path: <>\n" + body).kind,
            MessageKind::bounce);
  EXPECT_EQ(
      analyze("From: MAILER-DAEMON@x.example\nMIME-Version: 1.0\n"
              "Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\n\n"
              "--r\nContent-Type: text/plain\n\nUndeliverable\n--r--\n")
          .kind,
      MessageKind::bounce);
  // "Auto-Submitted: no" is what a person's mail may carry: not automatic.
  auto person = analyze("From: dispatch@cits.canon.com\nAuto-Submitted: no\n" + body);
  EXPECT_EQ(person.kind, MessageKind::dispatch);
  EXPECT_FALSE(person.no_automatic_answer());
}

// SPEC "Other mail": Auto-Submitted and Precedence decide whether closeoutd answers, never
// whether it recognises. RFC 3834 asks CITS's system to send exactly these headers.
TEST(Analyze, ADispatchMarkedAsAutomaticMailIsStillADispatch) {
  const std::string body = "\n" + kDispatchBody;
  const std::vector<std::pair<std::string, std::string>> marks = {
      {"Auto-Submitted: auto-generated\n", "Auto-Submitted: auto-generated"},
      {"Precedence: bulk\n", "Precedence: bulk"},
      {"Precedence: List\n", "Precedence: list"},
      {"Precedence: junk\n", "Precedence: junk"},
      {"Auto-Submitted: auto-notified\n", "Auto-Submitted: auto-notified"},
      {"Auto-Submitted: auto-generated\nPrecedence: bulk\n", "Auto-Submitted: auto-generated"},
  };
  for (const auto& [headers, mark] : marks) {
    auto a = analyze("From: CITS <dispatch@cits.canon.com>\n" + headers + body);
    EXPECT_EQ(a.kind, MessageKind::dispatch) << headers;
    EXPECT_EQ(a.dispatch_number, "7012345678") << headers;
    EXPECT_TRUE(a.valid()) << headers;
    EXPECT_EQ(a.automatic_mark, mark);
    EXPECT_TRUE(a.no_automatic_answer()) << headers;
  }
}

TEST(Analyze, ASection2SentByARuleIsASection2ThatIsNotAnswered) {
  const std::string reply =
      "From: mike@dealer.example\nSubject: Re: [CITS #7012345678]\n"
      "Auto-Submitted: auto-generated\nPrecedence: bulk\n\n"
      "Technician Name: Mike Ross\nCall Status: Completed\n";
  auto a = analyze(reply);
  EXPECT_EQ(a.kind, MessageKind::section2);
  EXPECT_EQ(a.dispatch_number, "7012345678");
  EXPECT_TRUE(a.no_automatic_answer());
  // An out-of-office that quotes the whole form is never taken for the technician's answer.
  auto away = analyze(
      "From: mike@dealer.example\nSubject: Automatic reply: [CITS #7012345678]\n"
      "Auto-Submitted: auto-replied\n\nTechnician Name: Mike Ross\nCall Status: Completed\n");
  EXPECT_EQ(away.kind, MessageKind::auto_reply);
  // Without a dispatch's number or a Section 2 in it, automatic mail stays automatic mail
  // (recorded, never answered), not "unknown" mail for the quarantine.
  auto newsletter = analyze("From: news@cits.canon.com\nPrecedence: bulk\n\nNew toner prices\n");
  EXPECT_EQ(newsletter.kind, MessageKind::auto_reply);
}

TEST(Analyze, AutomaticMailStillNamesItsDispatch) {
  auto a = analyze(
      "From: tech@dealer.example\nAuto-Submitted: auto-generated\n"
      "Subject: Automatic reply: [CITS #7012345678] Service Dispatch\n\nAway\n");
  EXPECT_EQ(a.kind, MessageKind::auto_reply);
  EXPECT_EQ(a.dispatch_number, "7012345678");
  EXPECT_TRUE(a.fields.empty());
  EXPECT_FALSE(a.valid());
  auto bounce = analyze(
      "From: MAILER-DAEMON@x.example\nReturn-Path: <>\nSubject: Undelivered\n\n"
      "Subject: [CITS #7012345679] Service Dispatch\n");
  EXPECT_EQ(bounce.dispatch_number, "7012345679");
}

TEST(Analyze, DispatchNeedsACitsSenderAndANumber) {
  EXPECT_EQ(analyze("From: CITS <dispatch@cits.canon.com>\n\n" + kDispatchBody).kind,
            MessageKind::dispatch);
  EXPECT_EQ(analyze("From: DISPATCH@CITS.CANON.COM\n\n" + kDispatchBody).kind,
            MessageKind::dispatch);
  EXPECT_EQ(analyze("From: someone@elsewhere.example\n\n" + kDispatchBody).kind,
            MessageKind::unknown);
  EXPECT_EQ(analyze("From: news@cits.canon.com\nSubject: Bulletin\n\nNew toner prices\n").kind,
            MessageKind::unknown);
  auto from_subject = analyze(
      "From: dispatch@cits.canon.com\nSubject: Service Dispatch 7012345678 - iPF685\n\n"
      "Model: iPF685\nSerial Number: AAB01234\n");
  EXPECT_EQ(from_subject.kind, MessageKind::dispatch);
  EXPECT_EQ(from_subject.dispatch_number, "7012345678");
  EXPECT_TRUE(from_subject.valid());
}

TEST(Analyze, AlternativePartThatYieldsFieldsWins) {
  auto a = analyze(
      "From: dispatch@cits.canon.com\nSubject: Service Dispatch\nMIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"alt\"\n\n--alt\n"
      "Content-Type: text/plain; charset=us-ascii\n\nThis message is best viewed in HTML.\n--alt\n"
      "Content-Type: text/html; charset=utf-8\n\n<table>"
      "<tr><td>Dispatch Number:</td><td>7012345678</td></tr>"
      "<tr><td>Model</td><td>imageRUNNER ADVANCE DX C5860i</td></tr>"
      "<tr><td>Serial Number</td><td>3EK01234</td></tr></table>\n--alt--\n");
  EXPECT_EQ(a.kind, MessageKind::dispatch);
  EXPECT_EQ(text_field(a, "model"), "imageRUNNER ADVANCE DX C5860i");
  EXPECT_TRUE(a.valid());
}

TEST(Analyze, TextAttachmentCarriesSection2) {
  auto a = analyze(
      "From: Mike <mike@dealer.example>\nSubject: Re: [CITS #7012345678] Service Dispatch\n"
      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"m\"\n\n--m\n"
      "Content-Type: text/plain\n\nSection 2 attached.\n--m\n"
      "Content-Type: text/plain; name=\"Section2.txt\"\n"
      "Content-Disposition: attachment; filename=\"Section2.txt\"\nContent-Transfer-Encoding: "
      "base64\n\n"
      "VGVjaG5pY2lhbiBOYW1lOiBNaWtlIFJvc3MK\n--m--\n");
  EXPECT_EQ(a.kind, MessageKind::section2);
  EXPECT_EQ(text_field(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(a.dispatch_number, "7012345678");
}

TEST(Analyze, NewTextBeatsQuotedValuesAndQuotedSection1IsContext) {
  auto a = analyze(
      "From: mike@dealer.example\nSubject: Re: [CITS #7012345678]\n\n"
      "Technician Name: Mike Ross\nSerial Number: AAB09999\nDate of Service: 11/20/2026\n\n"
      "On Mon, Nov 23, 2026 at 4:12 PM Acme <service@dealer.example> wrote:\n"
      "> Dispatch Date: 11/23/2026\n> Serial Number: AAB01234\n> Technician Name: Someone Else\n"
      "> Problem Found: Inline typed answer\n");
  EXPECT_EQ(text_field(a, "technician_name"), "Mike Ross");
  EXPECT_EQ(text_field(a, "problem_found"), "Inline typed answer");
  auto has = [&](const char* field, const char* code) {
    return std::any_of(a.problems.begin(), a.problems.end(),
                       [&](const Problem& p) { return p.field == field && p.code == code; });
  };
  EXPECT_TRUE(has("serial_number", "mismatch"));
  EXPECT_TRUE(has("service_date", "invalid"));  // before the quoted dispatch date
}

TEST(Analyze, SubjectTagAloneMakesASection2Reply) {
  auto a =
      analyze("From: mike@dealer.example\nSubject: Re: [CITS #7012345678]\n\nWill go tomorrow.\n");
  EXPECT_EQ(a.kind, MessageKind::section2);
  EXPECT_FALSE(a.valid());
  EXPECT_GE(a.problems.size(), 7u);  // everything a technician must fill in
}

TEST(Analyze, SenderOutsideTechniciansIsWarned) {
  const std::string raw =
      "From: stranger@else.example\nSubject: Re: [CITS #7012345678]\n\nCall Status: Completed\n";
  auto open = analyze(raw);
  EXPECT_TRUE(std::none_of(open.warnings.begin(), open.warnings.end(),
                           [](auto& w) { return w.field == "from"; }));
  auto strict = analyze(raw, {"*@dealer.example"});
  EXPECT_TRUE(std::any_of(strict.warnings.begin(), strict.warnings.end(),
                          [](auto& w) { return w.field == "from"; }));
}

TEST(Analyze, HeadersAreDecoded) {
  auto a = analyze(
      "From: =?iso-8859-1?Q?Jos=E9_Pe=F1a?= <jose@dealer.example>\n"
      "Subject: =?utf-8?B?UmU6IFtDSVRTICM3MDEyMzQ1Njc4XSBTZXJ2aWNlIERpc3BhdGNo?=\n"
      "Message-ID:  <abc.123@dealer.example> \n"
      "In-Reply-To: <notice.7012345678.1@closeoutd.dealer.example>\n\nTechnician Name: José\n");
  EXPECT_EQ(a.subject, "Re: [CITS #7012345678] Service Dispatch");
  EXPECT_EQ(a.from, "jose@dealer.example");
  EXPECT_EQ(a.message_id, "<abc.123@dealer.example>");
  EXPECT_EQ(a.in_reply_to,
            std::vector<std::string>{"<notice.7012345678.1@closeoutd.dealer.example>"});
  EXPECT_EQ(a.dispatch_number, "7012345678");
}

}  // namespace
}  // namespace closeout
