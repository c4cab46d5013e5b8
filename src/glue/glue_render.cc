#include "glue/glue_render.h"

#include <algorithm>

namespace cleanroom::glue {

using nlohmann::json;

double EpochSeconds(int64_t micros) { return static_cast<double>(micros / 1000) / 1000.0; }

json RenderDatabase(const Database& d) {
  json out = d.input;
  out["Name"] = d.name;
  if (!out.contains("Parameters")) out["Parameters"] = json::object();
  out["CreateTime"] = EpochSeconds(d.create_time);
  if (!out.contains("CreateTableDefaultPermissions")) {
    out["CreateTableDefaultPermissions"] =
        json::array({{{"Principal", {{"DataLakePrincipalIdentifier", "IAM_ALLOWED_PRINCIPALS"}}},
                      {"Permissions", json::array({"ALL"})}}});
  }
  out["CatalogId"] = d.account_id;
  return out;
}

json RenderDatabaseName(const Database& d) {
  return json{{"Name", d.name}, {"CatalogId", d.account_id}};
}

json RenderTable(const Table& t) {
  json out = t.input;
  out["Name"] = t.name;
  out["DatabaseName"] = t.database_name;
  out["CreateTime"] = EpochSeconds(t.create_time);
  out["UpdateTime"] = EpochSeconds(t.update_time);
  if (!out.contains("Retention")) out["Retention"] = 0;
  if (!t.created_by.empty()) out["CreatedBy"] = t.created_by;
  out["IsRegisteredWithLakeFormation"] = false;
  out["CatalogId"] = t.account_id;
  out["VersionId"] = std::to_string(t.version);
  return out;
}

json RenderPartition(const Partition& p, bool exclude_column_schema) {
  json out = p.input;
  out["Values"] = p.values;
  out["DatabaseName"] = p.database_name;
  out["TableName"] = p.table_name;
  out["CreationTime"] = EpochSeconds(p.create_time);
  if (!out.contains("Parameters")) out["Parameters"] = json::object();
  if (exclude_column_schema && out.contains("StorageDescriptor")) {
    out["StorageDescriptor"].erase("Columns");
  }
  out["CatalogId"] = p.account_id;
  return out;
}

json RenderCrawler(const Crawler& c, int64_t now) {
  const json& m = c.definition.members;
  json out = json::object();
  out["Name"] = c.name;
  for (const char* member :
       {"Role", "DatabaseName", "Description", "Classifiers", "RecrawlPolicy", "SchemaChangePolicy",
        "LineageConfiguration", "TablePrefix", "Configuration", "CrawlerSecurityConfiguration",
        "LakeFormationConfiguration"}) {
    if (m.contains(member)) out[member] = m[member];
  }
  json targets = m.value("Targets", json::object());
  json s3 = json::array();
  for (json t : targets.value("S3Targets", json::array())) {
    if (!t.contains("Exclusions")) t["Exclusions"] = json::array();
    s3.push_back(std::move(t));
  }
  targets["S3Targets"] = s3;
  for (const char* kind : {"JdbcTargets", "MongoDBTargets", "DynamoDBTargets", "CatalogTargets",
                           "DeltaTargets", "IcebergTargets", "HudiTargets"}) {
    if (!targets.contains(kind)) targets[kind] = json::array();
  }
  out["Targets"] = targets;
  if (m.contains("Schedule")) {
    // Schedules are stored but never fire on this server.
    out["Schedule"] = {{"ScheduleExpression", m["Schedule"]}, {"State", "NOT_SCHEDULED"}};
  }
  out["State"] = std::string(CrawlerStateName(c.state));
  out["CrawlElapsedTime"] = c.state == CrawlerState::kReady
                                ? int64_t{0}
                                : std::max<int64_t>(0, (now - c.run_start_time) / 1000);
  out["CreationTime"] = EpochSeconds(c.creation_time);
  out["LastUpdated"] = EpochSeconds(c.last_updated);
  if (c.last_crawl) {
    const LastCrawl& l = *c.last_crawl;
    json last = {{"Status", l.status},
                 {"LogGroup", l.log_group},
                 {"LogStream", l.log_stream},
                 {"MessagePrefix", l.message_prefix},
                 {"StartTime", EpochSeconds(l.start_time)}};
    if (!l.error_message.empty()) last["ErrorMessage"] = l.error_message;
    out["LastCrawl"] = last;
  }
  out["Version"] = c.version;
  return out;
}

json RenderCrawlerMetrics(const CrawlerMetrics& m) {
  return json{{"CrawlerName", m.crawler_name},
              {"TimeLeftSeconds", m.time_left_seconds},
              {"StillEstimating", m.still_estimating},
              {"LastRuntimeSeconds", m.last_runtime_seconds},
              {"MedianRuntimeSeconds", m.median_runtime_seconds},
              {"TablesCreated", m.tables_created},
              {"TablesUpdated", m.tables_updated},
              {"TablesDeleted", m.tables_deleted}};
}

json RenderTableError(const BatchError& e) {
  return json{{"TableName", e.table_name},
              {"ErrorDetail", {{"ErrorCode", e.code}, {"ErrorMessage", e.message}}}};
}

json RenderPartitionError(const BatchError& e) {
  return json{{"PartitionValues", e.values},
              {"ErrorDetail", {{"ErrorCode", e.code}, {"ErrorMessage", e.message}}}};
}

}  // namespace cleanroom::glue
