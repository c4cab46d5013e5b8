// Test helper: a metadata database with every migration applied, in a fresh temporary
// directory that is removed on destruction. For the unit tests of modules that keep their
// data in store::Database.
#ifndef CLEANROOM_TEST_STORE_TEMP_DATABASE_H_
#define CLEANROOM_TEST_STORE_TEMP_DATABASE_H_

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "store/database.h"
#include "store/schema.h"

namespace cleanroom::store::testing {

// Not thread-safe; the database itself is. Whatever uses db() must be destroyed (or stop
// using it) before Reopen() and before the TempDatabase itself is destroyed.
class TempDatabase {
 public:
  // `prefix` names the directory under /tmp (letters, digits and '_').
  explicit TempDatabase(const std::string& prefix) {
    std::string tmpl = "/tmp/" + prefix + "_XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
    Reopen();
  }
  ~TempDatabase() {
    db_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Closes and reopens the database file, as a server restart does.
  void Reopen() {
    db_.reset();
    auto db = Database::Open((dir_ / "meta.db").string(), SchemaMigrations());
    if (!db.ok()) {
      ADD_FAILURE() << db.status();
      std::abort();
    }
    db_ = std::move(*db);
  }

  Database& db() { return *db_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

}  // namespace cleanroom::store::testing

#endif  // CLEANROOM_TEST_STORE_TEMP_DATABASE_H_
