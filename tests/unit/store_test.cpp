// SPDX-License-Identifier: GPL-3.0-or-later
// The store's own promises: migrations applied once, a newer schema refused, and a database the
// daemon holds open stays readable by closeoutctl.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "ascr_csv.h"
#include "database.h"
#include "migrations.h"

namespace closeout::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/closeoutd-store.XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(StoreTest, MigrationsRunOnceAndLeaveWalAndForeignKeysOn) {
  auto db = open_database(dir_ + "/a.db");
  EXPECT_EQ(schema_version(*db), latest_schema_version());
  EXPECT_EQ(db->execAndGet("PRAGMA journal_mode").getString(), "wal");
  EXPECT_EQ(db->execAndGet("PRAGMA foreign_keys").getInt(), 1);
  db->exec("INSERT INTO imap_position VALUES ('INBOX', 7, 42)");
  db.reset();
  auto again = open_database(dir_ + "/a.db");
  EXPECT_EQ(again->execAndGet("SELECT last_uid FROM imap_position").getInt(), 42)
      << "reopening migrates nothing and loses nothing";
  EXPECT_THROW(again->exec("INSERT INTO events (dispatch_number, at, event) VALUES ('x', 1, 'e')"),
               SQLite::Exception)
      << "an event needs its dispatch";
}

TEST_F(StoreTest, ADatabaseNewerThanTheBinaryIsRefusedNotDowngraded) {
  {
    auto db = open_database(dir_ + "/b.db");
    db->exec("PRAGMA user_version = " + std::to_string(latest_schema_version() + 1));
  }
  try {
    open_database(dir_ + "/b.db");
    FAIL() << "opened a newer database";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer than this closeoutd"), std::string::npos)
        << e.what();
  }
}

TEST_F(StoreTest, ADirectoryThatCannotHoldTheDatabaseIsAClearError) {
  try {
    open_database(dir_ + "/missing/dir/c.db");
    FAIL();
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find(dir_ + "/missing/dir/c.db"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(dir_ + "/missing/dir does not exist"), std::string::npos)
        << e.what();
  }
}

TEST(AscrCsv, QuotedCellsHeadersAndBomAreRead) {
  auto parsed = parse_ascr_csv(
      "\xEF\xBB\xBF\"Model\",\"Serial No.\"\r\n\"iPF685, rev B\",\"AAB "
      "01234\"\r\n\r\niPF670,X1\r\n");
  ASSERT_EQ(parsed.rows.size(), 2U);
  EXPECT_EQ(parsed.rows[0].serial, "AAB 01234");
  EXPECT_EQ(parsed.rows[0].model, "iPF685, rev B");
  EXPECT_EQ(parsed.rows[0].line, 2U);
  EXPECT_EQ(parsed.rows[1].line, 4U);
  EXPECT_TRUE(parsed.rejected.empty());
  auto headless = parse_ascr_csv("AAB01234,iPF685\n\"\"\n");
  ASSERT_EQ(headless.rows.size(), 1U);
  ASSERT_EQ(headless.rejected.size(), 1U);
  EXPECT_EQ(headless.rejected[0].line, 2U);
}

}  // namespace
}  // namespace closeout::store
