#include "glue/crawler_definition.h"

#include "common/status_macros.h"
#include "common/strings.h"
#include "glue/crawl_plan.h"
#include "glue/names.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;

// The CreateCrawler members a definition keeps.
constexpr const char* kDefinitionMembers[] = {"Role",
                                              "DatabaseName",
                                              "Description",
                                              "Targets",
                                              "Schedule",
                                              "Classifiers",
                                              "TablePrefix",
                                              "SchemaChangePolicy",
                                              "RecrawlPolicy",
                                              "LineageConfiguration",
                                              "LakeFormationConfiguration",
                                              "Configuration",
                                              "CrawlerSecurityConfiguration"};

constexpr const char* kUnsupportedTargets[] = {
    "JdbcTargets",  "MongoDBTargets", "DynamoDBTargets", "CatalogTargets",
    "DeltaTargets", "IcebergTargets", "HudiTargets"};

absl::Status CheckTargets(const json& targets) {
  for (const char* kind : kUnsupportedTargets) {
    if (targets.contains(kind) && !targets[kind].empty()) {
      return InvalidInput(
          StrCat(kind, " are not supported by this server: it crawls S3Targets only"));
    }
  }
  const json s3 = targets.value("S3Targets", json::array());
  if (s3.empty()) return InvalidInput("The crawler needs at least one target in Targets.S3Targets");
  for (const json& target : s3) {
    if (!target.contains("Path")) return InvalidInput("Every S3 target needs a Path");
    RETURN_IF_ERROR(ParseS3Path(target["Path"].get<std::string>()).status());
    if (target.contains("SampleSize")) {
      int64_t n = target["SampleSize"].get<int64_t>();
      if (n < 1 || n > 249) {
        return InvalidInput(
            StrCat("SampleSize ", n, " is not valid: it must be between 1 and 249"));
      }
    }
    if (target.contains("EventQueueArn") || target.contains("DlqEventQueueArn")) {
      return InvalidInput("S3 event queues (EventQueueArn) are not supported by this server");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDefinition(const json& m) {
  RETURN_IF_ERROR(CheckTargets(m["Targets"]));
  if (m.contains("Schedule")) {
    std::string schedule = m["Schedule"].get<std::string>();
    if (!StartsWith(schedule, "cron(") || !EndsWith(schedule, ")")) {
      return InvalidInput(StrCat("Schedule '", schedule, "' is not a cron(...) expression"));
    }
  }
  if (m.contains("Configuration")) {
    json config = json::parse(m["Configuration"].get<std::string>(), nullptr, false);
    if (!config.is_object()) return InvalidInput("Crawler configuration is not a JSON object");
  }
  const json& policy = m["SchemaChangePolicy"];
  std::string recrawl = m["RecrawlPolicy"].value("RecrawlBehavior", "CRAWL_EVERYTHING");
  if (recrawl == "CRAWL_NEW_FOLDERS_ONLY" &&
      (policy.value("UpdateBehavior", "") != kLog || policy.value("DeleteBehavior", "") != kLog)) {
    return InvalidInput(
        "The SchemaChangePolicy for Crawl New Folders Only Amazon S3 target can have only LOG "
        "DeleteBehavior value and LOG UpdateBehavior value.");
  }
  if (recrawl == "CRAWL_EVENT_MODE") {
    return InvalidInput("RecrawlBehavior CRAWL_EVENT_MODE is not supported by this server");
  }
  if (m["LakeFormationConfiguration"].value("UseLakeFormationCredentials", false)) {
    return InvalidInput("Lake Formation credentials for crawlers are not supported by this server");
  }
  return absl::OkStatus();
}

void FillDefaults(json& m) {
  json policy = m.value("SchemaChangePolicy", json::object());
  if (!policy.contains("UpdateBehavior")) policy["UpdateBehavior"] = kUpdateInDatabase;
  if (!policy.contains("DeleteBehavior")) policy["DeleteBehavior"] = kDeprecateInDatabase;
  m["SchemaChangePolicy"] = policy;
  json recrawl = m.value("RecrawlPolicy", json::object());
  if (!recrawl.contains("RecrawlBehavior")) recrawl["RecrawlBehavior"] = "CRAWL_EVERYTHING";
  m["RecrawlPolicy"] = recrawl;
  json lineage = m.value("LineageConfiguration", json::object());
  if (!lineage.contains("CrawlerLineageSettings")) lineage["CrawlerLineageSettings"] = "DISABLE";
  m["LineageConfiguration"] = lineage;
  json lake = m.value("LakeFormationConfiguration", json::object());
  if (!lake.contains("UseLakeFormationCredentials")) lake["UseLakeFormationCredentials"] = false;
  if (!lake.contains("AccountId")) lake["AccountId"] = "";
  m["LakeFormationConfiguration"] = lake;
  if (!m.contains("Classifiers")) m["Classifiers"] = json::array();
}

absl::StatusOr<CrawlerDefinition> Finish(json members, const std::string& account_id) {
  FillDefaults(members);
  RETURN_IF_ERROR(CheckDefinition(members));
  ASSIGN_OR_RETURN(std::string role_arn,
                   ResolveRoleArn(members["Role"].get<std::string>(), account_id));
  return CrawlerDefinition{std::move(members), std::move(role_arn)};
}

}  // namespace

absl::StatusOr<CrawlerDefinition> MakeCrawlerDefinition(const json& request,
                                                        const std::string& account_id) {
  json members = json::object();
  for (const char* name : kDefinitionMembers) {
    if (request.contains(name)) members[name] = request[name];
  }
  if (!members.contains("Role")) return InvalidInput("Role is required");
  if (!members.contains("Targets")) return InvalidInput("Targets is required");
  return Finish(std::move(members), account_id);
}

absl::StatusOr<CrawlerDefinition> UpdateCrawlerDefinition(const CrawlerDefinition& current,
                                                          const json& request,
                                                          const std::string& account_id) {
  json members = current.members;
  for (const char* name : kDefinitionMembers) {
    if (!request.contains(name)) continue;
    const json& value = request[name];
    bool removable =
        std::string_view(name) == "Description" || std::string_view(name) == "Schedule" ||
        std::string_view(name) == "TablePrefix" || std::string_view(name) == "Configuration";
    if (removable && value.is_string() && value.get<std::string>().empty()) {
      members.erase(name);
    } else {
      members[name] = value;
    }
  }
  return Finish(std::move(members), account_id);
}

void FillCrawlerViews(Crawler& crawler) {
  const json& m = crawler.definition.members;
  crawler.database_name = m.value("DatabaseName", "");
  crawler.table_prefix = m.value("TablePrefix", "");
  json policy = m.value("SchemaChangePolicy", json::object());
  crawler.update_behavior = policy.value("UpdateBehavior", kUpdateInDatabase);
  crawler.delete_behavior = policy.value("DeleteBehavior", kDeprecateInDatabase);
  crawler.s3_targets.clear();
  for (const json& t : m.value("Targets", json::object()).value("S3Targets", json::array())) {
    CrawlS3Target target;
    target.path = t.value("Path", "");
    if (StartsWith(target.path, "s3://") &&
        target.path.find('/', std::string_view("s3://").size()) == std::string::npos) {
      target.path.push_back('/');
    }
    for (const json& e : t.value("Exclusions", json::array())) {
      if (e.is_string()) target.exclusions.push_back(e.get<std::string>());
    }
    target.sample_size = t.value("SampleSize", int64_t{0});
    crawler.s3_targets.push_back(std::move(target));
  }
}

}  // namespace cleanroom::glue
