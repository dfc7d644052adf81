// SPDX-License-Identifier: GPL-3.0-or-later
// The outbox against real Postfix when an item or the server is at fault (issue 11): a
// technician's Message-ID without "@" is closed out and confirmed and the outbox goes on; a
// server that refuses our sender fails no dispatch and keeps every mail due, --once exits 78;
// one entry that cannot be handled is failed alone; a claim a crash left is sent at the restart.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <sstream>

#include "e2e_support.h"
#include "sample_mail.h"

namespace closeout::testing {
namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string dispatch_mail(const std::string& number, const std::string& tag) {
  return cits_dispatch(number, "AAB01234", local_day(2),
                       "<cits." + number + "." + tag + "@cits.canon.com>");
}

TEST(OutboxFaults, AMessageIdWithoutAnAtIsClosedOutAndNothingIsBlockedAfterIt) {
  Scenario s("noat");
  s.deliver(dispatch_mail("7012350001", "a"));
  ASSERT_EQ(s.once().exit_code, 0);
  ReplyHeaders h;
  h.from = "Mike <" + s.technician("mike") + ">";
  h.message_id = "<20261130.LocalPart.NoDomain>";
  h.subject = "Re: [CITS #7012350001] Service Dispatch 7012350001";
  s.deliver(technician_reply(h, complete_section2(local_day(1))));
  auto second = s.once();
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(s.messages(s.closeout_box()).size(), 1U);
  auto mike = s.messages(s.technician("mike"));
  ASSERT_EQ(mike.size(), 1U) << "the technician is confirmed";
  EXPECT_EQ(header_of(mike[0], "In-Reply-To"), "<20261130.LocalPart.NoDomain>");

  // What used to stop every later send: the next dispatch's notice still goes, twice over.
  s.deliver(dispatch_mail("7012350002", "b"));
  auto third = s.once();
  EXPECT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(s.messages(s.techs()).size(), 2U);
  EXPECT_EQ(s.once().exit_code, 0);
  EXPECT_TRUE(s.ctl_json({"outbox", "--json"}).empty()) << "nothing pending or failed";
  EXPECT_EQ(s.messages(s.closeout_box()).size(), 1U) << "and the close-out went once";
}

TEST(OutboxFaults, AServerThatRefusesOurSenderFailsNoDispatchAndKeepsTheBacklog) {
  Scenario s("refusedfrom");
  {
    // Postfix refuses this sender at MAIL FROM (scripts/mailstack): every mail from it would be.
    std::ifstream in(s.config_path());
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    auto from = config.find("from = \"Acme Service <");
    ASSERT_NE(from, std::string::npos);
    config.replace(from, config.find('\n', from) - from,
                   "from = \"Acme Service <refused-sender@dealer.test>\"");
    std::ofstream(s.config_path()) << config;
  }
  s.deliver(dispatch_mail("7012350011", "a"));
  s.deliver(dispatch_mail("7012350012", "b"));
  auto first = s.once();
  EXPECT_EQ(first.exit_code, 78) << first.err;
  EXPECT_TRUE(has(first.err, "sender address refused")) << first.err;
  auto outbox = s.ctl_json({"outbox", "--json"});
  ASSERT_EQ(outbox.size(), 2U);
  for (const auto& e : outbox) EXPECT_EQ(e["status"], "pending") << e.dump();
  for (const auto& d : s.ctl_json({"list", "--json"}))
    EXPECT_EQ(d["state"], "received") << "no dispatch is failed for the server's refusal";
  EXPECT_TRUE(s.messages(s.manager()).empty()) << "no escalation for each mail";
}

TEST(OutboxFaults, OneEntryThatCannotBeHandledIsFailedWithItsReasonAndTheQueueGoesOn) {
  Scenario s("oneentry");
  ASSERT_EQ(s.once().exit_code, 0);  // creates the database
  // A fault of ours while handling one entry, made to order: the database refuses its claim.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((s.dir() + "/closeoutd.db").c_str(), &db), SQLITE_OK);
  int rc = sqlite3_exec(db,
                        "CREATE TRIGGER injected BEFORE UPDATE OF status ON outbox "
                        "WHEN NEW.status = 'sending' AND OLD.dispatch_number = '7012350021' "
                        "BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
                        nullptr, nullptr, nullptr);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK);
  s.deliver(dispatch_mail("7012350021", "a"));
  s.deliver(dispatch_mail("7012350022", "b"));
  auto r = s.once();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto notices = s.messages(s.techs());
  ASSERT_EQ(notices.size(), 1U) << "the other notice still went";
  EXPECT_TRUE(has(header_of(notices[0], "Subject"), "7012350022"));
  auto outbox = s.ctl_json({"outbox", "--json"});
  ASSERT_EQ(outbox.size(), 1U);
  EXPECT_EQ(outbox[0]["status"], "failed");
  EXPECT_EQ(outbox[0]["dispatch_number"], "7012350021");
  EXPECT_TRUE(has(outbox[0]["last_error"].get<std::string>(), "injected fault")) << outbox.dump();
  // Logged once, with what an admin needs to find it.
  std::size_t lines = 0;
  std::istringstream log(r.err);
  for (std::string line; std::getline(log, line);) {
    if (!has(line, "injected fault")) continue;
    ++lines;
    EXPECT_TRUE(has(line, "dispatch 7012350021")) << line;
    EXPECT_TRUE(has(line, "outbox " + std::to_string(outbox[0]["id"].get<long>()))) << line;
    EXPECT_TRUE(has(line, "message <closeoutd.")) << line;
  }
  EXPECT_EQ(lines, 1U) << r.err;
}

TEST(OutboxFaults, AClaimACrashLeftBehindIsSentAtTheNextStart) {
  Scenario s("leftclaim");
  s.write_config("", 1);  // SMTP unreachable: the notice stays queued
  s.deliver(dispatch_mail("7012350031", "a"));
  ASSERT_EQ(s.once().exit_code, 69);
  {
    // What a kill during the SMTP transaction leaves: the row claimed, nothing recorded.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((s.dir() + "/closeoutd.db").c_str(), &db), SQLITE_OK);
    int rc = sqlite3_exec(db, "UPDATE outbox SET status = 'sending', next_attempt_at = 0", nullptr,
                          nullptr, nullptr);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK);
  }
  auto claimed = s.ctl_json({"outbox", "--json"});
  ASSERT_EQ(claimed.size(), 1U);
  EXPECT_EQ(claimed[0]["status"], "sending");
  s.write_config("");
  auto r = s.once();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(has(r.err, "were being sent when closeoutd stopped")) << r.err;
  EXPECT_EQ(s.messages(s.techs()).size(), 1U) << "sent again: the server may have had it";
  EXPECT_TRUE(s.ctl_json({"outbox", "--json"}).empty());
}

}  // namespace
}  // namespace closeout::testing
