// The production ProtectedQueryRunner: checks protected queries against the analysis rules on
// DuckDB's resolved form of the query (engine::Engine::Resolve + querypolicy::CheckQuery) and
// runs them on the engine over the owners' S3 objects, writing results to the receivers'
// buckets.
//
// Data access goes through each association's role, assumed by cleanrooms.amazonaws.com: the
// role must allow s3:ListBucket on the table's bucket and s3:GetObject on every object read.
// Objects are streamed from their blobs (SSE objects decrypted on the fly) without being
// copied; a query sees only the tables it names, each as a view exposing only its allowed
// columns. Results are spooled to a private directory of the server, then stored as objects of
// the receiver's bucket under `<keyPrefix>/<queryId>/result/`; a result role, when the
// membership names one, must allow s3:PutObject there.
#ifndef CLEANROOM_PROTECTEDQUERY_PROTECTED_QUERY_ENGINE_H_
#define CLEANROOM_PROTECTEDQUERY_PROTECTED_QUERY_ENGINE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cleanrooms/query_runner.h"
#include "dp/noise_source.h"
#include "engine/engine.h"
#include "glue/catalog.h"
#include "iam/role_authorizer.h"
#include "querypolicy/query_policy.h"
#include "s3/blob_store.h"
#include "s3/s3_metadata.h"

namespace cleanroom::protectedquery {

// The DuckDB type a Glue (Hive) column type is read as, e.g. "bigint" -> "BIGINT",
// "decimal(10,2)" -> "DECIMAL(10,2)", "string" / "varchar(10)" -> "VARCHAR". Nested and unknown
// types are read as their text (VARCHAR).
std::string EngineTypeOfGlueType(const std::string& glue_type);

// The DuckDB type an analysis template parameter of ParameterType `type` is bound as.
std::string EngineTypeOfParameterType(const std::string& type);

class ProtectedQueryEngine final : public cleanrooms::ProtectedQueryRunner {
 public:
  // None of the pointers is owned; all must outlive the runner. `spool_dir` is a private
  // directory for results on their way to S3 (created if absent).
  ProtectedQueryEngine(engine::Engine* engine, glue::Catalog* catalog,
                       iam::RoleAuthorizer* authorizer, s3::S3Metadata* metadata,
                       s3::BlobStore* blobs, std::string spool_dir);

  absl::StatusOr<cleanrooms::QueryCheck> Check(
      const cleanrooms::ProtectedQueryRequest& request) override;
  absl::StatusOr<cleanrooms::QueryOutcome> Run(const cleanrooms::ProtectedQueryRequest& request,
                                               cleanrooms::CancelSignal& cancel) override;

 private:
  // What Check establishes and Run uses.
  struct Plan {
    querypolicy::PolicyDecision decision;
    std::vector<engine::TableSchema> schemas;  // every table the SQL may name
    std::vector<engine::SqlParameter> parameters;
    std::optional<engine::DpQuery> dp;  // differential privacy queries
    std::vector<engine::DpTable> dp_tables;
  };
  absl::StatusOr<Plan> MakePlan(const cleanrooms::ProtectedQueryRequest& request);
  // The destination's bucket, which must exist and belong to the destination's account.
  absl::StatusOr<s3::Bucket> DestinationBucket(const cleanrooms::ResultDestination& destination);

  engine::Engine* engine_;
  glue::Catalog* catalog_;
  iam::RoleAuthorizer* authorizer_;
  s3::S3Metadata* metadata_;
  s3::BlobStore* blobs_;
  std::string spool_dir_;
  dp::NoiseSource noise_;  // the operating system's CSPRNG
};

}  // namespace cleanroom::protectedquery

#endif  // CLEANROOM_PROTECTEDQUERY_PROTECTED_QUERY_ENGINE_H_
