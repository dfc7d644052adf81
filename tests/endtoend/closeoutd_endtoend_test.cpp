// SPDX-License-Identifier: GPL-3.0-or-later
// closeoutd and closeoutctl as an admin runs them, against the project's real Dovecot and
// Postfix: dispatches in, notices out, Section 2 replies answered, exactly one close-out in the
// close-out mailbox, reminders, retries, refusals, and the daemon's signals.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "e2e_support.h"
#include "sample_mail.h"

extern char** environ;

namespace closeout::testing {
namespace {

using namespace std::chrono_literals;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string dispatch_mail(const std::string& number, const std::string& tag) {
  return cits_dispatch(number, "AAB01234", local_day(2),
                       "<cits." + number + "." + tag + "@cits.canon.com>");
}

std::string reply(const Scenario& s, const std::string& who, const std::string& number,
                  const std::string& id, const std::string& body,
                  const std::string& in_reply_to = "") {
  ReplyHeaders h;
  h.from = who + " <" + s.technician(who) + ">";
  h.message_id = id;
  h.subject = "Re: [CITS #" + number + "] Service Dispatch " + number;
  h.in_reply_to = in_reply_to;
  return technician_reply(h, body);
}

std::string notice_for(const std::vector<std::string>& notices, const std::string& number) {
  for (const auto& n : notices) {
    if (has(header_of(n, "Subject"), "[CITS #" + number + "]")) return header_of(n, "Message-ID");
  }
  return {};
}

TEST(EndToEnd, TheIssueScenarioDispatchesRepliesOneCloseOutAndNoDuplicates) {
  Scenario s("main");
  std::string ooo =
      "From: Mike <" + s.technician("mike") + ">\r\nTo: " + s.dispatch_box() +
      "\r\nSubject: Automatic reply: [CITS #7012340001] Service Dispatch\r\n"
      "Auto-Submitted: auto-replied\r\nMessage-ID: <ooo.1@dealer.test>\r\n"
      "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nI am out of the office until Monday.\r\n";
  std::string newsletter =
      "From: Office Supplies Weekly <news@officesupplies.example>\r\nTo: " + s.dispatch_box() +
      "\r\nSubject: 20% off toner this week\r\nMessage-ID: <nl.1@officesupplies.example>\r\n"
      "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nBig savings on toner!\r\n";
  s.deliver(dispatch_mail("7012340001", "a"));
  s.deliver(dispatch_mail("7012340002", "b"));
  s.deliver(ooo);
  s.deliver(newsletter);

  auto first = s.once();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  auto notices = s.messages(s.techs());
  ASSERT_EQ(notices.size(), 2U);
  std::string notice_a = notice_for(notices, "7012340001");
  ASSERT_FALSE(notice_a.empty()) << "a notice tagged [CITS #7012340001]";
  ASSERT_FALSE(notice_for(notices, "7012340002").empty());
  EXPECT_EQ(s.messages(s.dispatch_box()).size(), 0U) << "the dispatch mailbox is emptied";
  EXPECT_EQ(s.messages(s.dispatch_box(), "Processed").size(), 3U);
  auto quarantined = s.messages(s.dispatch_box(), "Quarantine");
  ASSERT_EQ(quarantined.size(), 1U);
  EXPECT_TRUE(has(quarantined[0], "20% off toner"));
  EXPECT_TRUE(s.messages(s.technician("mike")).empty()) << "nothing automatic is answered";
  EXPECT_TRUE(s.messages(s.closeout_box()).empty());

  // A complete Section 2 for one (threaded to its notice), an incomplete one for the other.
  std::string good = reply(s, "mike", "7012340001", "<good.1@dealer.test>",
                           complete_section2(local_day(1)), notice_a);
  s.deliver(good);
  s.deliver(reply(s, "jo", "7012340002", "<bad.1@dealer.test>", incomplete_section2()));
  auto second = s.once();
  ASSERT_EQ(second.exit_code, 0) << second.err;

  auto closeouts = s.messages(s.closeout_box());
  ASSERT_EQ(closeouts.size(), 1U);
  EXPECT_TRUE(has(header_of(closeouts[0], "Subject"), "7012340001"));
  EXPECT_EQ(header_of(closeouts[0], "From"), "Acme Service <" + s.dispatch_box() + ">");
  EXPECT_TRUE(has(closeouts[0], "Technician Name: Mike Ross"));
  EXPECT_TRUE(has(closeouts[0], "Serial Number: AAB01234"));
  EXPECT_TRUE(has(closeouts[0], "Call Status: Completed"));

  auto mike = s.messages(s.technician("mike"));
  ASSERT_EQ(mike.size(), 1U);
  EXPECT_TRUE(has(header_of(mike[0], "Subject"), "Closed out"));
  EXPECT_EQ(header_of(mike[0], "In-Reply-To"), "<good.1@dealer.test>");
  EXPECT_EQ(header_of(mike[0], "Auto-Submitted"), "auto-replied");
  EXPECT_EQ(header_of(mike[0], "Return-Path"), "<>") << "automatic answers go from <>";

  auto jo = s.messages(s.technician("jo"));
  ASSERT_EQ(jo.size(), 1U);
  EXPECT_EQ(header_of(jo[0], "In-Reply-To"), "<bad.1@dealer.test>");
  EXPECT_TRUE(has(header_of(jo[0], "Subject"), "[CITS #7012340002]"));
  for (const char* problem : {"- Technician Name:", "- Date of Service:", "- Parts Used:"})
    EXPECT_TRUE(has(jo[0], problem)) << problem << " in\n" << jo[0];

  // The same reply again, and again under a new Message-ID: still one close-out.
  s.deliver(good);
  std::string renamed = good;
  renamed.replace(renamed.find("<good.1@dealer.test>"), 20, "<good.2@dealer.test>");
  s.deliver(renamed);
  auto third = s.once();
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(s.messages(s.closeout_box()).size(), 1U);
  auto mike_again = s.messages(s.technician("mike"));
  ASSERT_EQ(mike_again.size(), 2U) << "one already-closed reply, for the new Message-ID only";
  EXPECT_TRUE(has(header_of(mike_again[1], "Subject"), "already closed out"));

  auto list = s.ctl_json({"list", "--json"});
  EXPECT_EQ(by_number(list, "7012340001")["state"], "closed_out");
  EXPECT_FALSE(by_number(list, "7012340001")["closed_out_at"].is_null());
  EXPECT_EQ(by_number(list, "7012340002")["state"], "rejected");
  auto show = s.ctl({"show", "7012340001"});
  EXPECT_EQ(show.exit_code, 0);
  EXPECT_TRUE(has(show.out, "close-out accepted"));
  EXPECT_TRUE(s.ctl_json({"outbox", "--json"}).empty()) << "nothing pending or failed";
}

TEST(EndToEnd, PendingUnknownDispatchAndAStrangersSection2) {
  Scenario s("other");
  s.deliver(dispatch_mail("7012340003", "c"));
  ASSERT_EQ(s.once().exit_code, 0);
  s.deliver(reply(s, "mike", "7012340003", "<pending.1@dealer.test>",
                  complete_section2(local_day(1), "Pending")));
  s.deliver(
      reply(s, "jo", "7099999999", "<unknown.1@dealer.test>", complete_section2(local_day(1))));
  ReplyHeaders h;
  h.from = "Mallory <mallory@elsewhere.example>";
  h.message_id = "<stranger.1@elsewhere.example>";
  h.subject = "Re: [CITS #7012340003]";
  s.deliver(technician_reply(h, complete_section2(local_day(1))));
  auto r = s.once();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto mike = s.messages(s.technician("mike"));
  ASSERT_EQ(mike.size(), 1U);
  EXPECT_TRUE(has(header_of(mike[0], "Subject"), "on hold"));
  auto jo = s.messages(s.technician("jo"));
  ASSERT_EQ(jo.size(), 1U);
  EXPECT_TRUE(has(jo[0], "not eligible for labour compensation"));
  EXPECT_TRUE(s.messages(s.closeout_box()).empty()) << "nothing to CITS";
  EXPECT_EQ(s.messages(s.dispatch_box(), "Quarantine").size(), 1U);
  auto list = s.ctl_json({"list", "--json", "--status", "on_hold"});
  ASSERT_EQ(list.size(), 1U);
  EXPECT_EQ(list[0]["dispatch_number"], "7012340003");
}

TEST(EndToEnd, RemindersThenEscalationWithShortIntervals) {
  // Timestamps are whole seconds, so "1s" can come due within the run that took the dispatch in
  // (received at x.95, checked at y.05); the margins below hold under AddressSanitizer too.
  Scenario s("remind",
             "[reminders]\nfirst_after = \"3s\"\nrepeat_every = \"1h\"\nescalate_after = \"8s\"\n");
  s.deliver(dispatch_mail("7012340004", "d"));
  ASSERT_EQ(s.once().exit_code, 0);
  ASSERT_EQ(s.messages(s.techs()).size(), 1U) << "the notice";
  std::this_thread::sleep_for(3500ms);
  ASSERT_EQ(s.once().exit_code, 0);
  auto techs = s.messages(s.techs());
  ASSERT_EQ(techs.size(), 2U);
  EXPECT_TRUE(has(header_of(techs[1], "Subject"), "Reminder"));
  EXPECT_TRUE(s.messages(s.manager()).empty());
  std::this_thread::sleep_for(5000ms);
  ASSERT_EQ(s.once().exit_code, 0);
  auto manager = s.messages(s.manager());
  ASSERT_EQ(manager.size(), 1U);
  EXPECT_TRUE(has(header_of(manager[0], "Subject"), "Overdue"));
  auto overdue = s.ctl_json({"list", "--overdue", "--json"});
  ASSERT_EQ(overdue.size(), 1U);
  EXPECT_EQ(overdue[0]["flags"], nlohmann::json::array({"overdue"}));
  EXPECT_EQ(s.messages(s.techs()).size(), 2U) << "no second reminder within repeat_every";
}

TEST(EndToEnd, TransientFailuresAreRetriedThenSent) {
  Scenario s("retry", "[outbox]\nretry_first = \"1s\"\nretry_max = \"2s\"\n");
  // SMTP down (a closed port): the notice waits in the outbox.
  s.write_config("[outbox]\nretry_first = \"1s\"\nretry_max = \"2s\"\n", 1);
  s.deliver(dispatch_mail("7012340005", "e"));
  auto down = s.once();
  EXPECT_EQ(down.exit_code, 69) << down.err;
  auto pending = s.ctl_json({"outbox", "--json"});
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0]["status"], "pending");
  EXPECT_EQ(pending[0]["attempts"], 1);
  EXPECT_FALSE(pending[0]["last_error"].get<std::string>().empty());
  // SMTP back: sent on the next run.
  s.write_config("[outbox]\nretry_first = \"1s\"\nretry_max = \"2s\"\n");
  std::this_thread::sleep_for(1100ms);
  ASSERT_EQ(s.once().exit_code, 0);
  EXPECT_EQ(s.messages(s.techs()).size(), 1U);
  EXPECT_TRUE(s.ctl_json({"outbox", "--json"}).empty());

  // A 450 from the server: kept and tried again, with Postfix's words.
  s.write_config("[outbox]\nretry_first = \"1s\"\nretry_max = \"2s\"\n", 0,
                 "tempfail@closeout.test");
  s.deliver(reply(s, "mike", "7012340005", "<r.5@dealer.test>", complete_section2(local_day(1))));
  ASSERT_EQ(s.once().exit_code, 0);
  auto deferred = s.ctl_json({"outbox", "--json"});
  ASSERT_EQ(deferred.size(), 1U);
  EXPECT_EQ(deferred[0]["kind"], "closeout");
  EXPECT_EQ(deferred[0]["status"], "pending");
  EXPECT_TRUE(has(deferred[0]["last_error"], "450")) << deferred.dump();
  std::this_thread::sleep_for(1100ms);
  ASSERT_EQ(s.once().exit_code, 0);
  EXPECT_EQ(s.ctl_json({"outbox", "--json"})[0]["attempts"], 2);
  EXPECT_EQ(by_number(s.ctl_json({"list", "--json"}), "7012340005")["state"], "closing");
}

TEST(EndToEnd, APermanentRefusalFailsTheCloseOutAndEscalates) {
  Scenario s("refuse");
  s.write_config("", 0, "reject@closeout.test");
  s.deliver(dispatch_mail("7012340006", "f"));
  ASSERT_EQ(s.once().exit_code, 0);
  s.deliver(reply(s, "mike", "7012340006", "<r.6@dealer.test>", complete_section2(local_day(1))));
  ASSERT_EQ(s.once().exit_code, 0);
  auto failed = s.ctl_json({"outbox", "--json"});
  ASSERT_EQ(failed.size(), 1U);
  EXPECT_EQ(failed[0]["status"], "failed");
  EXPECT_TRUE(has(failed[0]["last_error"], "550"));
  EXPECT_EQ(by_number(s.ctl_json({"list", "--json"}), "7012340006")["state"], "failed");
  auto manager = s.messages(s.manager());
  ASSERT_EQ(manager.size(), 1U);
  EXPECT_TRUE(has(header_of(manager[0], "Subject"), "REFUSED"));
  EXPECT_TRUE(s.messages(s.technician("mike")).empty())
      << "no confirmation for a refused close-out";
  auto report = s.ctl_json({"report", "--json"});
  EXPECT_EQ(report["closeouts_failed"].size(), 1U);
  auto text = s.ctl({"report"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_TRUE(has(text.out, "Close-outs refused by the mail server:")) << text.out;
  EXPECT_TRUE(has(text.out, "7012340006")) << text.out;

  // The admin's tools: retry only queues; resend refuses what it cannot do; the registry.
  auto retry = s.ctl({"retry", std::to_string(failed[0]["id"].get<long>())});
  EXPECT_EQ(retry.exit_code, 0) << retry.err;
  auto queued = s.ctl_json({"outbox", "--json"});
  ASSERT_EQ(queued.size(), 1U);
  EXPECT_EQ(queued[0]["status"], "pending");
  EXPECT_EQ(by_number(s.ctl_json({"list", "--json"}), "7012340006")["state"], "closing");
  EXPECT_EQ(s.ctl({"retry", "999999"}).exit_code, 65);
  auto resend = s.ctl({"resend", "7000000000"});
  EXPECT_EQ(resend.exit_code, 65);
  EXPECT_TRUE(has(resend.err, "no dispatch 7000000000")) << resend.err;
  std::ofstream(s.dir() + "/ascr.csv")
      << "Serial Number,Model\nXYZ00001,iPF685\n??,x\nXYZ00002,iPF670\n";
  auto ascr = s.ctl({"ascr", "import", s.dir() + "/ascr.csv"});
  EXPECT_EQ(ascr.exit_code, 0) << ascr.err;
  EXPECT_TRUE(has(ascr.out, "2 serial number(s) registered, 1 row(s) rejected")) << ascr.out;
  EXPECT_TRUE(has(ascr.out, "line 3:")) << ascr.out;
  EXPECT_EQ(by_number(s.ctl_json({"list", "--json"}), "7012340006")["flags"],
            nlohmann::json::array({"unregistered"}))
      << "AAB01234 is not in the imported registry";
  EXPECT_EQ(s.ctl({"ascr", "import", s.dir() + "/missing.csv"}).exit_code, 66);
  EXPECT_EQ(s.ctl({"list", "--status", "bogus"}).exit_code, 64);
}

TEST(EndToEnd, TheDaemonWatchesReloadsOnHupAndStopsWithinTwoSecondsOnTerm) {
  Scenario s("daemon");
  std::string log = s.dir() + "/daemon.log";
  std::ofstream(s.config_path(), std::ios::app) << "[log]\nfile = \"" << log << "\"\n";
  std::vector<std::string> argv = {CLOSEOUTD_PATH, "--config", s.config_path()};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  // systemd's side of Type=notify: a datagram socket named in NOTIFY_SOCKET.
  std::string socket_path = s.dir() + "/notify.sock";
  int notify = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
  ASSERT_EQ(bind(notify, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  std::vector<std::string> env_strings = {"NOTIFY_SOCKET=" + socket_path, "WATCHDOG_USEC=400000",
                                          "PATH=/usr/bin:/bin"};
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  // Read as systemd does, all along: a full socket queue would block the daemon's sd_notify.
  std::string notifications;
  std::atomic<bool> listening{true};
  std::thread listener([&] {
    char buffer[4096];
    while (listening) {
      ssize_t n = recv(notify, buffer, sizeof buffer, 0);
      if (n > 0)
        notifications += std::string(buffer, static_cast<std::size_t>(n)) + "\n";
      else
        std::this_thread::sleep_for(5ms);
    }
  });
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), envp.data()), 0);
  s.deliver(dispatch_mail("7012340007", "g"));
  auto notices = s.wait_for(s.techs(), 1, 20s);
  EXPECT_EQ(notices.size(), 1U) << "the running daemon saw the dispatch and sent the notice";

  kill(pid, SIGHUP);
  std::this_thread::sleep_for(500ms);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0) << "SIGHUP does not stop it";
  s.deliver(dispatch_mail("7012340008", "h"));
  EXPECT_EQ(s.wait_for(s.techs(), 2, 20s).size(), 2U) << "still watching after the reload";

  auto asked = std::chrono::steady_clock::now();
  kill(pid, SIGTERM);
  while (waitpid(pid, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() - asked < 10s)
    std::this_thread::sleep_for(10ms);
  auto took = std::chrono::steady_clock::now() - asked;
  listening = false;
  listener.join();
  close(notify);
  EXPECT_TRUE(has(notifications, "READY=1")) << notifications;
  EXPECT_TRUE(has(notifications, "STATUS=")) << notifications;
  EXPECT_TRUE(has(notifications, "open, 0 overdue")) << notifications;
  EXPECT_TRUE(has(notifications, "WATCHDOG=1")) << "pings within WatchdogSec/2";
  EXPECT_TRUE(has(notifications, "RELOADING=1")) << "SIGHUP";
  EXPECT_TRUE(has(notifications, "STOPPING=1")) << notifications;
  ASSERT_TRUE(WIFEXITED(status)) << "still running or killed";
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_LT(took, 2s);
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(has(text, "reloaded")) << text;
  EXPECT_TRUE(has(text, "dispatch 7012340007 message <cits.7012340007.g@cits.canon.com>")) << text;
  EXPECT_FALSE(has(text, stack().password)) << "no secret in the log";
}

}  // namespace
}  // namespace closeout::testing
