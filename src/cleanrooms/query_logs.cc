// Query logs: what CleanRoomsService::OnQueryFinished writes to CloudWatch Logs.
//
// One entry per table the query read, in each recipient's own log group
// "/aws/cleanrooms/<collaboration id>", stream "<recipient's membership id>". Recipients are the
// querier, the accounts that receive the results and the owners of the tables read, each only
// if the collaboration and their membership have query logging ENABLED. An entry is a JSON
// object with AWS's analysis-log fields (eventId, eventTimestamp, collaborationId, status,
// queryText, schemaName, analysisRule ...) plus the querier; configuredTableId only for the
// table's owner, and errorCode / errorMessage for failed queries.
#include <map>
#include <set>

#include "cleanrooms/cleanrooms_service.h"
#include "cleanrooms/service_util.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace cleanroom::cleanrooms {

void CleanRoomsService::OnQueryFinished(const Resource& query) {
  if (query_logs_ == nullptr) return;
  struct TableRef {
    std::string name, owner, configured_table_id;
  };
  std::vector<TableRef> tables;
  std::map<std::string, std::string> membership_of;  // recipient account -> membership id
  bool enabled = false;
  absl::Status read = store_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Resource> collab, tx.Get(kCollaboration, query.collaboration_id));
    if (!collab || Str(collab->doc, "queryLogStatus") != "ENABLED") return absl::OkStatus();
    enabled = true;
    ASSIGN_OR_RETURN(std::vector<Resource> associations, ActiveAssociations(tx, query.collaboration_id));
    std::set<std::string> accounts = {query.account_id};
    for (const std::string& account : StrList(query.doc, "receivers")) accounts.insert(account);
    for (const std::string& name : StrList(query.doc, "tables")) {
      for (const Resource& a : associations) {
        if (ToLower(a.name) != name) continue;
        tables.push_back({a.name, a.account_id, a.parent_id});
        accounts.insert(a.account_id);
      }
    }
    ASSIGN_OR_RETURN(std::vector<Resource> memberships,
                     tx.List(kMembership, Filter{.collaboration_id = query.collaboration_id}));
    for (const Resource& m : memberships) {
      if (accounts.count(m.account_id) && m.status == "ACTIVE" &&
          Str(m.doc, "queryLogStatus") == "ENABLED") {
        membership_of[m.account_id] = m.id;
      }
    }
    return absl::OkStatus();
  });
  if (!read.ok()) {
    Log(LogLevel::kWarning, "cannot write query logs", {{"query", query.id}, {"error", read.ToString()}});
    return;
  }
  if (!enabled || tables.empty()) return;
  const Json& sql = query.doc.contains("sqlParameters") ? query.doc["sqlParameters"] : Json::object();
  for (const auto& [account, membership_id] : membership_of) {
    std::vector<logs::LogEvent> events;
    for (const TableRef& table : tables) {
      Json entry = {{"eventId", query.id},
                    {"eventTimestamp", FormatIso8601Millis(query.update_time_ms * 1000)},
                    {"collaborationId", query.collaboration_id},
                    {"querierAccountId", query.account_id},
                    {"querierMembershipId", query.membership_id},
                    {"status", query.status},
                    {"analysisRule", Str(query.doc, "ruleType")},
                    {"schemaName", table.name}};
      if (sql.contains("queryString")) entry["queryText"] = sql["queryString"];
      if (sql.contains("analysisTemplateArn")) entry["analysisTemplateArn"] = sql["analysisTemplateArn"];
      if (sql.contains("parameters")) entry["parameters"] = sql["parameters"];
      if (table.owner == account) entry["configuredTableId"] = table.configured_table_id;
      if (query.doc.contains("error")) {
        entry["errorCode"] = query.doc["error"].value("code", "");
        entry["errorMessage"] = query.doc["error"].value("message", "");
      }
      events.push_back({query.update_time_ms, entry.dump()});
    }
    absl::Status appended = query_logs_->Append(
        account, StrCat("/aws/cleanrooms/", query.collaboration_id), membership_id, events);
    if (!appended.ok()) {
      Log(LogLevel::kWarning, "cannot write a query log",
          {{"query", query.id}, {"account", account}, {"error", appended.ToString()}});
    }
  }
}

}  // namespace cleanroom::cleanrooms
