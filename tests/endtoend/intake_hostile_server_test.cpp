// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutd --once, as cron runs it, against an IMAP server that misbehaves in one way per
// test (tests/transport/hostile_imap_server.h): whatever the server does, no message is lost or
// deleted, none is recorded that was not read, none is skipped for good, one clear line says
// what happened, and the rest of the mailbox is handled. SMTP is the real local Postfix.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "e2e_support.h"
#include "hostile_imap_server.h"
#include "sample_mail.h"

extern char** environ;

namespace closeout::testing {
namespace {

using namespace std::chrono_literals;

using Uids = std::vector<std::uint32_t>;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::size_t lines_with(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    auto line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (has(line, part)) ++n;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return n;
}

std::string dispatch_mail(const std::string& number) {
  return cits_dispatch(number, "AAB01234", local_day(2),
                       "<cits." + number + ".hostile@cits.canon.com>");
}

// The scenario's configuration with [imap] pointed at the hostile server (clear text is
// allowed on 127.0.0.1 only) and a small message limit.
void use_hostile_imap(const Scenario& s, const HostileImapServer& server) {
  const auto& stack_ = stack();
  std::ofstream(s.config_path())
      << "[imap]\nurl = \"imap://127.0.0.1:" << server.port() << "/INBOX\"\n"
      << "starttls = \"none\"\nusername = \"" << s.dispatch_box() << "\"\npassword_file = \""
      << stack_.password_file << "\"\nidle = false\npoll_interval = \"1s\"\n"
      << "[smtp]\nurl = \"smtp://127.0.0.1:" << stack_.smtp_port << "\"\n"
      << "username = \"" << s.dispatch_box() << "\"\npassword_file = \"" << stack_.password_file
      << "\"\nca_file = \"" << stack_.ca_file << "\"\nfrom = \"Acme Service <" << s.dispatch_box()
      << ">\"\n[cits]\ncloseout_address = \"" << s.closeout_box() << "\"\n"
      << "[dealer]\nname = \"Acme Office Systems\"\ntechnicians = [\"*@dealer.test\"]\n"
      << "notify = [\"" << s.techs() << "\"]\nadmins = [\"" << s.manager() << "\"]\n"
      << "[store]\npath = \"" << s.dir() << "/closeoutd.db\"\n"
      << "[limits]\nmax_message_bytes = 100000\n";
}

std::vector<std::string> recorded_numbers(const Scenario& s) {
  std::vector<std::string> out;
  for (const auto& d : s.ctl_json({"list", "--json"}))
    out.push_back(d["dispatch_number"].get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(IntakeHostileServer, AFetchWithoutTheBodyIsRetriedNextRunNotSkippedForGood) {
  Scenario s("hostile-nobody");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345001"));
  auto missing = server.add(dispatch_mail("7012345002"));
  server.add(dispatch_mail("7012345003"));
  server.set_faults({.uid = missing, .body_missing = true});

  auto first = s.once();
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1, 3})) << "the others are handled";
  EXPECT_EQ(server.uids_in("INBOX"), (Uids{missing})) << "never moved, never deleted";
  EXPECT_EQ(recorded_numbers(s), (std::vector<std::string>{"7012345001", "7012345003"}))
      << "a message that was not read is not recorded";
  EXPECT_EQ(lines_with(first.err, "uid 2"), 1U) << "one line names it:\n" << first.err;

  auto again = s.once();
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(server.uids_in("INBOX"), (Uids{missing})) << "still there, still not recorded";
  EXPECT_EQ(lines_with(again.err, "uid 2"), 1U) << again.err;

  server.set_faults({});
  auto healed = s.once();
  EXPECT_EQ(healed.exit_code, 0) << healed.err;
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1, 2, 3}))
      << "the stored position did not move past it:\n"
      << healed.err;
  EXPECT_EQ(recorded_numbers(s),
            (std::vector<std::string>{"7012345001", "7012345002", "7012345003"}));
}

TEST(IntakeHostileServer, ABodyLargerThanItsAnnouncedSizeIsQuarantinedAndTheBatchGoesOn) {
  Scenario s("hostile-bigliteral");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345011"));
  std::string huge = dispatch_mail("7012345012") + std::string(400000, 'x') + "\r\n";
  auto liar = server.add(huge);
  server.add(dispatch_mail("7012345013"));
  server.set_faults({.uid = liar, .announced_size = 2000});

  for (int run = 0; run < 2; ++run) {
    auto r = s.once();
    EXPECT_EQ(r.exit_code, 0) << "run " << run << ":\n" << r.err;
  }
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1, 3}));
  EXPECT_EQ(server.uids_in("Quarantine"), (Uids{liar})) << "quarantined, not lost";
  EXPECT_EQ(server.uids_in("INBOX"), Uids{});
  EXPECT_EQ(recorded_numbers(s), (std::vector<std::string>{"7012345011", "7012345013"}));
}

TEST(IntakeHostileServer, ByeInTheMiddleOfAFetchKeepsWhatCameAndLosesNothing) {
  Scenario s("hostile-bye");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345021"));
  auto cut = server.add(dispatch_mail("7012345022"));
  server.add(dispatch_mail("7012345023"));
  server.set_faults({.uid = cut, .bye_in_fetch = true});

  auto first = s.once();
  EXPECT_EQ(first.exit_code, 69) << "the server went away: EX_UNAVAILABLE\n" << first.err;
  EXPECT_EQ(lines_with(first.err, "closed the connection: server shutting down"), 1U) << first.err;
  EXPECT_EQ(server.uids_in("INBOX"), (Uids{1, 2, 3})) << "nothing moved or deleted";
  EXPECT_EQ(recorded_numbers(s), (std::vector<std::string>{"7012345021"}))
      << "the message that arrived before the BYE is kept; none after it is invented";
  EXPECT_EQ(s.wait_for(s.techs(), 1).size(), 1U)
      << "its notice is sent in the same run: it was synced before the server went";

  server.set_faults({});
  auto healed = s.once();
  EXPECT_EQ(healed.exit_code, 0) << healed.err;
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1, 2, 3}));
  EXPECT_EQ(recorded_numbers(s),
            (std::vector<std::string>{"7012345021", "7012345022", "7012345023"}));
  EXPECT_EQ(s.wait_for(s.techs(), 3).size(), 3U) << "one notice each, none twice";
}

// A run killed just after recording a dispatch leaves its notice queued and, still in INBOX,
// the technician's Section 2 that came in with it. The next run reads that Section 2 before it
// sends anything, however slow the server is to deliver it: the dispatch goes from received to
// closing as in a run that was never killed, not through notified first (CrashEveryStep found
// the difference by timing in CI; a slow server makes it certain).
TEST(IntakeHostileServer, MailLeftQueuedByACrashWaitsForTheMailboxToBeRead) {
  const std::string number = "7012345061";
  auto mail = [&] {
    ReplyHeaders h;
    h.message_id = "<reply.7012345061.hostile@dealer.test>";
    h.subject = "Re: [CITS #" + number + "] Service Dispatch " + number;
    return std::vector<std::string>{dispatch_mail(number),
                                    technician_reply(h, complete_section2(local_day(1)))};
  };
  // Where the dispatch is recorded: the first commit of an uninterrupted run.
  int recorded_at = 0;
  {
    Scenario ref("hostile-leftover-ref");
    HostileImapServer server;
    use_hostile_imap(ref, server);
    for (const auto& m : mail()) server.add(m);
    auto r = ref.once({"CLOSEOUTD_STEP_LOG=" + ref.dir() + "/steps.log"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::ifstream log(ref.dir() + "/steps.log");
    for (std::string line; std::getline(log, line) && recorded_at == 0;) {
      std::istringstream words(line);
      int n = 0;
      std::string kind;
      words >> n >> kind;
      if (kind == "sqlite-commit") recorded_at = n;
    }
    ASSERT_GT(recorded_at, 0) << "no commit in the step log";
  }

  Scenario s("hostile-leftover");
  HostileImapServer server;
  use_hostile_imap(s, server);
  for (const auto& m : mail()) server.add(m);
  auto killed = s.once({"CLOSEOUTD_CRASH_AFTER=" + std::to_string(recorded_at)});
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
  ASSERT_EQ(recorded_numbers(s), (std::vector<std::string>{number}));
  ASSERT_EQ(s.ctl_json({"outbox", "--json"}).size(), 1U) << "its notice waits in the outbox";
  ASSERT_EQ(server.uids_in("INBOX"), (Uids{1, 2})) << "nothing moved before the kill";

  server.set_faults({.slow_bodies_ms = 1500});
  auto resumed = s.once();
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(s.wait_for(s.closeout_box(), 1).size(), 1U) << "the close-out goes to CITS";
  EXPECT_EQ(s.wait_for(s.techs(), 1).size(), 1U) << "the notice is still sent, once";
  std::multiset<std::string> events;
  auto shown = s.ctl_json({"show", number, "--json"});
  for (const auto& e : shown["events"])
    events.insert(e["event"].get<std::string>() + " " + e["from_state"].dump() + ">" +
                  e["to_state"].dump());
  EXPECT_EQ(events.count("close-out queued \"received\">\"closing\""), 1U)
      << "the Section 2 was read before the notice went; events:\n"
      << ::testing::PrintToString(events);
  EXPECT_EQ(events.count("notice sent \"received\">\"notified\""), 0U)
      << ::testing::PrintToString(events);
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1, 2}));
}

TEST(IntakeHostileServer, NoToMoveLeavesTheMessageRecordedAndMovesItNextRun) {
  Scenario s("hostile-quota");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345031"));
  server.add(dispatch_mail("7012345032"));
  server.set_faults({.move_refusals = 1});

  auto first = s.once();
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(lines_with(first.err, "OVERQUOTA"), 1U) << first.err;
  EXPECT_EQ(server.uids_in("INBOX"), (Uids{1, 2})) << "refused: still in place";
  EXPECT_EQ(recorded_numbers(s), (std::vector<std::string>{"7012345031", "7012345032"}));
  EXPECT_EQ(s.wait_for(s.techs(), 2).size(), 2U) << "the notices still go out";
  EXPECT_EQ(server.move_commands(), 1) << "one refusal, no retry loop";

  auto second = s.once();
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1, 2})) << "moved on the next run";
  EXPECT_EQ(s.messages(s.techs()).size(), 2U) << "recorded before: nothing done twice";
}

TEST(IntakeHostileServer, AMoveToAFolderThatVanishedCreatesItAndTriesOnce) {
  Scenario s("hostile-trycreate");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345041"));
  server.drop_folder("Processed");
  server.set_faults({.list_lies = true});  // LIST says it is there; MOVE says TRYCREATE

  auto r = s.once();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(server.has_folder("Processed"));
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1}));
  EXPECT_EQ(server.move_commands(), 2) << "the refused MOVE and the one after CREATE";
}

TEST(IntakeHostileServer, GarbageUntaggedLinesAreIgnored) {
  Scenario s("hostile-garbage");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345051"));
  server.add(dispatch_mail("7012345052"));
  server.set_faults({.garbage = true});

  auto r = s.once();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1, 2}));
  EXPECT_EQ(recorded_numbers(s), (std::vector<std::string>{"7012345051", "7012345052"}));
}

TEST(IntakeHostileServer, AnEnormousUntaggedLineIsRefusedWithinBoundsAndNothingMoves) {
  Scenario s("hostile-longline");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345061"));
  server.set_faults({.enormous_line = 3 << 20});

  auto r = s.once();
  EXPECT_EQ(r.exit_code, 69) << r.err;
  EXPECT_EQ(lines_with(r.err, "longer than"), 1U) << r.err;
  EXPECT_EQ(server.uids_in("INBOX"), (Uids{1}));
  EXPECT_TRUE(recorded_numbers(s).empty());

  server.set_faults({});
  auto healed = s.once();
  EXPECT_EQ(healed.exit_code, 0) << healed.err;
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1}));
}

// closeoutd as a service (poll every second) against the hostile server, stopped with SIGTERM
// once done() holds (or after 20 s); returns its log.
template <typename Done>
std::string run_daemon(const Scenario& s, Done done) {
  std::string log = s.dir() + "/daemon.log";
  std::ofstream(s.config_path(), std::ios::app) << "[log]\nfile = \"" << log << "\"\n";
  std::vector<std::string> argv = {CLOSEOUTD_PATH, "--config", s.config_path()};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ) != 0) return "no spawn";
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(50ms);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "stops cleanly";
  std::ifstream in(log);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(IntakeHostileServer, TheServiceQuarantinesAMessageNeverDeliveredAfterThreeSyncs) {
  Scenario s("hostile-never");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345071"));
  auto missing = server.add(dispatch_mail("7012345072"));
  server.add(dispatch_mail("7012345073"));
  server.set_faults({.uid = missing, .body_missing = true});

  auto log = run_daemon(s, [&] { return !server.uids_in("Quarantine").empty(); });
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1, 3})) << log;
  EXPECT_EQ(server.uids_in("Quarantine"), (Uids{missing})) << "given up on, not lost:\n" << log;
  EXPECT_EQ(server.uids_in("INBOX"), Uids{});
  EXPECT_EQ(lines_with(log, "sent no body"), 3U) << log;
  EXPECT_EQ(lines_with(log, "did not deliver it in 3 tries"), 1U) << log;
  EXPECT_EQ(recorded_numbers(s), (std::vector<std::string>{"7012345071", "7012345073"}));
}

TEST(IntakeHostileServer, TheServiceGoesOnPastAMessageThatAlwaysMakesTheServerHangUp) {
  Scenario s("hostile-bye-service");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345091"));
  auto cut = server.add(dispatch_mail("7012345092"));
  server.add(dispatch_mail("7012345093"));
  server.set_faults({.uid = cut, .bye_in_fetch = true});

  auto log = run_daemon(s, [&] {
    return server.uids_in("Processed") == Uids{1, 3} && server.connections() >= 5;
  });
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1, 3})) << "the others are handled:\n" << log;
  EXPECT_EQ(server.uids_in("INBOX"), (Uids{cut}))
      << "a lost connection is no verdict on the message: not quarantined, not lost";
  EXPECT_EQ(recorded_numbers(s), (std::vector<std::string>{"7012345091", "7012345093"}));
}

TEST(IntakeHostileServer, TheServiceRetriesARefusedMoveAtThePollPaceNotInAHotLoop) {
  Scenario s("hostile-quota-service");
  HostileImapServer server;
  use_hostile_imap(s, server);
  server.add(dispatch_mail("7012345081"));
  server.set_faults({.move_refusals = 2});

  auto log = run_daemon(s, [&] { return !server.uids_in("Processed").empty(); });
  EXPECT_EQ(server.uids_in("Processed"), (Uids{1})) << log;
  EXPECT_EQ(server.move_commands(), 3) << "one MOVE per sync, a sync a second:\n" << log;
  EXPECT_EQ(lines_with(log, "OVERQUOTA"), 2U) << log;
  EXPECT_EQ(lines_with(log, "reconnecting"), 0U) << "a refusal is not a lost connection\n" << log;
  EXPECT_EQ(s.wait_for(s.techs(), 1).size(), 1U) << "one notice, not one per try";
}

}  // namespace
}  // namespace closeout::testing
