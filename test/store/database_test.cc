#include "store/database.h"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/strings.h"
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
  ASSERT_TRUE((*db)
                  ->Read([&](Connection& c) {
                    auto s = c.Prepare("PRAGMA journal_mode");
                    if (!s.ok()) return s.status();
                    if (!*s->Step()) return absl::InternalError("no row");
                    mode = s->ColumnText(0);
                    auto s2 = c.Prepare("PRAGMA synchronous");
                    if (!s2.ok()) return s2.status();
                    if (!*s2->Step()) return absl::InternalError("no row");
                    sync = s2->ColumnInt(0);
                    return absl::OkStatus();
                  })
                  .ok());
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
  ASSERT_TRUE((*db)
                  ->Read([&](Connection& c) {
                    auto s = c.Prepare("SELECT COUNT(*) FROM t");
                    if (!s.ok()) return s.status();
                    (void)s->Step();
                    count = s->ColumnInt(0);
                    return absl::OkStatus();
                  })
                  .ok());
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
    ASSERT_TRUE((*db)
                    ->Write([](Connection& c) {
                      auto s = c.Prepare(
                          "INSERT INTO accounts (account_id, name, is_admin, created_at) "
                          "VALUES ('111111111111', 'a', 0, 1)");
                      if (!s.ok()) return s.status();
                      return s->Run();
                    })
                    .ok());
  }
  auto db = Database::Open(path_, SchemaMigrations());
  ASSERT_TRUE(db.ok());
  std::string name;
  ASSERT_TRUE((*db)
                  ->Read([&](Connection& c) {
                    auto s = c.Prepare("SELECT name FROM accounts WHERE account_id = ?");
                    if (!s.ok()) return s.status();
                    s->Bind(1, "111111111111");
                    if (!*s->Step()) return absl::NotFoundError("missing");
                    name = s->ColumnText(0);
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(name, "a");
}

// Inserts (k, v) into t.
absl::Status Insert(Connection& c, const std::string& k, int64_t v) {
  auto stmt = c.Prepare("INSERT INTO t (k, v) VALUES (?, ?)");
  if (!stmt.ok()) return stmt.status();
  return stmt->Bind(1, k).Bind(2, v).Run();
}

int64_t CountRows(Database& db) {
  int64_t count = -1;
  EXPECT_TRUE(db.Read([&](Connection& c) {
                  auto s = c.Prepare("SELECT COUNT(*) FROM t");
                  if (!s.ok()) return s.status();
                  (void)s->Step();
                  count = s->ColumnInt(0);
                  return absl::OkStatus();
                }).ok());
  return count;
}

TEST_F(DatabaseTest, ConcurrentWritesAllCommitAndFailuresStayIsolated) {
  // Many threads write at once, so that writes share group commits. Every third write fails
  // after inserting a row; only its own row must disappear.
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok());
  constexpr int kThreads = 8;
  constexpr int kWritesPerThread = 40;
  std::atomic<int> unexpected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWritesPerThread; ++i) {
        const bool fail = (t * kWritesPerThread + i) % 3 == 0;
        absl::Status st = (*db)->Write([&](Connection& c) {
          absl::Status inserted = Insert(c, StrCat(t, "-", i), i);
          if (!inserted.ok()) return inserted;
          return fail ? absl::InvalidArgumentError("abort") : absl::OkStatus();
        });
        if (st.ok() == fail) ++unexpected;
        if (fail && st.code() != absl::StatusCode::kInvalidArgument) ++unexpected;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(unexpected.load(), 0);
  int64_t expected = 0;
  for (int n = 0; n < kThreads * kWritesPerThread; ++n) expected += n % 3 == 0 ? 0 : 1;
  EXPECT_EQ(CountRows(**db), expected);
}

TEST_F(DatabaseTest, ConstraintViolationInOneWriteDoesNotAffectOthers) {
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Write([](Connection& c) { return Insert(c, "dup", 1); }).ok());
  std::vector<std::thread> threads;
  std::atomic<int> already_exists{0};
  std::atomic<int> ok{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      absl::Status st = (*db)->Write([&](Connection& c) {
        return Insert(c, t % 2 == 0 ? std::string("dup") : StrCat("k", t), t);
      });
      if (st.ok()) ++ok;
      if (st.code() == absl::StatusCode::kAlreadyExists) ++already_exists;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(already_exists.load(), 3);
  EXPECT_EQ(CountRows(**db), 4);
}

TEST_F(DatabaseTest, ExceptionFromAWriteRollsBackAndReachesItsCaller) {
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok());
  EXPECT_THROW((void)(*db)->Write([](Connection& c) -> absl::Status {
    (void)Insert(c, "x", 1);
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  EXPECT_EQ(CountRows(**db), 0);
  // The database is still usable.
  EXPECT_TRUE((*db)->Write([](Connection& c) { return Insert(c, "y", 2); }).ok());
  EXPECT_EQ(CountRows(**db), 1);
}

TEST_F(DatabaseTest, ReadsAreReadOnly) {
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok());
  absl::Status st = (*db)->Read([](Connection& c) { return Insert(c, "x", 1); });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(CountRows(**db), 0);
}

TEST_F(DatabaseTest, ReadSeesAConsistentSnapshotWhileWritesCommit) {
  // Every write keeps SUM(v) at zero; a read that sums twice must see the same, zero, total
  // both times, however writes interleave.
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok());
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; i < 200 && !stop; ++i) {
      (void)(*db)->Write([&](Connection& c) {
        absl::Status st = Insert(c, StrCat("p", i), i);
        if (!st.ok()) return st;
        return Insert(c, StrCat("n", i), -i);
      });
    }
  });
  int bad = 0;
  for (int r = 0; r < 200; ++r) {
    int64_t first = -1, second = -1;
    ASSERT_TRUE((*db)
                    ->Read([&](Connection& c) {
                      for (int64_t* out : {&first, &second}) {
                        auto s = c.Prepare("SELECT COALESCE(SUM(v), 0), COUNT(*) FROM t");
                        if (!s.ok()) return s.status();
                        (void)s->Step();
                        *out = s->ColumnInt(0) * 1000000 + s->ColumnInt(1);
                        std::this_thread::yield();
                      }
                      return absl::OkStatus();
                    })
                    .ok());
    if (first != second || first / 1000000 != 0) ++bad;
  }
  stop = true;
  writer.join();
  EXPECT_EQ(bad, 0);
}

TEST_F(DatabaseTest, WriteIsVisibleToTheNextRead) {
  auto db = Database::Open(path_, kMigrations);
  ASSERT_TRUE(db.ok());
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE((*db)->Write([&](Connection& c) { return Insert(c, StrCat(i), i); }).ok());
    EXPECT_EQ(CountRows(**db), i + 1);
  }
}

}  // namespace
}  // namespace cleanroom::store
