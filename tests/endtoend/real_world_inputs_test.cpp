// SPDX-License-Identifier: GPL-3.0-or-later
// Ordinary inputs from the real world that once lost money quietly (issue 11), run as an admin
// runs closeoutd, against the real Dovecot and Postfix: CITS's system marks its dispatches as
// automatic mail, and technicians qualify the call status in their own words.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "e2e_support.h"
#include "sample_mail.h"

namespace closeout::testing {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// RFC 3834 asks an automated sender to mark its mail exactly like this.
std::string automatic_dispatch(const std::string& number, const std::string& id) {
  std::string mail = cits_dispatch(number, "AAB01234", local_day(2), id);
  return "Auto-Submitted: auto-generated\r\nPrecedence: bulk\r\n" + mail;
}

std::string reply(const Scenario& s, const std::string& number, const std::string& id,
                  const std::string& body) {
  ReplyHeaders h;
  h.from = "Mike Ross <" + s.technician("mike") + ">";
  h.message_id = id;
  h.subject = "Re: [CITS #" + number + "] Service Dispatch " + number;
  return technician_reply(h, body);
}

TEST(RealWorldInputs, ADispatchMarkedAsAutomaticMailIsStillADispatch) {
  Scenario s("autodispatch");
  s.deliver(automatic_dispatch("7012350001", "<cits.7012350001@cits.canon.com>"));
  auto run = s.once();
  ASSERT_EQ(run.exit_code, 0) << run.err;

  auto list = s.ctl_json({"list", "--json"});
  ASSERT_FALSE(by_number(list, "7012350001").is_null()) << "the dispatch is recorded";
  auto notices = s.messages(s.techs());
  ASSERT_EQ(notices.size(), 1U) << "the technicians are told";
  EXPECT_TRUE(has(header_of(notices[0], "Subject"), "[CITS #7012350001]"));
  EXPECT_EQ(s.messages(s.dispatch_box(), "Processed").size(), 1U);
  EXPECT_TRUE(s.messages(s.dispatch_box(), "Quarantine").empty());
}

TEST(RealWorldInputs, ACallStatusWithAQualifierIsReadAsItsWord) {
  Scenario s("qualified");
  s.deliver(cits_dispatch("7012350002", "AAB01234", local_day(2), "<cits.q2@cits.canon.com>"));
  s.deliver(cits_dispatch("7012350003", "AAB01234", local_day(2), "<cits.q3@cits.canon.com>"));
  auto first = s.once();
  ASSERT_EQ(first.exit_code, 0) << first.err;

  s.deliver(reply(s, "7012350002", "<q2.reply@dealer.test>",
                  complete_section2(local_day(1), "Pending - parts on order")));
  s.deliver(reply(s, "7012350003", "<q3.reply@dealer.test>",
                  complete_section2(local_day(1), "Completed - unit tested OK")));
  auto second = s.once();
  ASSERT_EQ(second.exit_code, 0) << second.err;

  auto list = s.ctl_json({"list", "--json"});
  EXPECT_EQ(by_number(list, "7012350002")["state"], "on_hold");
  EXPECT_EQ(by_number(list, "7012350003")["state"], "closed_out");
  auto closeouts = s.messages(s.closeout_box());
  ASSERT_EQ(closeouts.size(), 1U);
  EXPECT_TRUE(has(header_of(closeouts[0], "Subject"), "7012350003"));
  // A pending acknowledgement and a confirmation; no "Section 2 not accepted" reply.
  std::vector<std::string> subjects;
  for (const auto& answer : s.messages(s.technician("mike")))
    subjects.push_back(header_of(answer, "Subject"));
  ASSERT_EQ(subjects.size(), 2U);
  int on_hold = 0;
  int closed = 0;
  for (const auto& subject : subjects) {
    EXPECT_FALSE(has(subject, "not accepted")) << subject;
    on_hold += has(subject, "[CITS #7012350002]") && has(subject, "on hold");
    closed += has(subject, "[CITS #7012350003]") && has(subject, "Closed out");
  }
  EXPECT_EQ(on_hold, 1);
  EXPECT_EQ(closed, 1);
}

}  // namespace
}  // namespace closeout::testing
