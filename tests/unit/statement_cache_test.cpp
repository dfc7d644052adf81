// SPDX-License-Identifier: GPL-3.0-or-later
// The statement cache's promises (statement_cache.h): a cached statement behaves as a fresh one
// would: it keeps no read snapshot open between uses (a daemon that did would stop seeing what
// closeoutctl writes), carries no value bound in an earlier use, and a nested use of the same
// SQL gets a statement of its own.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "database.h"
#include "statement_cache.h"

namespace closeout::store {
namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/closeoutd-statements.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    db_ = open_database(dir_ + "/a.db");
    cache_ = std::make_unique<StatementCache>(*db_);
    db_->exec("INSERT INTO imap_position VALUES ('INBOX', 1, 10), ('Other', 1, 20)");
  }
  void TearDown() override {
    cache_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::int64_t last_uid(const std::string& box) {
    Query q(*db_, "SELECT last_uid FROM imap_position WHERE mailbox = ?");
    q.bind(1, box);
    return q.executeStep() ? q.getColumn(0).getInt64() : -1;
  }
  std::string dir_;
  std::unique_ptr<SQLite::Database> db_;
  std::unique_ptr<StatementCache> cache_;
};

TEST_F(StatementCacheTest, AStatementLeftMidResultHoldsNoSnapshotOpen) {
  {
    Query q(*db_, "SELECT last_uid FROM imap_position ORDER BY mailbox");
    ASSERT_TRUE(q.executeStep());  // one row of two read: the statement is still active
  }
  auto other = open_database(dir_ + "/a.db");  // closeoutctl, say
  other->exec("UPDATE imap_position SET last_uid = 11 WHERE mailbox = 'INBOX'");
  Query q(*db_, "SELECT last_uid FROM imap_position ORDER BY mailbox");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(0).getInt64(), 11) << "the other connection's commit is seen";
}

TEST_F(StatementCacheTest, AValueBoundInAnEarlierUseIsGone) {
  const std::string sql = "SELECT count(*) FROM imap_position WHERE mailbox = ?1 OR ?2 IS NOT NULL";
  {
    Query q(*db_, sql);
    q.bind(1, "INBOX");
    q.bind(2, 1);
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getInt(), 2);
  }
  Query q(*db_, sql);
  q.bind(1, "INBOX");  // ?2 not bound this time: NULL, as in a fresh statement
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(0).getInt(), 1);
}

TEST_F(StatementCacheTest, TheSameSqlNestedInsideItsOwnLoopGetsItsOwnStatement) {
  std::vector<std::pair<std::int64_t, std::int64_t>> seen;
  Query outer(*db_, "SELECT mailbox, last_uid FROM imap_position ORDER BY mailbox");
  while (outer.executeStep()) {
    std::string box = outer.getColumn(0).getString();
    seen.emplace_back(outer.getColumn(1).getInt64(), last_uid(box));
    seen.emplace_back(last_uid(box), last_uid(box));  // the inner SQL reused, cached, twice
  }
  std::vector<std::pair<std::int64_t, std::int64_t>> expected = {
      {10, 10}, {10, 10}, {20, 20}, {20, 20}};
  EXPECT_EQ(seen, expected);
}

TEST_F(StatementCacheTest, WithoutACacheEveryUseIsPreparedAfreshAndWorksTheSame) {
  cache_.reset();
  EXPECT_EQ(last_uid("INBOX"), 10);
  EXPECT_EQ(last_uid("Other"), 20);
  EXPECT_EQ(last_uid("none"), -1);
}

}  // namespace
}  // namespace closeout::store
