// SPDX-License-Identifier: GPL-3.0-or-later
// Outbox rows are claimed (pending -> sending) before they are sent, so whatever runs, only one
// sender sends a row (issue 11); a claim a crash left behind goes back to pending at start-up;
// migration 4 keeps every row of an older database; closeoutctl shows and respects the claim.
#include <sys/wait.h>

#include <SQLiteCpp/Exception.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "migrations.h"
#include "workflow_fixture.h"

namespace closeout::testing {
namespace {

struct CtlRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class OutboxClaims : public WorkflowTest {
 protected:
  CtlRun ctl(const std::string& args) {
    std::string cmd = std::string(CLOSEOUTCTL_PATH) + " --config " + dir_ + "/closeoutd.toml " +
                      args + " >" + dir_ + "/out 2>" + dir_ + "/err";
    int raw = std::system(cmd.c_str());
    return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, slurp(dir_ + "/out"), slurp(dir_ + "/err")};
  }
};

TEST_F(OutboxClaims, OnlyTheFirstClaimWinsAndAClaimedRowIsNotDue) {
  deliver_dispatch("7012345678");
  auto id = outbox("notice").at(0).id;
  store::OutboxStore box(runtime_->db());
  // A second connection to the same database: what a second closeoutd would be.
  auto other = store::open_database(dir_ + "/closeoutd.db");
  store::OutboxStore other_box(*other);
  EXPECT_TRUE(box.claim(id));
  EXPECT_FALSE(other_box.claim(id)) << "claimed by someone else: not ours to send";
  EXPECT_FALSE(box.claim(id)) << "nor twice by the same one";
  EXPECT_TRUE(other_box.due(kNow + 3600, 10).empty());
  EXPECT_EQ(box.get(id)->status, "sending");
  EXPECT_EQ(box.list(false).size(), 1U) << "still listed: not sent yet";
}

store::OutboxEntry big_mail() {
  store::OutboxEntry e;
  e.kind = "digest";
  e.message_id = "<big@dealer.test>";
  e.envelope_from = "dispatch@dealer.test";
  e.recipients = {"manager@dealer.test"};
  e.subject = "Big";
  e.content = std::string(200000, 'x');  // a close-out with a large form, and then some
  e.next_attempt_at = kNow;
  e.created_at = kNow;
  return e;
}

// A close-out with its PDF is tens of KB: claiming it, recording its acceptance and its
// effects must not write those bytes to the disk again each time (migration 7).
TEST_F(OutboxClaims, ClaimingAndSendingABigMailDoNotWriteItAgain) {
  auto& db = runtime_->db();
  store::OutboxStore box(db);
  auto id = box.enqueue(big_mail());
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const std::string wal = dir_ + "/closeoutd.db-wal";
  ASSERT_EQ(std::filesystem::file_size(wal), 0U);
  ASSERT_TRUE(box.claim(id));
  box.mark_sent(id, kNow + 1);
  box.mark_effects_done(id);
  EXPECT_LT(std::filesystem::file_size(wal), 20U * 4096)
      << "three status changes wrote the 200 KB mail again";
  EXPECT_EQ(box.get(id)->content, big_mail().content) << "and the mail is whole";
  EXPECT_EQ(box.get(id)->status, "sent");
}

// The row and its content are one: when the content cannot be stored, no row is left that
// a sender would find without anything to send, inside a transaction or not.
TEST_F(OutboxClaims, AMailWhoseContentCannotBeStoredLeavesNoRow) {
  auto& db = runtime_->db();
  db.exec(
      "CREATE TRIGGER refuse_content BEFORE INSERT ON outbox_content "
      "BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
  store::OutboxStore box(db);
  EXPECT_THROW(box.enqueue(big_mail()), SQLite::Exception);
  EXPECT_TRUE(box.list(true).empty());
  {
    store::WriteTransaction tx(db);
    store::OutboxEntry first = big_mail();
    first.message_id = "<first@dealer.test>";
    first.content = "kept\r\n";
    db.exec("DROP TRIGGER refuse_content");
    box.enqueue(first);
    db.exec(
        "CREATE TRIGGER refuse_content BEFORE INSERT ON outbox_content "
        "BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
    EXPECT_THROW(box.enqueue(big_mail()), SQLite::Exception);
    tx.commit();
  }
  auto rows = box.list(true);
  ASSERT_EQ(rows.size(), 1U) << "the failed one is undone, the one before it in the "
                                "same transaction is kept";
  EXPECT_EQ(box.get(rows[0].id)->content, "kept\r\n");
}

TEST_F(OutboxClaims, AClaimACrashLeftBehindGoesBackToPendingAtStartUp) {
  deliver_dispatch("7012345678");
  deliver_dispatch("7012345679");
  auto notices = outbox("notice");
  store::OutboxStore box(runtime_->db());
  ASSERT_TRUE(box.claim(notices.at(0).id));
  EXPECT_EQ(box.due(kNow, 10).size(), 1U);
  EXPECT_EQ(box.release_claims(), 1);
  EXPECT_EQ(box.get(notices.at(0).id)->status, "pending");
  EXPECT_EQ(box.due(kNow, 10).size(), 2U);
  EXPECT_EQ(box.release_claims(), 0);
}

// A sender claims its next few rows in one commit (outbox_sender.cpp) and gives back those it
// did not get to send: only rows still pending are claimed, only its own claims go back.
TEST_F(OutboxClaims, SeveralRowsAreClaimedAtOnceAndTheUnsentGivenBack) {
  deliver_dispatch("7012345678");
  deliver_dispatch("7012345679");
  deliver_dispatch("7012345680");
  auto notices = outbox("notice");
  store::OutboxStore box(runtime_->db());
  auto other = store::open_database(dir_ + "/closeoutd.db");
  ASSERT_TRUE(store::OutboxStore(*other).claim(notices.at(1).id));  // someone else's
  auto claimed = box.claim({notices.at(0).id, notices.at(1).id, notices.at(2).id});
  std::vector<std::int64_t> expected = {notices.at(0).id, notices.at(2).id};
  EXPECT_EQ(claimed, expected) << "the row claimed elsewhere is not ours";
  EXPECT_TRUE(box.due(kNow + 3600, 10).empty());
  // The first was sent; the last never started.
  auto w = runtime_->workflow();
  workflow::apply_send_result(w, notices.at(0), {workflow::SendVerdict::accepted, "250 Ok"}, kNow);
  EXPECT_EQ(box.release({notices.at(0).id, notices.at(2).id}), 1) << "only the unsent goes back";
  EXPECT_EQ(box.get(notices.at(0).id)->status, "sent");
  EXPECT_EQ(box.get(notices.at(1).id)->status, "sending") << "the other sender's claim stands";
  EXPECT_EQ(box.get(notices.at(2).id)->status, "pending");
}

TEST_F(OutboxClaims, Migration4KeepsEveryRowAndItsDigestLink) {
  runtime_.reset();
  std::filesystem::remove(dir_ + "/closeoutd.db");
  {
    // A database as closeoutd with schema 3 left it.
    SQLite::Database db(dir_ + "/closeoutd.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA foreign_keys = ON");
    for (const auto& m : store::migrations()) {
      if (m.version > 3) break;
      db.exec(std::string(m.sql));
    }
    db.exec("PRAGMA user_version = 3");
    for (auto [id, status] : {std::pair{1, "pending"}, {2, "sent"}, {3, "failed"}})
      db.exec(
          "INSERT INTO outbox (id, kind, message_id, envelope_from, recipients, subject, "
          "content, status, attempts, next_attempt_at, last_error, created_at, sent_at, "
          "caused_by, effects_done) VALUES (" +
          std::to_string(id) + ", 'digest', '<m" + std::to_string(id) +
          "@dealer.test>', 'dispatch@dealer.test', '[\"manager@dealer.test\"]', 'Digest', "
          "x'48690d0a', '" +
          status + "', 2, 77, 'last words', 70, 75, 'digest', 0)");
    db.exec("INSERT INTO digest_runs VALUES (42, 2, 76)");
  }
  reopen("");
  auto& db = runtime_->db();
  EXPECT_EQ(store::schema_version(db), store::latest_schema_version());
  store::OutboxStore box(db);
  auto rows = box.list(true);
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].status, "pending");
  EXPECT_EQ(rows[1].status, "sent");
  EXPECT_EQ(rows[2].status, "failed");
  auto sent = box.get(2);
  EXPECT_EQ(sent->content, "Hi\r\n");
  EXPECT_EQ(sent->attempts, 2);
  EXPECT_EQ(sent->sent_at, 75);
  EXPECT_EQ(sent->last_error, "last words");
  EXPECT_EQ(box.sent_without_effects().size(), 1U) << "effects_done carried over";
  EXPECT_EQ(db.execAndGet("SELECT outbox_id FROM digest_runs WHERE slot = 42").getInt(), 2);
  SQLite::Statement dangling(db, "PRAGMA foreign_key_check");
  EXPECT_FALSE(dangling.executeStep()) << "no row points at nothing";
  EXPECT_TRUE(box.claim(1)) << "the new status is allowed";
  EXPECT_THROW(db.exec("UPDATE outbox SET status = 'lost' WHERE id = 1"), SQLite::Exception)
      << "and the CHECK still guards the others";
  EXPECT_EQ(db.execAndGet("SELECT count(*) FROM sqlite_master WHERE name IN ('outbox_due', "
                          "'outbox_dispatch')")
                .getInt(),
            2);
}

TEST_F(OutboxClaims, CloseoutctlShowsAClaimAndWillNotRetryOrResendOverIt) {
  deliver_dispatch("7012345678");
  send_all();
  deliver_reply("7012345678", complete_section2(kServiceDate), "<r@dealer.test>");
  auto closeout = outbox("closeout").at(0);
  ASSERT_TRUE(store::OutboxStore(runtime_->db()).claim(closeout.id));

  auto listed = ctl("outbox --json");
  ASSERT_EQ(listed.status, 0) << listed.err;
  auto rows = nlohmann::json::parse(listed.out);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0]["status"], "sending");

  auto retry = ctl("retry " + std::to_string(closeout.id));
  EXPECT_EQ(retry.status, 65);
  EXPECT_NE(retry.err.find("being sent now"), std::string::npos) << retry.err;
  auto resend = ctl("resend 7012345678");
  EXPECT_EQ(resend.status, 65);
  EXPECT_NE(resend.err.find("outbox entry " + std::to_string(closeout.id)), std::string::npos)
      << resend.err;
  EXPECT_EQ(outbox("closeout").size(), 1U) << "no second close-out queued";
  EXPECT_EQ(store::OutboxStore(runtime_->db()).get(closeout.id)->status, "sending");
}

}  // namespace
}  // namespace closeout::testing
