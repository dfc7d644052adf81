// SPDX-License-Identifier: GPL-3.0-or-later
// HTML bodies as CITS and mail clients write them, rendered for the label and quote stages.
#include "html_text.h"

#include <gtest/gtest.h>

#include "charset.h"

namespace closeout {
namespace {

TEST(HtmlText, CitsDispatchTableBecomesLabelLines) {
  EXPECT_EQ(
      html_to_text(R"(<html><head><style>td{font:10pt Arial}</style></head><body>
<p>SERVICE DISPATCH FORM</p>
<table border=1>
 <tr><td><b>Dispatch Number:</b></td><td>7012345678</td></tr>
 <tr><td>Customer Name</td><td>O&#8217;Brien &amp; Sons</td></tr>
 <tr><td>Problem Description</td><td>Error E194<br>at power on</td></tr>
 <tr><td>Technician Name</td><td></td></tr>
</table></body></html>)"),
      "SERVICE DISPATCH FORM\n\nDispatch Number: 7012345678\nCustomer Name: O\u2019Brien & Sons\n"
      "Problem Description: Error E194 at power on\nTechnician Name:\n");
}

TEST(HtmlText, FourCellRowsAndColumnarTables) {
  EXPECT_EQ(html_to_text("<table><tr><td>Model</td><td>iPF685</td><td>Serial Number</td>"
                         "<td>AAB01234</td></tr></table>"),
            "Model: iPF685\nSerial Number: AAB01234\n");
  EXPECT_EQ(html_to_text("<table><tr><th>Arrival Time</th><th>Completion Time</th></tr>"
                         "<tr><td>9:30 AM</td><td>11:15 AM</td></tr></table>"),
            "Arrival Time: 9:30 AM\nCompletion Time: 11:15 AM\n");
}

TEST(HtmlText, OutlookReplyKeepsHeaderBlockLines) {
  std::string text = html_to_text(R"(<html><body><div class=WordSection1>
<p class=MsoNormal>Done.<o:p></o:p></p>
<table class=MsoTableGrid><tr><td><p class=MsoNormal>Technician Name</p></td><td><p class=MsoNormal>Mike Ross</p></td></tr></table>
<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">
<p class=MsoNormal><b>From:</b> Acme Service &lt;service@dealer.example&gt;<br><b>Sent:</b> Monday, November 23, 2026 4:12 PM<br><b>To:</b> Techs<br><b>Subject:</b> [CITS #7012345678]</p></div>
<p class=MsoNormal>Dispatch Number: 7012345678</p></div></body></html>)");
  EXPECT_EQ(text,
            "Done.\n\nTechnician Name: Mike Ross\nFrom: Acme Service <service@dealer.example>\n"
            "Sent: Monday, November 23, 2026 4:12 PM\nTo: Techs\nSubject: [CITS #7012345678]\n\n"
            "Dispatch Number: 7012345678\n");
}

TEST(HtmlText, BlockquotesBecomeQuotedLines) {
  EXPECT_EQ(html_to_text(R"(<div dir="ltr">Call Status: Completed</div><br>
<div class="gmail_quote"><div class="gmail_attr">On Mon, Nov 23, 2026 at 4:12 PM Acme wrote:<br></div>
<blockquote class="gmail_quote">Serial Number: AAB01234<br><blockquote>older</blockquote></blockquote></div>)"),
            "Call Status: Completed\n\nOn Mon, Nov 23, 2026 at 4:12 PM Acme wrote:\n"
            "> Serial Number: AAB01234\n> > older\n");
}

TEST(HtmlText, HiddenAndScriptContentIsDropped) {
  EXPECT_EQ(html_to_text("<span style=\"display: none\">preview text</span><script>x=1</script>"
                         "<!-- comment --><p>Visible</p>"),
            "Visible\n");
}

TEST(HtmlText, LayoutTablesDoNotSwallowInnerRows) {
  EXPECT_EQ(
      html_to_text("<table><tr><td><table><tr><td>Model</td><td>iPF685</td></tr>"
                   "<tr><td>Serial Number</td><td>AAB01234</td></tr></table></td></tr></table>"),
      "Model: iPF685\nSerial Number: AAB01234\n");
}

TEST(HtmlText, HostileInputReturnsValidText) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "Technician Name: Jo";
  EXPECT_NO_THROW((void)html_to_text(deep));
  std::string bad = html_to_text(std::string("<p>a\xFF\xFE b\0c</p>", 15));
  EXPECT_TRUE(is_valid_utf8(bad));
  EXPECT_EQ(html_to_text(""), "");
  EXPECT_EQ(html_to_text("<table><tr><td>unclosed"), "unclosed\n");
}

}  // namespace
}  // namespace closeout
