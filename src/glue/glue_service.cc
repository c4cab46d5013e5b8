#include "glue/glue_service.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/status_macros.h"
#include "common/strings.h"
#include "glue/crawler_definition.h"
#include "glue/glue_render.h"
#include "glue/names.h"
#include "glue/shapes.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;
using protocol::CallContext;

using GlueOperation = std::function<absl::StatusOr<json>(CallContext& ctx, const json& input)>;

// Wraps an operation: checks the request against the operation's shape (so `fn` sees only
// model members of the right types) and that a CatalogId, if given, is the caller's own.
protocol::JsonOperation Checked(std::string operation, GlueOperation fn) {
  return [operation = std::move(operation), fn = std::move(fn)](
             CallContext& ctx, const json& raw) -> absl::StatusOr<json> {
    const Shape* shape = RequestShape(operation);
    ASSIGN_OR_RETURN(json input, ValidateShape(raw, *shape));
    if (input.contains("CatalogId") &&
        input["CatalogId"].get<std::string>() != ctx.caller.account_id) {
      // Another account's catalog is invisible, as if it did not exist.
      return EntityNotFound(
          StrCat("Catalog ", input["CatalogId"].get<std::string>(), " not found."));
    }
    return fn(ctx, input);
  };
}

int MaxResults(const json& in, int default_value) {
  return in.contains("MaxResults") ? in["MaxResults"].get<int>() : default_value;
}

std::string Str(const json& in, const char* name) { return in.value(name, ""); }

std::map<std::string, std::string> TagMap(const json& in) {
  std::map<std::string, std::string> out;
  auto it = in.find("Tags");
  if (it == in.end()) return out;
  for (const auto& [k, v] : it->items()) out[k] = v.get<std::string>();
  return out;
}

std::vector<std::string> StringList(const json& list) {
  std::vector<std::string> out;
  for (const json& v : list) out.push_back(v.get<std::string>());
  return out;
}

}  // namespace

GlueService::GlueService(Catalog* catalog, CrawlRunner* runner, const Clock* clock)
    : JsonRpcService("glue", "AWSGlue"),
      catalog_(catalog),
      clock_(clock),
      crawls_(std::make_unique<CrawlerController>(catalog, runner)) {
  RegisterDatabaseOperations();
  RegisterTableOperations();
  RegisterPartitionOperations();
  RegisterCrawlerOperations();
}

GlueService::~GlueService() { crawls_->Shutdown(); }

void GlueService::RegisterDatabaseOperations() {
  Register(
      "CreateDatabase",
      Checked("CreateDatabase", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        RETURN_IF_ERROR(catalog_->CreateDatabase(ctx.caller.account_id, in["DatabaseInput"]));
        return json::object();
      }));
  Register("GetDatabase",
           Checked("GetDatabase", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
             ASSIGN_OR_RETURN(Database d,
                              catalog_->GetDatabase(ctx.caller.account_id, Str(in, "Name")));
             return json{{"Database", RenderDatabase(d)}};
           }));
  Register(
      "GetDatabases",
      Checked("GetDatabases", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        std::vector<std::string> attributes =
            StringList(in.value("AttributesToGet", json::array()));
        bool names_only = !attributes.empty();
        if (names_only &&
            std::find(attributes.begin(), attributes.end(), "NAME") == attributes.end()) {
          return InvalidInput("AttributesToGet must include NAME");
        }
        json list = json::array();
        json out = json::object();
        std::string share = Str(in, "ResourceShareType");
        if (share == "FOREIGN" || share == "FEDERATED") {
          // No database is shared with or federated into this account.
          out["DatabaseList"] = list;
          return out;
        }
        ASSIGN_OR_RETURN(Page<Database> page,
                         catalog_->ListDatabases(ctx.caller.account_id, Str(in, "NextToken"),
                                                 MaxResults(in, 100)));
        for (const Database& d : page.items) {
          list.push_back(names_only ? RenderDatabaseName(d) : RenderDatabase(d));
        }
        out["DatabaseList"] = list;
        if (!page.next_token.empty()) out["NextToken"] = page.next_token;
        return out;
      }));
  Register(
      "UpdateDatabase",
      Checked("UpdateDatabase", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        RETURN_IF_ERROR(
            catalog_->UpdateDatabase(ctx.caller.account_id, Str(in, "Name"), in["DatabaseInput"]));
        return json::object();
      }));
  Register(
      "DeleteDatabase",
      Checked("DeleteDatabase", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        RETURN_IF_ERROR(catalog_->DeleteDatabase(ctx.caller.account_id, Str(in, "Name")));
        return json::object();
      }));
}

void GlueService::RegisterTableOperations() {
  Register("CreateTable",
           Checked("CreateTable", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
             if (in.contains("OpenTableFormatInput")) {
               return InvalidInput(
                   "OpenTableFormatInput (Iceberg tables) is not supported by "
                   "this server");
             }
             if (!in.contains("TableInput")) return InvalidInput("TableInput is required");
             json table_input = in["TableInput"];
             if (in.contains("Name") &&
                 FoldName(Str(in, "Name")) != FoldName(table_input["Name"].get<std::string>())) {
               return InvalidInput("Name and TableInput.Name must be the same table");
             }
             RETURN_IF_ERROR(catalog_->CreateTable(ctx.caller.account_id, Str(in, "DatabaseName"),
                                                   table_input, ctx.caller.arn));
             return json::object();
           }));
  Register("GetTable",
           Checked("GetTable", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
             ASSIGN_OR_RETURN(Table t,
                              catalog_->GetTable(ctx.caller.account_id, Str(in, "DatabaseName"),
                                                 Str(in, "Name")));
             return json{{"Table", RenderTable(t)}};
           }));
  Register("GetTables",
           Checked("GetTables", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
             std::vector<std::string> attributes =
                 StringList(in.value("AttributesToGet", json::array()));
             bool limited = !attributes.empty();
             bool with_type =
                 std::find(attributes.begin(), attributes.end(), "TABLE_TYPE") != attributes.end();
             if (limited &&
                 std::find(attributes.begin(), attributes.end(), "NAME") == attributes.end()) {
               return InvalidInput("AttributesToGet must include NAME");
             }
             ASSIGN_OR_RETURN(Page<Table> page,
                              catalog_->ListTables(ctx.caller.account_id, Str(in, "DatabaseName"),
                                                   Str(in, "Expression"), Str(in, "NextToken"),
                                                   MaxResults(in, 100)));
             json list = json::array();
             for (const Table& t : page.items) {
               if (!limited) {
                 list.push_back(RenderTable(t));
                 continue;
               }
               json entry = {{"Name", t.name}};
               if (with_type && !t.table_type.empty()) entry["TableType"] = t.table_type;
               list.push_back(std::move(entry));
             }
             json out = {{"TableList", list}};
             if (!page.next_token.empty()) out["NextToken"] = page.next_token;
             return out;
           }));
  Register("UpdateTable",
           Checked("UpdateTable", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
             if (in.contains("UpdateOpenTableFormatInput")) {
               return InvalidInput(
                   "UpdateOpenTableFormatInput (Iceberg tables) is not supported "
                   "by this server");
             }
             if (!in.contains("TableInput")) return InvalidInput("TableInput is required");
             if (in.contains("Name") && FoldName(Str(in, "Name")) !=
                                            FoldName(in["TableInput"]["Name"].get<std::string>())) {
               return InvalidInput("A table cannot be renamed: Name and TableInput.Name differ");
             }
             std::optional<std::string> version;
             if (in.contains("VersionId")) version = Str(in, "VersionId");
             RETURN_IF_ERROR(catalog_->UpdateTable(ctx.caller.account_id, Str(in, "DatabaseName"),
                                                   in["TableInput"], version));
             return json::object();
           }));
  Register("DeleteTable",
           Checked("DeleteTable", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
             RETURN_IF_ERROR(catalog_->DeleteTable(ctx.caller.account_id, Str(in, "DatabaseName"),
                                                   Str(in, "Name")));
             return json::object();
           }));
  Register(
      "BatchDeleteTable",
      Checked("BatchDeleteTable", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        ASSIGN_OR_RETURN(std::vector<BatchError> errors,
                         catalog_->BatchDeleteTables(ctx.caller.account_id, Str(in, "DatabaseName"),
                                                     StringList(in["TablesToDelete"])));
        json list = json::array();
        for (const BatchError& e : errors) list.push_back(RenderTableError(e));
        return json{{"Errors", list}};
      }));
}

void GlueService::RegisterPartitionOperations() {
  Register(
      "CreatePartition",
      Checked("CreatePartition", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        RETURN_IF_ERROR(catalog_->CreatePartition(ctx.caller.account_id, Str(in, "DatabaseName"),
                                                  Str(in, "TableName"), in["PartitionInput"]));
        return json::object();
      }));
  Register("BatchCreatePartition",
           Checked("BatchCreatePartition",
                   [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
                     std::vector<json> inputs(in["PartitionInputList"].begin(),
                                              in["PartitionInputList"].end());
                     ASSIGN_OR_RETURN(std::vector<BatchError> errors,
                                      catalog_->BatchCreatePartitions(
                                          ctx.caller.account_id, Str(in, "DatabaseName"),
                                          Str(in, "TableName"), inputs));
                     json list = json::array();
                     for (const BatchError& e : errors) list.push_back(RenderPartitionError(e));
                     return json{{"Errors", list}};
                   }));
  Register(
      "GetPartition",
      Checked("GetPartition", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        ASSIGN_OR_RETURN(Partition p, catalog_->GetPartition(
                                          ctx.caller.account_id, Str(in, "DatabaseName"),
                                          Str(in, "TableName"), StringList(in["PartitionValues"])));
        return json{{"Partition", RenderPartition(p)}};
      }));
  Register(
      "GetPartitions",
      Checked("GetPartitions", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        int segment = 0;
        int total = 1;
        if (in.contains("Segment")) {
          segment = in["Segment"]["SegmentNumber"].get<int>();
          total = in["Segment"]["TotalSegments"].get<int>();
        }
        ASSIGN_OR_RETURN(
            Page<Partition> page,
            catalog_->ListPartitions(ctx.caller.account_id, Str(in, "DatabaseName"),
                                     Str(in, "TableName"), Str(in, "Expression"),
                                     Str(in, "NextToken"), MaxResults(in, 1000), segment, total));
        bool exclude = in.value("ExcludeColumnSchema", false);
        json list = json::array();
        for (const Partition& p : page.items) list.push_back(RenderPartition(p, exclude));
        json out = {{"Partitions", list}};
        if (!page.next_token.empty()) out["NextToken"] = page.next_token;
        return out;
      }));
}

void GlueService::RegisterCrawlerOperations() {
  Register(
      "CreateCrawler",
      Checked("CreateCrawler", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        ASSIGN_OR_RETURN(CrawlerDefinition def, MakeCrawlerDefinition(in, ctx.caller.account_id));
        std::map<std::string, std::string> tags = TagMap(in);
        RETURN_IF_ERROR(catalog_->CreateCrawler(ctx.caller.account_id, Str(in, "Name"), def, tags));
        return json::object();
      }));
  Register("GetCrawler",
           Checked("GetCrawler", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
             ASSIGN_OR_RETURN(Crawler c,
                              catalog_->GetCrawler(ctx.caller.account_id, Str(in, "Name")));
             return json{{"Crawler", RenderCrawler(c, clock_->NowMicros())}};
           }));
  Register("GetCrawlers",
           Checked("GetCrawlers", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
             ASSIGN_OR_RETURN(Page<Crawler> page,
                              catalog_->ListCrawlers(ctx.caller.account_id, Str(in, "NextToken"),
                                                     MaxResults(in, 100)));
             int64_t now = clock_->NowMicros();
             json list = json::array();
             for (const Crawler& c : page.items) list.push_back(RenderCrawler(c, now));
             json out = {{"Crawlers", list}};
             if (!page.next_token.empty()) out["NextToken"] = page.next_token;
             return out;
           }));
  Register(
      "ListCrawlers",
      Checked("ListCrawlers", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        std::map<std::string, std::string> tags = TagMap(in);
        ASSIGN_OR_RETURN(Page<Crawler> page,
                         catalog_->ListCrawlers(ctx.caller.account_id, Str(in, "NextToken"),
                                                MaxResults(in, 100), tags));
        json names = json::array();
        for (const Crawler& c : page.items) names.push_back(c.name);
        json out = {{"CrawlerNames", names}};
        if (!page.next_token.empty()) out["NextToken"] = page.next_token;
        return out;
      }));
  Register(
      "UpdateCrawler",
      Checked("UpdateCrawler", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        const std::string account = ctx.caller.account_id;
        RETURN_IF_ERROR(
            catalog_->UpdateCrawler(account, Str(in, "Name"), [&](const Crawler& current) {
              return UpdateCrawlerDefinition(current.definition, in, account);
            }));
        return json::object();
      }));
  Register(
      "StartCrawler",
      Checked("StartCrawler", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        RETURN_IF_ERROR(crawls_->Start(ctx.caller.account_id, Str(in, "Name")));
        return json::object();
      }));
  Register("StopCrawler",
           Checked("StopCrawler", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
             RETURN_IF_ERROR(crawls_->Stop(ctx.caller.account_id, Str(in, "Name")));
             return json::object();
           }));
  Register(
      "DeleteCrawler",
      Checked("DeleteCrawler", [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
        RETURN_IF_ERROR(catalog_->DeleteCrawler(ctx.caller.account_id, Str(in, "Name")));
        return json::object();
      }));
  Register("GetCrawlerMetrics",
           Checked("GetCrawlerMetrics",
                   [this](CallContext& ctx, const json& in) -> absl::StatusOr<json> {
                     ASSIGN_OR_RETURN(Page<CrawlerMetrics> page,
                                      catalog_->GetCrawlerMetrics(
                                          ctx.caller.account_id,
                                          StringList(in.value("CrawlerNameList", json::array())),
                                          Str(in, "NextToken"), MaxResults(in, 100)));
                     json list = json::array();
                     for (const CrawlerMetrics& m : page.items)
                       list.push_back(RenderCrawlerMetrics(m));
                     json out = {{"CrawlerMetricsList", list}};
                     if (!page.next_token.empty()) out["NextToken"] = page.next_token;
                     return out;
                   }));
}

}  // namespace cleanroom::glue
