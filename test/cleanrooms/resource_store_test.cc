#include "cleanrooms/resource_store.h"

#include <stdlib.h>

#include <filesystem>

#include "common/status_macros.h"
#include "gtest/gtest.h"
#include "store/schema.h"

namespace cleanroom::cleanrooms {
namespace {

class ResourceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cleanrooms_store_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    Open();
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    store_.reset();
    db_.reset();
    auto db = store::Database::Open(dir_ + "/metadata.db", store::SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    store_ = std::make_unique<ResourceStore>(db_.get());
  }
  static Resource Row(std::string kind, std::string id, std::string account, int64_t t) {
    Resource r;
    r.kind = std::move(kind);
    r.id = std::move(id);
    r.account_id = std::move(account);
    r.create_time_ms = t;
    r.update_time_ms = t;
    return r;
  }

  std::string dir_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<ResourceStore> store_;
};

TEST_F(ResourceStoreTest, PutGetListSurviveReopen) {
  Resource a = Row(std::string(kConfiguredTable), "t1", "111111111111", 1000);
  a.name = "customers";
  a.doc = {{"allowedColumns", {"a", "b"}}};
  Resource b = Row(std::string(kConfiguredTable), "t2", "111111111111", 2000);
  Resource c = Row(std::string(kConfiguredTable), "t3", "222222222222", 3000);
  ASSERT_TRUE(store_
                  ->Write([&](ResourceStore::Tx& tx) -> absl::Status {
                    RETURN_IF_ERROR(tx.Put(a));
                    RETURN_IF_ERROR(tx.Put(b));
                    return tx.Put(c);
                  })
                  .ok());
  Open();
  ASSERT_TRUE(store_
                  ->Read([&](ResourceStore::Tx& tx) -> absl::Status {
                    ASSIGN_OR_RETURN(std::optional<Resource> got, tx.Get(kConfiguredTable, "t1"));
                    EXPECT_TRUE(got.has_value());
                    EXPECT_EQ(got->name, "customers");
                    EXPECT_EQ(got->doc["allowedColumns"][1], "b");
                    ASSIGN_OR_RETURN(
                        std::vector<Resource> mine,
                        tx.List(kConfiguredTable, Filter{.account_id = "111111111111"}));
                    EXPECT_EQ(mine.size(), 2u);
                    if (mine.size() == 2) {
                      EXPECT_EQ(mine[0].id, "t2");  // newest first
                      EXPECT_EQ(mine[1].id, "t1");
                    }
                    ASSIGN_OR_RETURN(int64_t n, tx.Count(kConfiguredTable, Filter{}));
                    EXPECT_EQ(n, 3);
                    ASSIGN_OR_RETURN(std::optional<Resource> none, tx.Get(kMembership, "t1"));
                    EXPECT_FALSE(none.has_value());
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(ResourceStoreTest, FailedWriteChangesNothing) {
  absl::Status s = store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Put(Row(std::string(kCollaboration), "c1", "111111111111", 1)));
    RETURN_IF_ERROR(tx.SetTags("arn:x", {{"k", "v"}}));
    return absl::FailedPreconditionError("no");
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_
                  ->Read([&](ResourceStore::Tx& tx) -> absl::Status {
                    ASSIGN_OR_RETURN(std::optional<Resource> got, tx.Get(kCollaboration, "c1"));
                    EXPECT_FALSE(got.has_value());
                    ASSIGN_OR_RETURN(auto tags, tx.Tags("arn:x"));
                    EXPECT_TRUE(tags.empty());
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(ResourceStoreTest, TagsSetOverwriteAndRemove) {
  ASSERT_TRUE(store_
                  ->Write([&](ResourceStore::Tx& tx) -> absl::Status {
                    RETURN_IF_ERROR(tx.SetTags("arn:a", {{"k1", "v1"}, {"k2", "v2"}}));
                    RETURN_IF_ERROR(tx.SetTags("arn:a", {{"k1", "new"}}));
                    RETURN_IF_ERROR(tx.SetTags("arn:b", {{"k1", "other"}}));
                    return tx.RemoveTags("arn:a", {"k2", "absent"});
                  })
                  .ok());
  ASSERT_TRUE(store_
                  ->Read([&](ResourceStore::Tx& tx) -> absl::Status {
                    ASSIGN_OR_RETURN(auto tags, tx.Tags("arn:a"));
                    EXPECT_EQ(tags, (std::map<std::string, std::string>{{"k1", "new"}}));
                    return absl::OkStatus();
                  })
                  .ok());
}

TEST_F(ResourceStoreTest, EventsVisibleToMembersOnlyWhenShared) {
  auto event = [](std::string account, std::string collab, bool shared, std::string op) {
    Event e;
    e.time_ms = 5;
    e.account_id = std::move(account);
    e.collaboration_id = std::move(collab);
    e.shared = shared;
    e.operation = std::move(op);
    e.resource_type = "X";
    e.resource_id = "id";
    return e;
  };
  ASSERT_TRUE(store_
                  ->Write([&](ResourceStore::Tx& tx) -> absl::Status {
                    RETURN_IF_ERROR(tx.Record(event("A", "c1", true, "Shared1")));
                    RETURN_IF_ERROR(tx.Record(event("A", "c1", false, "PrivateA")));
                    RETURN_IF_ERROR(tx.Record(event("B", "c1", true, "Shared2")));
                    RETURN_IF_ERROR(tx.Record(event("A", "", false, "AccountA")));
                    return tx.Record(event("B", "", true, "AccountB"));
                  })
                  .ok());
  ASSERT_TRUE(
      store_
          ->Read([&](ResourceStore::Tx& tx) -> absl::Status {
            auto ops = [](const std::vector<Event>& events) {
              std::vector<std::string> out;
              for (const Event& e : events) out.push_back(e.operation);
              return out;
            };
            ASSIGN_OR_RETURN(auto b_view, tx.Events("B", "c1", 0, 10));
            EXPECT_EQ(ops(b_view), (std::vector<std::string>{"Shared1", "Shared2"}));
            ASSIGN_OR_RETURN(auto a_view, tx.Events("A", "c1", 0, 10));
            EXPECT_EQ(ops(a_view), (std::vector<std::string>{"Shared1", "PrivateA", "Shared2"}));
            // Account-private events never leak, even when flagged shared.
            ASSIGN_OR_RETURN(auto a_own, tx.Events("A", "", 0, 10));
            EXPECT_EQ(ops(a_own), (std::vector<std::string>{"AccountA"}));
            // Paging by seq.
            ASSIGN_OR_RETURN(auto page, tx.Events("A", "c1", a_view[0].seq, 1));
            EXPECT_EQ(ops(page), (std::vector<std::string>{"PrivateA"}));
            return absl::OkStatus();
          })
          .ok());
}

}  // namespace
}  // namespace cleanroom::cleanrooms
