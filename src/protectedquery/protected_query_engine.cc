#include "protectedquery/protected_query_engine.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cleanrooms/budget_ledger.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "dp/accounting.h"
#include "dp/query_mechanism.h"
#include "glue/names.h"
#include "s3access/s3_access.h"

namespace cleanroom::protectedquery {
namespace {

constexpr char kCleanRoomsPrincipal[] = "cleanrooms.amazonaws.com";
constexpr int kListPageSize = 1000;

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Hive conventions: objects whose name starts with '_' or '.' (e.g. _SUCCESS, .crc files) and
// "folder" placeholders are not data.
bool IsDataObject(const s3::ObjectVersion& v) {
  if (v.size == 0 || v.key.empty() || v.key.back() == '/') return false;
  size_t slash = v.key.rfind('/');
  std::string base = v.key.substr(slash == std::string::npos ? 0 : slash + 1);
  return !base.empty() && base[0] != '_' && base[0] != '.';
}

// The partition values of the object at `relative` (its key below the table's location) for a
// table partitioned by `keys`, as the crawler registers them: one folder per key, in key order,
// each giving its value as glue::SplitPartitionFolder reads it. nullopt if the object is not
// exactly that many folders deep (as Athena, a partitioned table reads only objects inside its
// partitions). Empty for an unpartitioned table.
std::optional<std::vector<std::string>> PartitionValuesOf(const std::string& relative,
                                                          const std::vector<glue::Column>& keys) {
  std::vector<std::string> values;
  if (keys.empty()) return values;
  size_t start = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    size_t slash = relative.find('/', start);
    if (slash == std::string::npos) return std::nullopt;
    std::string folder = relative.substr(start, slash - start);
    std::string key, value;
    values.push_back(glue::SplitPartitionFolder(folder, &key, &value) ? value : folder);
    start = slash + 1;
  }
  if (relative.find('/', start) != std::string::npos) return std::nullopt;
  return values;
}

// How the engine reads a Glue table's files.
struct FileFormat {
  std::string format;  // CSV, JSON or PARQUET
  std::string delimiter = ",";
  bool header = false;
};

absl::StatusOr<FileFormat> FormatOf(const glue::Table& table) {
  FileFormat f;
  std::string classification;
  if (auto it = table.parameters.find("classification"); it != table.parameters.end()) {
    classification = ToLower(it->second);
  }
  std::string serde = ToLower(table.serde_library);
  if (classification == "parquet" || serde.find("parquet") != std::string::npos) {
    f.format = "PARQUET";
  } else if (classification == "json" || serde.find("json") != std::string::npos) {
    f.format = "JSON";
  } else if (classification == "csv" || serde.find("csv") != std::string::npos ||
             serde.find("lazysimpleserde") != std::string::npos) {
    f.format = "CSV";
    for (const char* key : {"separatorChar", "field.delim"}) {
      auto it = table.serde_parameters.find(key);
      if (it != table.serde_parameters.end() && !it->second.empty()) f.delimiter = it->second;
    }
    auto it = table.parameters.find("skip.header.line.count");
    f.header = it != table.parameters.end() && it->second == "1";
  } else {
    return absl::InvalidArgumentError(
        StrCat("the Glue table ", table.database_name, ".", table.name,
               " has no format this server can read (classification csv, json or parquet)"));
  }
  return f;
}

std::string ResultKeyPrefix(const cleanrooms::ResultDestination& d, const std::string& query_id) {
  std::string prefix = d.key_prefix;
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  return StrCat(prefix, query_id, "/result/");
}

dp::AggregationType TypeOf(engine::DpAggregateKind kind) {
  switch (kind) {
    case engine::DpAggregateKind::kCount:
      return dp::AggregationType::kCount;
    case engine::DpAggregateKind::kCountDistinct:
      return dp::AggregationType::kCountDistinct;
    case engine::DpAggregateKind::kSum:
      return dp::AggregationType::kSum;
    case engine::DpAggregateKind::kAvg:
      return dp::AggregationType::kAvg;
    case engine::DpAggregateKind::kStddevSamp:
    case engine::DpAggregateKind::kStddevPop:
      return dp::AggregationType::kStddev;
  }
  return dp::AggregationType::kCount;
}

std::string TypeName(dp::AggregationType type) {
  for (const cleanrooms::AggregationTypeName& t : cleanrooms::kAggregationTypes) {
    if (t.type == type) return std::string(t.name);
  }
  return "COUNT";
}

// The engine's view of the noise: dp::QueryMechanism.
class Mechanism final : public engine::DpMechanism {
 public:
  explicit Mechanism(dp::QueryMechanism mechanism) : m_(std::move(mechanism)) {}

  absl::StatusOr<int> ChooseRowExponent(const std::vector<int64_t>& users_by_rows) override {
    return m_.ChooseRowExponent(users_by_rows);
  }
  absl::StatusOr<int> ChooseGroupExponent(const std::vector<int64_t>& users_by_groups) override {
    return m_.ChooseGroupExponent(users_by_groups);
  }
  absl::StatusOr<int> ChooseValueExponent(int value,
                                          const std::vector<int64_t>& users_by_magnitude) override {
    return m_.ChooseValueExponent(value, users_by_magnitude, engine::kDpMinValueExponent);
  }
  absl::StatusOr<std::vector<std::optional<std::vector<std::optional<double>>>>> Release(
      const std::vector<engine::DpGroup>& groups) override {
    std::vector<dp::GroupTruth> truths;
    truths.reserve(groups.size());
    for (const engine::DpGroup& g : groups) {
      dp::GroupTruth t{.users = g.users, .aggregates = {}};
      for (const engine::DpAggregateTruth& a : g.aggregates)
        t.aggregates.push_back({a.count, a.sum, a.sum_squares});
      truths.push_back(std::move(t));
    }
    return m_.Release(truths);
  }

 private:
  dp::QueryMechanism m_;
};

absl::StatusOr<dp::QueryMechanism> MechanismFor(const engine::DpQuery& q, dp::NoiseSource* noise,
                                                int n) {
  std::vector<dp::QueryAggregate> aggregates;
  for (const engine::DpAggregate& a : q.aggregates) {
    aggregates.push_back({.type = TypeOf(a.kind),
                          .counts_users = a.counts_users,
                          .population = a.kind == engine::DpAggregateKind::kStddevPop,
                          .value = a.value});
  }
  return dp::QueryMechanism::Create(noise, n, std::move(aggregates),
                                    static_cast<int>(q.values.size()), q.key_count > 0,
                                    engine::kDpGridBits);
}

}  // namespace

std::string EngineTypeOfGlueType(const std::string& glue_type) {
  std::string t = ToLower(glue_type);
  if (t == "bigint" || t == "long") return "BIGINT";
  if (t == "int" || t == "integer") return "INTEGER";
  if (t == "smallint") return "SMALLINT";
  if (t == "tinyint") return "TINYINT";
  if (t == "double") return "DOUBLE";
  if (t == "float" || t == "real") return "FLOAT";
  if (t == "boolean") return "BOOLEAN";
  if (t == "date") return "DATE";
  if (t == "timestamp") return "TIMESTAMP";
  if (t == "binary") return "BLOB";
  if (StartsWith(t, "decimal")) {
    std::string args = t.substr(7);
    bool ok = args.empty() || (args.front() == '(' && args.back() == ')' &&
                               std::all_of(args.begin() + 1, args.end() - 1, [](char c) {
                                 return (c >= '0' && c <= '9') || c == ',' || c == ' ';
                               }));
    return ok ? Upper(t) : "DOUBLE";
  }
  return "VARCHAR";
}

std::string EngineTypeOfParameterType(const std::string& type) {
  static const auto* map = new std::map<std::string, std::string>{{"SMALLINT", "SMALLINT"},
                                                                  {"SHORT", "SMALLINT"},
                                                                  {"INTEGER", "INTEGER"},
                                                                  {"INT", "INTEGER"},
                                                                  {"BIGINT", "BIGINT"},
                                                                  {"LONG", "BIGINT"},
                                                                  {"TINYINT", "TINYINT"},
                                                                  {"DECIMAL", "DECIMAL(38,10)"},
                                                                  {"NUMERIC", "DECIMAL(38,10)"},
                                                                  {"REAL", "FLOAT"},
                                                                  {"FLOAT", "DOUBLE"},
                                                                  {"DOUBLE", "DOUBLE"},
                                                                  {"DOUBLE_PRECISION", "DOUBLE"},
                                                                  {"BOOLEAN", "BOOLEAN"},
                                                                  {"DATE", "DATE"},
                                                                  {"TIMESTAMP", "TIMESTAMP"},
                                                                  {"TIMESTAMP_NTZ", "TIMESTAMP"},
                                                                  {"TIMESTAMPTZ", "TIMESTAMPTZ"},
                                                                  {"TIMESTAMP_LTZ", "TIMESTAMPTZ"},
                                                                  {"TIME", "TIME"},
                                                                  {"TIMETZ", "TIMETZ"},
                                                                  {"VARBYTE", "BLOB"},
                                                                  {"BINARY", "BLOB"},
                                                                  {"BYTE", "BLOB"}};
  auto it = map->find(type);
  return it == map->end() ? "VARCHAR" : it->second;
}

ProtectedQueryEngine::ProtectedQueryEngine(engine::Engine* engine, glue::Catalog* catalog,
                                           iam::RoleAuthorizer* authorizer,
                                           s3::S3Metadata* metadata, s3::BlobStore* blobs,
                                           std::string spool_dir)
    : engine_(engine),
      catalog_(catalog),
      authorizer_(authorizer),
      metadata_(metadata),
      blobs_(blobs),
      spool_dir_(std::move(spool_dir)) {
  ::mkdir(spool_dir_.c_str(), 0700);
}

absl::StatusOr<ProtectedQueryEngine::Plan> ProtectedQueryEngine::MakePlan(
    const cleanrooms::ProtectedQueryRequest& request) {
  Plan plan;
  querypolicy::PolicyRequest policy;
  policy.sql = request.sql;
  policy.querier_account_id = request.querier_account_id;
  policy.analysis_template_arn = request.analysis_template_arn;
  for (const auto& d : request.destinations) policy.receiver_account_ids.push_back(d.account_id);
  for (const cleanrooms::QueryTable& table : request.tables) {
    engine::TableSchema schema;
    schema.name = table.name;
    absl::StatusOr<glue::Table> glue_table =
        catalog_->GetTable(table.owner_account_id, table.glue_database, table.glue_table);
    if (!glue_table.ok()) {
      return absl::InvalidArgumentError(
          StrCat("table \"", table.name, "\" cannot be read: its Glue table ", table.glue_database,
                 ".", table.glue_table, " no longer exists"));
    }
    // The allowed columns, then the allowed partition keys.
    for (const auto* columns : {&glue_table->columns, &glue_table->partition_keys}) {
      for (const glue::Column& column : *columns) {
        if (std::find(table.allowed_columns.begin(), table.allowed_columns.end(), column.name) !=
            table.allowed_columns.end()) {
          schema.columns.push_back({column.name, EngineTypeOfGlueType(column.type)});
        }
      }
    }
    plan.schemas.push_back(std::move(schema));
    querypolicy::PolicyTable p;
    p.name = table.name;
    p.owner_account_id = table.owner_account_id;
    p.table_rules = table.table_rules;
    p.association_rules = table.association_rules;
    policy.tables.push_back(std::move(p));
  }
  for (const cleanrooms::QueryParameter& p : request.parameters) {
    plan.parameters.push_back({p.name, EngineTypeOfParameterType(p.type), p.value});
  }
  ASSIGN_OR_RETURN(engine::ResolvedQuery resolved,
                   engine_->Resolve(request.sql, plan.schemas, plan.parameters));
  ASSIGN_OR_RETURN(plan.decision, querypolicy::CheckQuery(resolved, policy));
  if (!plan.decision.differential_privacy.empty()) {
    if (request.users_noise_per_query <= 0) {
      return absl::InvalidArgumentError(StrCat(
          "table \"", plan.decision.differential_privacy[0].table,
          "\" has differential privacy turned on, and the collaboration has no privacy budget "
          "template; a member creates one with create-privacy-budget-template"));
    }
    for (const querypolicy::DpColumn& c : plan.decision.differential_privacy) {
      plan.dp_tables.push_back({c.table, c.user_id_column});
    }
    ASSIGN_OR_RETURN(
        plan.dp, engine_->AnalyzeDp(request.sql, plan.schemas, plan.parameters, plan.dp_tables));
    RETURN_IF_ERROR(querypolicy::CheckDifferentialPrivacy(
        plan.dp->rows, plan.decision.differential_privacy, request.sql));
  }
  return plan;
}

absl::StatusOr<s3::Bucket> ProtectedQueryEngine::DestinationBucket(
    const cleanrooms::ResultDestination& destination) {
  ASSIGN_OR_RETURN(std::optional<s3::Bucket> bucket, metadata_->GetBucket(destination.bucket));
  if (!bucket.has_value() || bucket->account_id != destination.account_id) {
    // Another account's bucket is reported like a missing one: nothing is learned about it.
    return absl::InvalidArgumentError(StrCat(
        "the result bucket ", destination.bucket, " does not exist in account ",
        destination.account_id, "; results can be written only to the receiver's own bucket"));
  }
  return *bucket;
}

absl::StatusOr<cleanrooms::QueryCheck> ProtectedQueryEngine::Check(
    const cleanrooms::ProtectedQueryRequest& request) {
  ASSIGN_OR_RETURN(Plan plan, MakePlan(request));
  for (const auto& d : request.destinations) RETURN_IF_ERROR(DestinationBucket(d).status());
  cleanrooms::QueryCheck check;
  check.tables = plan.decision.tables;
  check.rule_type = std::string(rules::RuleTypeName(plan.decision.rule_type));
  if (plan.dp) {
    for (const engine::DpAggregate& a : plan.dp->aggregates) {
      check.privacy_budget_units += dp::CostUnits(TypeOf(a.kind));
    }
  }
  return check;
}

absl::StatusOr<cleanrooms::QueryOutcome> ProtectedQueryEngine::Run(
    const cleanrooms::ProtectedQueryRequest& request, cleanrooms::CancelSignal& cancel) {
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  // The rules are checked again: they may have changed since the query was started.
  ASSIGN_OR_RETURN(Plan plan, MakePlan(request));
  std::set<std::string> read(plan.decision.tables.begin(), plan.decision.tables.end());

  std::map<std::string, engine::GrantedObject> objects;
  std::vector<engine::TableSource> sources;
  std::vector<std::vector<std::string>> names;  // per source, its objects' grant names
  for (size_t i = 0; i < request.tables.size(); ++i) {
    const cleanrooms::QueryTable& table = request.tables[i];
    if (!read.count(ToLower(table.name))) continue;
    if (cancel.cancelled()) return absl::CancelledError("the query was cancelled");
    ASSIGN_OR_RETURN(
        glue::Table glue_table,
        catalog_->GetTable(table.owner_account_id, table.glue_database, table.glue_table));
    ASSIGN_OR_RETURN(FileFormat format, FormatOf(glue_table));
    absl::StatusOr<glue::S3Path> location = glue::ParseS3Path(glue_table.location);
    if (!location.ok()) {
      return absl::FailedPreconditionError(
          StrCat("table \"", table.name, "\" has no S3 location in its Glue table"));
    }
    ASSIGN_OR_RETURN(std::optional<s3::Bucket> bucket, metadata_->GetBucket(location->bucket));
    if (!bucket.has_value()) {
      return absl::FailedPreconditionError(
          StrCat("table \"", table.name, "\": its bucket ", location->bucket, " does not exist"));
    }
    ASSIGN_OR_RETURN(
        iam::AssumedRole role,
        authorizer_->AssumeForService(table.owner_account_id, table.role_arn, kCleanRoomsPrincipal,
                                      StrCat("AWSCleanRooms-", request.query_id)));
    RETURN_IF_ERROR(s3access::AuthorizeS3(
        role, "s3:ListBucket", StrCat("arn:aws:s3:::", location->bucket), bucket->account_id));
    std::string prefix = location->prefix;
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    engine::TableSource source;
    for (const engine::TableSchema& s : plan.schemas) {
      if (s.name == table.name) source.schema = s;
    }
    source.format = format.format;
    source.delimiter = format.delimiter;
    source.header = format.header;
    if (format.format == "CSV") {
      for (const glue::Column& c : glue_table.columns)
        source.file_columns.push_back({c.name, "VARCHAR"});
    }
    for (const glue::Column& key : glue_table.partition_keys)
      source.partition_keys.push_back(key.name);
    std::vector<std::string> table_names;
    std::string after;
    while (true) {
      ASSIGN_OR_RETURN(s3::ListPage page,
                       metadata_->ListObjects(location->bucket, prefix, "", after, kListPageSize));
      for (const s3::ObjectVersion& v : page.objects) {
        if (!IsDataObject(v)) continue;
        std::optional<std::vector<std::string>> values =
            PartitionValuesOf(v.key.substr(prefix.size()), glue_table.partition_keys);
        if (!values) continue;
        RETURN_IF_ERROR(s3access::AuthorizeS3(role, "s3:GetObject",
                                              StrCat("arn:aws:s3:::", v.bucket, "/", v.key),
                                              bucket->account_id));
        std::string name = s3access::EngineObjectName(objects.size(), v.key);
        if (!values->empty()) name = engine::PartitionedObjectName(*values, name);
        objects[name] = s3access::GrantedObjectOf(blobs_, v.size, v.parts);
        table_names.push_back(std::move(name));
      }
      if (!page.truncated) break;
      after = page.next_marker;
    }
    sources.push_back(std::move(source));
    names.push_back(std::move(table_names));
  }

  // One result file, spooled locally, then stored in every destination.
  std::string format = request.destinations.empty() ? "CSV" : request.destinations[0].format;
  std::string extension = format == "PARQUET" ? "parquet" : "csv";
  std::string spool = StrCat(spool_dir_, "/", request.query_id, ".", extension);
  std::string output_name = StrCat("result.", extension);
  ASSIGN_OR_RETURN(std::unique_ptr<engine::ObjectGrant> grant,
                   engine_->Grant(std::move(objects), {{output_name, spool}}));
  for (size_t i = 0; i < sources.size(); ++i) {
    for (const std::string& name : names[i]) sources[i].urls.push_back(grant->Url(name));
  }
  engine::ExecuteRequest execute;
  execute.sql = request.sql;
  execute.parameters = plan.parameters;
  execute.tables = std::move(sources);
  for (const auto& c : plan.decision.output_constraints) {
    execute.thresholds.push_back({c.table, c.column, c.minimum});
  }
  execute.output_url = grant->Url(output_name);
  execute.output_format = format;
  auto on_start = [&cancel](std::function<void()> interrupt) {
    cancel.OnCancel(std::move(interrupt));
  };
  cleanrooms::QueryOutcome outcome;
  outcome.tables = plan.decision.tables;
  if (plan.dp) {
    absl::StatusOr<dp::QueryMechanism> made =
        MechanismFor(*plan.dp, &noise_, request.users_noise_per_query);
    absl::StatusOr<engine::DpRun> run = absl::InternalError("no mechanism");
    if (made.ok()) {
      Mechanism mechanism(*std::move(made));
      run = engine_->ExecuteDp(execute, plan.dp_tables, mechanism, on_start);
    } else {
      run = made.status();
    }
    grant.reset();
    if (!run.ok()) {
      ::unlink(spool.c_str());
      return run.status();
    }
    // The results appear only after a randomly stretched hold, so that the duration says little
    // about one user's rows (docs/differential-privacy.md, "Failures and timing").
    int64_t elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    int64_t held = dp::PaddedDurationMillis(elapsed, noise_.Uniform());
    if (cancel.WaitFor(std::chrono::milliseconds(held - elapsed))) {
      ::unlink(spool.c_str());
      return absl::CancelledError("the query was cancelled");
    }
    outcome.reported_millis = held;
    outcome.rows = run->row_count;
    for (const engine::DpAggregate& a : plan.dp->aggregates) {
      cleanrooms::SensitivityParameters p;
      p.aggregation_type = TypeName(TypeOf(a.kind));
      p.aggregation_expression = a.expression;
      p.user_contribution_limit = int64_t{1} << (run->row_exponent + run->group_exponent);
      if (a.value >= 0) {
        // Per row; a user's sum in a group is clamped to userContributionLimit times this.
        double bound = std::ldexp(1.0, run->value_exponents[a.value]);
        p.min_column_value = -bound;
        p.max_column_value = bound;
      }
      outcome.sensitivity.push_back(std::move(p));
    }
  } else {
    absl::StatusOr<engine::ExecuteResult> result = engine_->Execute(execute, on_start);
    grant.reset();
    if (!result.ok()) {
      ::unlink(spool.c_str());
      return result.status();
    }
    outcome.rows = result->row_count;
  }
  for (const cleanrooms::ResultDestination& d : request.destinations) {
    absl::StatusOr<s3::Bucket> bucket = DestinationBucket(d);
    std::string folder = ResultKeyPrefix(d, request.query_id);
    std::string key = StrCat(folder, d.single_file ? "result" : "part-00000", ".",
                             d.format == "PARQUET" ? "parquet" : "csv");
    absl::Status stored = bucket.status();
    if (stored.ok() && !d.role_arn.empty()) {
      absl::StatusOr<iam::AssumedRole> role =
          authorizer_->AssumeForService(d.account_id, d.role_arn, kCleanRoomsPrincipal,
                                        StrCat("AWSCleanRooms-", request.query_id));
      stored = role.status();
      if (stored.ok()) {
        stored = s3access::AuthorizeS3(*role, "s3:PutObject",
                                       StrCat("arn:aws:s3:::", d.bucket, "/", key), d.account_id);
      }
    }
    if (stored.ok()) {
      stored = s3access::PutFile(*metadata_, *blobs_, *bucket, key, spool,
                                 d.format == "PARQUET" ? "application/octet-stream" : "text/csv")
                   .status();
    }
    if (!stored.ok()) {
      ::unlink(spool.c_str());
      return absl::FailedPreconditionError(StrCat("the results could not be written to s3://",
                                                  d.bucket, "/", folder, ": ",
                                                  std::string(stored.message())));
    }
    outcome.locations.push_back(StrCat("s3://", d.bucket, "/", folder));
  }
  ::unlink(spool.c_str());
  return outcome;
}

}  // namespace cleanroom::protectedquery
