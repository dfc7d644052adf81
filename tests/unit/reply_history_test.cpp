// SPDX-License-Identifier: GPL-3.0-or-later
// Quoted history versus new text, for the reply styles of real clients.
#include "reply_history.h"

#include <gtest/gtest.h>

namespace closeout {
namespace {

ReplyText split(std::string_view text) {
  return split_reply(text, FormDefinition::builtin().reply());
}

TEST(ReplyHistory, GmailWrappedWroteLineStartsHistory) {
  auto r = split(
      "Technician Name: Mike\n\nOn Mon, Nov 23, 2026 at 4:12 PM Acme Service "
      "<service@dealer.example>\n"
      "wrote:\n> Dispatch Number: 7012345678\n> Serial Number: AAB01234\n");
  EXPECT_EQ(r.new_text, "Technician Name: Mike\n\n");
  EXPECT_EQ(r.history,
            "On Mon, Nov 23, 2026 at 4:12 PM Acme Service <service@dealer.example>\nwrote:\n"
            "Dispatch Number: 7012345678\nSerial Number: AAB01234\n");
}

TEST(ReplyHistory, OutlookOriginalMessageAndHeaderBlock) {
  auto a = split(
      "Done, see below.\r\n\r\n-----Original Message-----\r\nFrom: Acme\r\nTechnician Name: "
      "Jo\r\n");
  EXPECT_EQ(a.new_text, "Done, see below.\n\n");
  EXPECT_NE(a.history.find("Technician Name: Jo"), std::string::npos);

  auto b = split(
      "All fixed.\n\nFrom: Acme Service <service@dealer.example>\nSent: Monday, November 23, 2026 "
      "4:12 PM\n"
      "To: Techs\nSubject: [CITS #7012345678]\n\nCall Status:\n");
  EXPECT_EQ(b.new_text, "All fixed.\n\n");
  EXPECT_EQ(b.history.rfind("From: Acme", 0), 0u);
}

TEST(ReplyHistory, AFromLineWithoutSentIsNotHistory) {
  auto r = split("From: the customer's site, all good\nCall Status: Completed\n");
  EXPECT_EQ(r.new_text, "From: the customer's site, all good\nCall Status: Completed\n");
  EXPECT_TRUE(r.history.empty());
}

TEST(ReplyHistory, MobileSignaturesAndUnderscoreRuleAreDropped) {
  auto r = split("Parts Used: None\n\nSent from my iPhone\n\n> Dispatch Number: 1\n");
  EXPECT_EQ(r.new_text, "Parts Used: None\n\n");
  EXPECT_EQ(r.history, "Dispatch Number: 1\n");

  auto o = split(
      "Call Status: Completed\n\nGet Outlook for Android\n________________________________\n"
      "From: Acme Service\nSent: Monday\nTechnician Name:\n");
  EXPECT_EQ(o.new_text, "Call Status: Completed\n\n");
  EXPECT_NE(o.history.find("Technician Name:"), std::string::npos);

  auto d = split("Meter Reading: 1234\n-- \nMike Ross\nAcme Office Systems\n");
  EXPECT_EQ(d.new_text, "Meter Reading: 1234\n");
}

TEST(ReplyHistory, AnswersTypedUnderQuotedLabelsStayWithThem) {
  auto r = split("> Technician Name:\nMike Ross\n> Date of Service:\n11/23/2026\n\nThanks\n");
  EXPECT_EQ(r.new_text, "Mike Ross\n11/23/2026\n\nThanks\n");
  // The answers follow their labels in the history; text after a blank line does not.
  EXPECT_EQ(r.history, "Technician Name:\nMike Ross\nDate of Service:\n11/23/2026\n");
}

TEST(ReplyHistory, NestedQuotesAreUnwrapped) {
  auto r = split("> > > Serial Number: AAB01234\n");
  EXPECT_EQ(r.history, "Serial Number: AAB01234\n");
}

}  // namespace
}  // namespace closeout
