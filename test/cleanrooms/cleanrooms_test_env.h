// Test helpers for the Clean Rooms service: a metadata database in a temporary directory with
// accounts, IAM, a Glue catalog and a CleanRoomsService answering requests as the front end
// would hand them over; and a scriptable ProtectedQueryRunner standing in for the query engine
// behind its seam.
#ifndef CLEANROOM_TEST_CLEANROOMS_CLEANROOMS_TEST_ENV_H_
#define CLEANROOM_TEST_CLEANROOMS_CLEANROOMS_TEST_ENV_H_

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cleanrooms/cleanrooms_service.h"
#include "cleanrooms/query_runner.h"
#include "cleanrooms/resource_store.h"
#include "common/strings.h"
#include "glue/catalog.h"
#include "gtest/gtest.h"
#include "iam/iam_test_env.h"
#include "iam/role_authorizer.h"
#include "nlohmann/json.hpp"

namespace cleanroom::cleanrooms::testing {

using Json = nlohmann::json;

// A ProtectedQueryRunner with scripted answers. Check accepts every query (reporting the
// tables set with SetCheckTables) unless FailCheck was called. Run returns the next scripted
// outcome, or by default a success with one location per destination. With Hold(true), Run
// waits until Release(); it then returns kCancelled if its CancelSignal was cancelled meanwhile
// (or, unless IgnoreCancel(true), as soon as it is cancelled).
class FakeQueryRunner final : public ProtectedQueryRunner {
 public:
  absl::StatusOr<QueryCheck> Check(const ProtectedQueryRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    checked_.push_back(request);
    if (check_error_) return *check_error_;
    return QueryCheck{check_tables_, "CUSTOM"};
  }

  absl::StatusOr<QueryOutcome> Run(const ProtectedQueryRequest& request,
                                   CancelSignal& cancel) override {
    // Registered before taking mu_: the callback runs at once if already cancelled.
    cancel.OnCancel([this] {
      std::lock_guard<std::mutex> lock(mu_);
      ++cancels_seen_;
      cv_.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu_);
    ran_.push_back(request);
    cv_.notify_all();
    cv_.wait(lock,
             [&] { return !hold_ || releases_ > 0 || (!ignore_cancel_ && cancel.cancelled()); });
    if (hold_ && releases_ > 0) --releases_;
    if (cancel.cancelled()) return absl::CancelledError("The query was cancelled");
    if (!results_.empty()) {
      absl::StatusOr<QueryOutcome> r = results_.front();
      results_.pop_front();
      return r;
    }
    QueryOutcome outcome;
    outcome.tables = check_tables_;
    for (const ResultDestination& d : request.destinations) {
      outcome.locations.push_back(
          StrCat("s3://", d.bucket, "/", d.key_prefix, request.query_id, "/result/part-0.csv"));
    }
    outcome.rows = 3;
    return outcome;
  }

  void FailCheck(absl::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    check_error_ = std::move(status);
  }
  void SetCheckTables(std::vector<std::string> tables) {
    std::lock_guard<std::mutex> lock(mu_);
    check_tables_ = std::move(tables);
  }
  void AddResult(absl::StatusOr<QueryOutcome> result) {
    std::lock_guard<std::mutex> lock(mu_);
    results_.push_back(std::move(result));
  }
  void Hold(bool hold) {
    std::lock_guard<std::mutex> lock(mu_);
    hold_ = hold;
    cv_.notify_all();
  }
  void IgnoreCancel(bool ignore) {
    std::lock_guard<std::mutex> lock(mu_);
    ignore_cancel_ = ignore;
  }
  // Lets one held Run return.
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    ++releases_;
    cv_.notify_all();
  }
  // Waits (at most 10 s) until Run has been entered `n` times.
  bool WaitForRuns(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return ran_.size() >= n; });
  }
  // Waits (at most 10 s) until running queries have seen `n` cancellations.
  bool WaitForCancels(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return cancels_seen_ >= n; });
  }
  std::vector<ProtectedQueryRequest> checked() {
    std::lock_guard<std::mutex> lock(mu_);
    return checked_;
  }
  std::vector<ProtectedQueryRequest> ran() {
    std::lock_guard<std::mutex> lock(mu_);
    return ran_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<absl::Status> check_error_;
  std::vector<std::string> check_tables_ = {"customers"};
  std::deque<absl::StatusOr<QueryOutcome>> results_;
  std::vector<ProtectedQueryRequest> checked_;
  std::vector<ProtectedQueryRequest> ran_;
  bool hold_ = false;
  bool ignore_cancel_ = false;
  int releases_ = 0;
  int cancels_seen_ = 0;
};

// One answer of the service.
struct Reply {
  int status = 0;
  std::string error_type;  // x-amzn-ErrorType, "" on success
  Json body;
  bool ok() const { return status >= 200 && status < 300; }
};

inline std::ostream& operator<<(std::ostream& os, const Reply& r) {
  return os << r.status << " " << r.error_type << " " << r.body.dump();
}

// IamTestEnv's database (with accounts a_ and b_, and IAM in store_) plus a Glue catalog and a
// CleanRoomsService over them. StartService (re)creates the service on the same database, as a
// server restart does.
class CleanRoomsTestEnv : public iam::IamTestEnv {
 protected:
  void SetUp() override {
    iam::IamTestEnv::SetUp();
    catalog_ = std::make_unique<glue::Catalog>(db_.get(), &clock_);
    authorizer_ = std::make_unique<iam::RoleAuthorizer>(db_.get());
    resources_ = std::make_unique<ResourceStore>(db_.get());
  }

  void TearDown() override {
    service_.reset();
    resources_.reset();
    authorizer_.reset();
    catalog_.reset();
    iam::IamTestEnv::TearDown();
  }

  // (Re)creates the service and recovers the queries left unfinished, as a server start does.
  void StartService(ProtectedQueryRunner* runner, QueryExecutorOptions options = {}) {
    service_.reset();
    service_ = std::make_unique<CleanRoomsService>(resources_.get(), catalog_.get(),
                                                   authorizer_.get(), &clock_, runner, options);
    absl::StatusOr<int> recovered = service_->RecoverInterruptedQueries();
    ASSERT_TRUE(recovered.ok()) << recovered.status();
    recovered_ = *recovered;
  }

  std::string NewAccount(const std::string& name) {
    absl::StatusOr<iam::Account> a = identities_->CreateAccount(name, false);
    EXPECT_TRUE(a.ok()) << a.status();
    return a.ok() ? a->account_id : "";
  }

  // Sends one request as `account`.
  Reply Call(const std::string& account, const std::string& method, const std::string& target,
             const Json& body = Json()) {
    http::Request req;
    req.method = method;
    req.target = target;
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    protocol::Caller caller{account, "AKIDTEST", StrCat("arn:aws:iam::", account, ":root"), false};
    protocol::CallContext ctx{
        req, "rid-1", "us-east-1", caller, body.is_null() ? "" : body.dump(), "", std::nullopt, ""};
    http::Response resp = service_->Handle(ctx);
    Reply r;
    r.status = resp.status;
    r.error_type = std::string(resp.headers.Get("x-amzn-errortype").value_or(""));
    r.body = resp.body.empty() ? Json::object() : Json::parse(resp.body, nullptr, false);
    return r;
  }

  // A Glue table `database`.`table` of `account` with columns id (bigint) and region (string).
  void MustCreateGlueTable(const std::string& account, const std::string& database,
                           const std::string& table) {
    absl::Status s = catalog_->CreateDatabase(account, {{"Name", database}});
    ASSERT_TRUE(s.ok() || s.code() == absl::StatusCode::kAlreadyExists) << s;
    Json input = {
        {"Name", table},
        {"TableType", "EXTERNAL_TABLE"},
        {"StorageDescriptor",
         {{"Columns",
           {{{"Name", "id"}, {"Type", "bigint"}}, {{"Name", "region"}, {"Type", "string"}}}},
          {"Location", StrCat("s3://data-", account, "/", table, "/")},
          {"SerdeInfo", {{"SerializationLibrary", "LazySimpleSerDe"}}}}},
        {"Parameters", {{"classification", "csv"}}}};
    ASSERT_TRUE(catalog_->CreateTable(account, database, input, "test").ok());
  }

  // A role of `account` that Clean Rooms may assume to read its Glue tables and S3 data.
  std::string MustCreateReadRole(const std::string& account, const std::string& name) {
    MustCreateRole(account, name, iam::kTrustCleanRooms);
    absl::Status put = store_->PutRolePolicy(account, name, "read", R"({"Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["glue:Get*", "s3:GetObject",
        "s3:ListBucket"], "Resource": "*"}]})");
    EXPECT_TRUE(put.ok()) << put;
    return StrCat("arn:aws:iam::", account, ":role/", name);
  }

  std::unique_ptr<glue::Catalog> catalog_;
  std::unique_ptr<iam::RoleAuthorizer> authorizer_;
  std::unique_ptr<ResourceStore> resources_;
  std::unique_ptr<CleanRoomsService> service_;
  int recovered_ = 0;
};

}  // namespace cleanroom::cleanrooms::testing

#endif  // CLEANROOM_TEST_CLEANROOMS_CLEANROOMS_TEST_ENV_H_
