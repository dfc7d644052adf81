// SPDX-License-Identifier: GPL-3.0-or-later
// A crash at any step loses nothing and sends nothing twice (isync's way): one uninterrupted
// `closeoutd --once` over a fixed set of mail counts its S steps (SQLite commits, IMAP commands
// answered, SMTP replies); then for every N in 1..S a fresh scenario gets the same mail, a
// closeoutd that SIGKILLs itself after step N, and plain runs until done. Each must end as the
// reference did, and one more run must change nothing. A mail may arrive twice only when step N was
// the 250 of its own send: the window between the server's acceptance and our commit of it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "e2e_support.h"
#include "sample_mail.h"

namespace closeout::testing {
namespace {

using namespace std::chrono_literals;

struct Step {
  std::string kind;
  std::string detail;
};

std::vector<Step> read_steps(const std::string& path) {
  std::vector<Step> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::size_t n = 0;
    Step s;
    words >> n >> s.kind;
    std::getline(words >> std::ws, s.detail);
    out.push_back(s);
  }
  return out;
}

// What a user can see after the runs: dispatch states, the mail in every mailbox (by kind and
// dispatch, since Message-IDs and dates differ per run), the dispatch mailbox's folders.
struct Outcome {
  std::map<std::string, std::string> dispatches;  // number → state and flags
  // number → its timeline's events ("event from>to"); a crash may not drop or repeat one
  std::map<std::string, std::multiset<std::string>> timelines;
  std::map<std::string, std::multiset<std::string>> mail;          // mailbox → "kind number"
  std::map<std::string, int> copies;                               // outgoing Message-ID → copies
  std::map<std::string, std::multiset<std::string>> dispatch_box;  // folder → Message-IDs
  std::string list_json;                                           // closeoutctl list --json
  std::string outbox_json;  // closeoutctl outbox --json --all
};

std::string describe(const std::multiset<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return "{" + out + "}";
}

// The mail, delivered in phases with a `--once` after each: `everyday` is three dispatches and
// the mail around them, then a complete Section 2 answering the first one's notice (so the
// notices move dispatches to `notified` first); `refused` is one dispatch whose close-out the
// server refuses (550), so it fails and an admin is told.
enum class Plan { everyday, refused };

class Fixture {
 public:
  // Everyday mail includes one message over the size limit: quarantined unread, by its size.
  Fixture(const std::string& name, Plan plan)
      : s(name, plan == Plan::everyday ? "[limits]\nmax_message_bytes = 20000\n" : ""),
        plan_(plan) {
    if (plan == Plan::refused) s.write_config("", 0, "reject@closeout.test");
  }

  int phases() const { return plan_ == Plan::everyday ? 2 : 1; }

  void deliver(int phase) const {
    if (plan_ == Plan::everyday && phase == 1) {
      std::string notice;
      for (const auto& e : s.ctl_json({"outbox", "--json", "--all"}))
        if (e["kind"] == "notice" && e["dispatch_number"] == "7060000001") notice = e["message_id"];
      EXPECT_FALSE(notice.empty()) << "the first phase sent the notice";
      s.deliver(reply("mike", "7060000001", "<ces.complete@dealer.test>",
                      complete_section2(local_day(1)), notice));
      return;
    }
    if (plan_ == Plan::refused) {
      s.deliver_all(
          {cits_dispatch("7060000009", "AAB02009", local_day(2), "<ces.7060000009@cits.canon.com>"),
           reply("mike", "7060000009", "<ces.refused@dealer.test>",
                 complete_section2(local_day(1)))});
      return;
    }
    std::vector<std::string> mail;
    const char* numbers[] = {"7060000001", "7060000002", "7060000003"};
    for (int i = 0; i < 3; ++i)
      mail.push_back(cits_dispatch(numbers[i], "AAB0200" + std::to_string(i), local_day(2),
                                   "<ces." + std::string(numbers[i]) + "@cits.canon.com>"));
    mail.push_back(
        reply("jo", "7060000002", "<ces.incomplete@dealer.test>", incomplete_section2()));
    mail.push_back(reply("ann", "7060000003", "<ces.pending@dealer.test>",
                         complete_section2(local_day(1), "Pending")));
    mail.push_back(
        reply("jo", "7069999999", "<ces.unknown@dealer.test>", complete_section2(local_day(1))));
    mail.push_back("From: Mike <" + s.technician("mike") + ">\r\nTo: " + s.dispatch_box() +
                   "\r\nSubject: Automatic reply: [CITS #7060000001] Service Dispatch\r\n"
                   "Auto-Submitted: auto-replied\r\nMessage-ID: <ces.ooo@dealer.test>\r\n"
                   "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nOut of the office.\r\n");
    mail.push_back(
        "From: Office Supplies Weekly <news@officesupplies.example>\r\nTo: " + s.dispatch_box() +
        "\r\nSubject: 20% off toner\r\nMessage-ID: <ces.news@officesupplies.example>\r\n"
        "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\nBig savings!\r\n");
    std::string photos;
    for (int i = 0; i < 400; ++i) photos += std::string(76, 'x') + "\r\n";
    mail.push_back("From: Jo <" + s.technician("jo") + ">\r\nTo: " + s.dispatch_box() +
                   "\r\nSubject: Photos of the printhead\r\nMessage-ID: <ces.big@dealer.test>\r\n"
                   "Date: Tue, 24 Nov 2026 10:00:00 +0000\r\n\r\n" +
                   photos);
    s.deliver_all(mail);
  }

  Outcome outcome() const {
    Outcome o;
    auto list = s.ctl_json({"list", "--json"});
    auto outbox = s.ctl_json({"outbox", "--json", "--all"});
    o.list_json = list.dump();
    o.outbox_json = outbox.dump();
    for (const auto& d : list) {
      std::string number = d["dispatch_number"];
      o.dispatches[number] = d["state"].get<std::string>() + " " + d["flags"].dump();
      auto shown = s.ctl_json({"show", number, "--json"});
      for (const auto& e : shown["events"])
        o.timelines[number].insert(e["event"].get<std::string>() + " " + e["from_state"].dump() +
                                   ">" + e["to_state"].dump());
    }
    std::map<std::string, std::string> kind_of;  // Message-ID → "kind number"
    for (const auto& e : outbox)
      kind_of[e["message_id"]] =
          e["kind"].get<std::string>() + " " +
          (e["dispatch_number"].is_null() ? "-" : e["dispatch_number"].get<std::string>());
    std::set<std::string> sent;
    for (const auto& e : outbox)
      if (e["status"] == "sent") sent.insert(e["message_id"].get<std::string>());
    // Postfix's queue is shared by the scenarios running beside this one, so it may not have
    // been empty when the run returned: wait until everything recorded as sent has arrived.
    auto deadline = std::chrono::steady_clock::now() + 15s;
    for (;;) {
      o.mail.clear();
      o.copies.clear();
      for (const auto& [label, user] : mailboxes()) {
        std::set<std::string> seen;
        for (const auto& m : s.messages(user)) {
          auto id = header_of(m, "Message-ID");
          ++o.copies[id];
          if (!seen.insert(id).second) continue;
          auto kind = kind_of.find(id);
          o.mail[label].insert(kind == kind_of.end() ? "unknown " + id : kind->second);
        }
      }
      bool arrived = std::all_of(sent.begin(), sent.end(),
                                 [&](const std::string& id) { return o.copies.count(id) > 0; });
      if (arrived || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(200ms);
    }
    for (const char* folder : {"INBOX", "Processed", "Quarantine"})
      for (const auto& m : s.messages(s.dispatch_box(), folder))
        o.dispatch_box[folder].insert(header_of(m, "Message-ID"));
    return o;
  }

  Scenario s;

 private:
  Plan plan_;

  std::vector<std::pair<std::string, std::string>> mailboxes() const {
    return {
        {"techs", s.techs()},         {"mike", s.technician("mike")},  {"jo", s.technician("jo")},
        {"ann", s.technician("ann")}, {"close-out", s.closeout_box()}, {"manager", s.manager()}};
  }

  std::string reply(const std::string& who, const std::string& number, const std::string& id,
                    const std::string& body, const std::string& in_reply_to = "") const {
    ReplyHeaders h;
    h.from = who + " <" + s.technician(who) + ">";
    h.message_id = id;
    h.in_reply_to = in_reply_to;
    h.subject = "Re: [CITS #" + number + "] Service Dispatch " + number;
    return technician_reply(h, body);
  }
};

// Differences between two outcomes, one line each; empty when they match.
std::vector<std::string> differences(const Outcome& want, const Outcome& got) {
  std::vector<std::string> out;
  if (want.dispatches != got.dispatches) {
    std::string w, g;
    for (const auto& [n, st] : want.dispatches) w += n + "=" + st + " ";
    for (const auto& [n, st] : got.dispatches) g += n + "=" + st + " ";
    out.push_back("dispatches: want " + w + "got " + g);
  }
  for (const auto& [number, events] : want.timelines) {
    auto got_events =
        got.timelines.count(number) ? got.timelines.at(number) : std::multiset<std::string>{};
    if (events != got_events)
      out.push_back("dispatch " + number + "'s timeline: want " + describe(events) + " got " +
                    describe(got_events));
  }
  std::set<std::string> boxes;
  for (const auto& [b, _] : want.mail) boxes.insert(b);
  for (const auto& [b, _] : got.mail) boxes.insert(b);
  for (const auto& b : boxes) {
    auto w = want.mail.count(b) ? want.mail.at(b) : std::multiset<std::string>{};
    auto g = got.mail.count(b) ? got.mail.at(b) : std::multiset<std::string>{};
    if (w != g) out.push_back(b + "'s mailbox: want " + describe(w) + " got " + describe(g));
  }
  for (const char* f : {"INBOX", "Processed", "Quarantine"}) {
    auto w = want.dispatch_box.count(f) ? want.dispatch_box.at(f) : std::multiset<std::string>{};
    auto g = got.dispatch_box.count(f) ? got.dispatch_box.at(f) : std::multiset<std::string>{};
    if (w != g)
      out.push_back(std::string("dispatch mailbox ") + f + ": want " + describe(w) + " got " +
                    describe(g));
  }
  return out;
}

// Runs closeoutd --once until nothing is left to send (at most three times).
std::string run_until_done(const Fixture& f) {
  for (int i = 0; i < 3; ++i) {
    auto r = f.s.once();
    if (r.exit_code != 0)
      return "resume run " + std::to_string(i + 1) + " exited " + std::to_string(r.exit_code) +
             ": " + r.err;
    bool pending = false;
    for (const auto& e : f.s.ctl_json({"outbox", "--json"}))
      pending = pending || e["status"] == "pending";
    if (!pending) return {};
  }
  return "still mail pending after three runs";
}

struct Verdict {
  std::vector<std::string> problems;
  Step step;
  bool redelivered = false;  // a mail came twice, inside the 250 window
};

struct Reference {
  std::vector<Step> steps;                 // all phases' steps, in order
  std::vector<std::pair<int, int>> place;  // steps[i] is step .second of phase .first
  Outcome outcome;
  int sends = 0;  // steps that are a 250 to a send
};

Verdict crash_after(Plan plan, const std::string& name, int n, const Reference& ref) {
  Verdict v;
  Fixture f(name + "-" + std::to_string(n), plan);
  auto [phase, local] = ref.place[n - 1];
  for (int p = 0; p < phase; ++p) {
    f.deliver(p);
    if (auto r = f.s.once(); r.exit_code != 0)
      v.problems.push_back("phase " + std::to_string(p) + " exited " + std::to_string(r.exit_code) +
                           ": " + r.err);
  }
  f.deliver(phase);
  std::string log = f.s.dir() + "/steps.log";
  auto crashed =
      f.s.once({"CLOSEOUTD_CRASH_AFTER=" + std::to_string(local), "CLOSEOUTD_STEP_LOG=" + log});
  auto steps = read_steps(log);
  if (crashed.exit_code != 128 + SIGKILL)
    v.problems.push_back("the run to crash exited " + std::to_string(crashed.exit_code) +
                         " after " + std::to_string(steps.size()) + " steps: " + crashed.err);
  if (steps.size() != static_cast<std::size_t>(local)) {
    v.problems.push_back("it logged " + std::to_string(steps.size()) + " steps, not " +
                         std::to_string(local));
    return v;
  }
  v.step = steps.back();
  if (v.step.kind != ref.steps[n - 1].kind)
    v.problems.push_back("step " + std::to_string(n) + " is " + v.step.kind + " here but " +
                         ref.steps[n - 1].kind + " in the reference run");
  if (auto e = run_until_done(f); !e.empty()) v.problems.push_back(e);
  for (int p = phase + 1; p < f.phases(); ++p) {
    f.deliver(p);
    if (auto e = run_until_done(f); !e.empty()) v.problems.push_back(e);
  }
  Outcome after = f.outcome();
  for (auto& d : differences(ref.outcome, after)) v.problems.push_back(d);
  auto again = f.s.once();
  if (again.exit_code != 0)
    v.problems.push_back("the run after exited " + std::to_string(again.exit_code));
  Outcome later = f.outcome();
  for (auto& d : differences(after, later)) v.problems.push_back("a second run changed " + d);
  // Only the mail whose 250 was step N may come twice: we died before recording it as sent.
  // Counted after the extra run, so a copy that run sent again counts too.
  std::string window_id;
  if (v.step.kind == "smtp-accepted") window_id = v.step.detail.substr(0, v.step.detail.find(' '));
  for (const auto& [id, copies] : later.copies) {
    if (copies == 1) continue;
    if (id == window_id && copies == 2)
      v.redelivered = true;
    else
      v.problems.push_back(id + " delivered " + std::to_string(copies) + " times");
  }
  if (later.list_json != after.list_json)
    v.problems.push_back("a second run changed closeoutctl list: " + later.list_json);
  if (later.outbox_json != after.outbox_json)
    v.problems.push_back("a second run changed the outbox: " + later.outbox_json);
  return v;
}

// The uninterrupted run: one `--once` per phase does the whole job, and another changes nothing.
Reference reference_run(Plan plan, const std::string& name) {
  Reference r;
  Fixture f(name + "-ref", plan);
  for (int p = 0; p < f.phases(); ++p) {
    f.deliver(p);
    std::string log = f.s.dir() + "/steps-" + std::to_string(p) + ".log";
    auto run = f.s.once({"CLOSEOUTD_STEP_LOG=" + log});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    auto steps = read_steps(log);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      r.steps.push_back(steps[i]);
      r.place.emplace_back(p, static_cast<int>(i + 1));
    }
  }
  r.outcome = f.outcome();
  EXPECT_EQ(f.s.once().exit_code, 0);
  Outcome settled = f.outcome();
  for (const auto& d : differences(r.outcome, settled)) ADD_FAILURE() << "reference: " << d;
  EXPECT_EQ(r.outcome.outbox_json, settled.outbox_json) << "one run is the whole job";
  for (const auto& [id, copies] : r.outcome.copies) EXPECT_EQ(copies, 1) << id;
  EXPECT_TRUE(r.outcome.dispatch_box["INBOX"].empty());
  for (const auto& st : r.steps) r.sends += st.kind == "smtp-accepted";
  return r;
}

// Kills a run after each of the reference's steps in turn, on a fresh scenario each, three at a
// time; every difference is a failure naming the step. Returns how many mails were redelivered
// inside the 250 window.
int crash_after_every_step(Plan plan, const std::string& name, const Reference& ref) {
  const int total = static_cast<int>(ref.steps.size());
  std::atomic<int> next{1};
  std::mutex lock;
  std::map<int, Verdict> verdicts;
  auto worker = [&] {
    for (int n; (n = next++) <= total;) {
      Verdict v = crash_after(plan, name, n, ref);
      std::lock_guard<std::mutex> hold(lock);
      verdicts[n] = std::move(v);
    }
  };
  std::vector<std::thread> workers;
  for (int i = 0; i < 3; ++i) workers.emplace_back(worker);
  for (auto& w : workers) w.join();

  int redelivered = 0;
  bool failed = false;
  for (const auto& [n, v] : verdicts) failed = failed || !v.problems.empty();
  if (failed || std::getenv("CLOSEOUT_TEST_VERBOSE")) {
    std::string listing;
    for (int i = 0; i < total; ++i)
      listing += std::to_string(i + 1) + " (phase " + std::to_string(ref.place[i].first + 1) +
                 " step " + std::to_string(ref.place[i].second) + ") " + ref.steps[i].kind + " " +
                 ref.steps[i].detail + "\n";
    std::printf("the reference run's steps:\n%s", listing.c_str());
  }
  for (const auto& [n, v] : verdicts) {
    redelivered += v.redelivered;
    for (const auto& p : v.problems)
      ADD_FAILURE() << "killed after step " << n << " (" << v.step.kind << " " << v.step.detail
                    << "): " << p;
  }
  return redelivered;
}

void report(const char* what, const Reference& ref, int redelivered,
            std::chrono::steady_clock::time_point started) {
  auto took =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
  std::printf(
      "crash every step (%s): %zu steps (%d sends), each killed and resumed; %d mail(s) "
      "redelivered inside the 250 window; %lld s\n",
      what, ref.steps.size(), ref.sends, redelivered, static_cast<long long>(took.count()));
}

TEST(CrashEveryStep, StoppedAfterEachStepThenResumedEndsAsAnUninterruptedRun) {
  auto started = std::chrono::steady_clock::now();
  Reference ref = reference_run(Plan::everyday, "ces");
  ASSERT_FALSE(::testing::Test::HasFailure());
  // What the reference must have done, so the comparisons mean something.
  const auto& o = ref.outcome;
  EXPECT_EQ(o.dispatches.at("7060000001").substr(0, 10), "closed_out");
  EXPECT_EQ(o.dispatches.at("7060000002").substr(0, 8), "rejected");
  EXPECT_EQ(o.dispatches.at("7060000003").substr(0, 7), "on_hold");
  EXPECT_EQ(o.timelines.at("7060000001").count("close-out accepted \"closing\">\"closed_out\""),
            1U);
  EXPECT_EQ(o.timelines.at("7060000001").count("notice sent \"received\">\"notified\""), 1U);
  EXPECT_EQ(o.mail.at("close-out").size(), 1U);
  EXPECT_EQ(o.mail.at("techs").size(), 3U) << "a notice per dispatch";
  EXPECT_EQ(o.dispatch_box.at("Processed").size(), 8U);
  EXPECT_EQ(o.dispatch_box.at("Quarantine").size(), 2U) << "the newsletter and the oversize mail";
  EXPECT_GE(ref.sends, 8) << "notices, close-out, confirmation and three answers";
  int redelivered = crash_after_every_step(Plan::everyday, "ces", ref);
  report("everyday mail", ref, redelivered, started);
}

TEST(CrashEveryStep, ARefusedCloseOutStoppedAfterEachStepFailsAndEscalatesOnce) {
  auto started = std::chrono::steady_clock::now();
  Reference ref = reference_run(Plan::refused, "cesr");
  ASSERT_FALSE(::testing::Test::HasFailure());
  EXPECT_EQ(ref.outcome.dispatches.at("7060000009").substr(0, 6), "failed");
  EXPECT_EQ(ref.outcome.mail.at("manager").size(), 1U) << "the escalation";
  int refusals = 0;
  for (const auto& st : ref.steps) refusals += st.kind == "smtp-permanent";
  EXPECT_EQ(refusals, 1);
  int redelivered = crash_after_every_step(Plan::refused, "cesr", ref);
  report("a refused close-out", ref, redelivered, started);
}

}  // namespace
}  // namespace closeout::testing
