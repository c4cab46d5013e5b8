#include "store/database.h"

#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"
#include "store/schema.h"

namespace cleanroom::store {
namespace {

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/store_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/meta.db";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
  std::string path_;
};

const std::vector<std::string> kMigrations = {
    "CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL);",
    "ALTER TABLE t ADD COLUMN note TEXT;",
};

TEST_F(DatabaseTest, AppliesMigrationsOnceAndInOrder) {
  {
    auto db = Database::Open(path_, {kMigrations[0]});
    ASSERT_TRUE(db.ok()) << db.status();
    EXPECT_EQ((*db)->schema_version(), 1);
  }
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok()) << db.status();
  EXPECT_EQ((*db)->schema_version(), 2);
  // The second migration added a column: inserting into it works.
  absl::Status st = (*db)->Write([](Connection& c) {
    auto stmt = c.Prepare("INSERT INTO t (k, v, note) VALUES (?, ?, ?)");
    if (!stmt.ok()) return stmt.status();
    return stmt->Bind(1, "a").Bind(2, int64_t{1}).Bind(3, "n").Run();
  });
  EXPECT_TRUE(st.ok()) << st;
}

TEST_F(DatabaseTest, RefusesDowngrade) {
  ASSERT_TRUE(Database::Open(path_, kMigrations).ok());
  auto db = Database::Open(path_, {kMigrations[0]});
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(DatabaseTest, UsesWalAndFullSync) {
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok());
  std::string mode;
  int64_t sync = -1;
  ASSERT_TRUE((*db)->Read([&](Connection& c) {
                  auto s = c.Prepare("PRAGMA journal_mode");
                  if (!s.ok()) return s.status();
                  if (!*s->Step()) return absl::InternalError("no row");
                  mode = s->ColumnText(0);
                  auto s2 = c.Prepare("PRAGMA synchronous");
                  if (!s2.ok()) return s2.status();
                  if (!*s2->Step()) return absl::InternalError("no row");
                  sync = s2->ColumnInt(0);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(mode, "wal");
  EXPECT_EQ(sync, 2);  // FULL
}

TEST_F(DatabaseTest, FailedTransactionRollsBack) {
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok());
  absl::Status st = (*db)->Write([](Connection& c) {
    auto stmt = c.Prepare("INSERT INTO t (k, v) VALUES ('x', 1)");
    if (!stmt.ok()) return stmt.status();
    if (auto r = stmt->Run(); !r.ok()) return r;
    return absl::InvalidArgumentError("abort");
  });
  EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument);
  int64_t count = -1;
  ASSERT_TRUE((*db)->Read([&](Connection& c) {
                  auto s = c.Prepare("SELECT COUNT(*) FROM t");
                  if (!s.ok()) return s.status();
                  (void)s->Step();
                  count = s->ColumnInt(0);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(count, 0);
}

TEST_F(DatabaseTest, ConstraintViolationIsAlreadyExists) {
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok());
  auto insert = [](Connection& c) {
    auto stmt = c.Prepare("INSERT INTO t (k, v) VALUES ('dup', 1)");
    if (!stmt.ok()) return stmt.status();
    return stmt->Run();
  };
  ASSERT_TRUE((*db)->Write(insert).ok());
  EXPECT_EQ((*db)->Write(insert).code(), absl::StatusCode::kAlreadyExists);
}

TEST_F(DatabaseTest, CommittedDataSurvivesReopen) {
  {
    auto db = Database::Open(path_, SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Write([](Connection& c) {
                    auto s = c.Prepare(
                        "INSERT INTO accounts (account_id, name, is_admin, created_at) "
                        "VALUES ('111111111111', 'a', 0, 1)");
                    if (!s.ok()) return s.status();
                    return s->Run();
                  }).ok());
  }
  auto db = Database::Open(path_, SchemaMigrations());
  ASSERT_TRUE(db.ok());
  std::string name;
  ASSERT_TRUE((*db)->Read([&](Connection& c) {
                  auto s = c.Prepare("SELECT name FROM accounts WHERE account_id = ?");
                  if (!s.ok()) return s.status();
                  s->Bind(1, "111111111111");
                  if (!*s->Step()) return absl::NotFoundError("missing");
                  name = s->ColumnText(0);
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(name, "a");
}

}  // namespace
}  // namespace cleanroom::store
