// AWS Clean Rooms (restJson1, signing name "cleanrooms"): the control plane.
//
// Routing, request binding and validation against the service model come from
// apimodel::ModeledRestJsonService; this class implements the operations: collaborations and
// their members, memberships, configured tables and their analysis rules, configured table
// associations and their collaboration rules, schemas, analysis templates, protected queries,
// privacy budget templates and privacy budgets, and tags. Model operations not implemented here
// answer 501 NotImplementedException.
//
// Multi-party semantics (docs/aws-compatibility.md has the details):
//  - the caller's account comes from its access key; every view is the caller's own
//    (memberStatus, membershipId ...);
//  - a collaboration is visible to its creator and to members that are INVITED or ACTIVE;
//    to anyone else it does not exist (ResourceNotFoundException, the same answer as for an
//    unknown id), and the same holds for another account's membership, configured table,
//    association, template or protected query;
//  - schemas and collaboration analysis templates are visible to ACTIVE members;
//  - only the creator may update or delete a collaboration or remove members;
//  - a collaboration's privacy budget template is created, changed and deleted by one member
//    that neither queries nor receives results, and shown to ACTIVE members through the
//    collaboration operations and ListPrivacyBudgets.
// Every change is recorded in the audit trail (ResourceStore events), readable by members
// through GET /collaborations/{id}/events (shared events) and by each account for its own
// account-private resources through GET /events.
//
// Protected queries (protected_queries.cc): StartProtectedQuery resolves the query (the SQL,
// or an analysis template with its parameters), where its results go (the request's
// resultConfiguration, else the membership's default) and every table the collaboration
// offers, and has the ProtectedQueryRunner check it against the analysis rules before anything
// is stored. An accepted query is recorded SUBMITTED and returned at once; a QueryExecutor runs
// it on a worker thread, and the service records STARTED and then SUCCESS, FAILED, CANCELLED or
// TIMED_OUT. Queries are private to the querier's account.
#ifndef CLEANROOM_CLEANROOMS_CLEANROOMS_SERVICE_H_
#define CLEANROOM_CLEANROOMS_CLEANROOMS_SERVICE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "apimodel/modeled_rest_json_service.h"
#include "cleanrooms/budget_ledger.h"
#include "cleanrooms/query_executor.h"
#include "cleanrooms/query_runner.h"
#include "cleanrooms/resource_store.h"
#include "common/clock.h"
#include "glue/catalog.h"
#include "iam/role_authorizer.h"
#include "logs/log_store.h"
#include "nlohmann/json.hpp"

namespace cleanroom::cleanrooms {

class CleanRoomsService final : public apimodel::ModeledRestJsonService {
 public:
  // None of the arguments is owned; all must outlive the service. `runner` checks and runs
  // protected queries; without one (nullptr) StartProtectedQuery answers 501
  // NotImplementedException. `query_options` bounds how many queries run at once, how many may
  // wait, and how long one may run.
  CleanRoomsService(ResourceStore* store, glue::Catalog* catalog, iam::RoleAuthorizer* authorizer,
                    const Clock* clock, ProtectedQueryRunner* runner = nullptr,
                    QueryExecutorOptions query_options = {}, logs::LogStore* query_logs = nullptr);
  // Shuts down (see Shutdown).
  ~CleanRoomsService() override;

  // Ends the protected queries that a previous process left unfinished: SUBMITTED and STARTED
  // ones become FAILED (error code SERVER_RESTARTED), CANCELLING ones CANCELLED; and commits the
  // privacy budget charges it left RESERVED (BudgetLedger::SettleInterruptedCharges: their
  // budget stays spent). Call once at startup, before the service answers requests. Returns how
  // many queries it ended.
  absl::StatusOr<int> RecoverInterruptedQueries();

  // The collaborations' differential-privacy budget ledger, for the query path that spends it.
  BudgetLedger& budget_ledger() { return ledger_; }

  // Stops protected queries: waiting ones end FAILED (SERVER_SHUTDOWN), running ones are
  // cancelled and end FAILED (or CANCELLED if their querier had asked for it); then joins the
  // worker threads. Later StartProtectedQuery calls fail with kUnavailable. Idempotent.
  void Shutdown();

  // Blocks until no protected query is waiting or running (tests).
  void WaitForQueriesForTest();

 private:
  using Json = nlohmann::json;
  using Ctx = protocol::CallContext;

  // Collaborations, members and memberships (collaborations.cc).
  absl::StatusOr<Json> CreateCollaboration(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetCollaboration(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListCollaborations(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UpdateCollaboration(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> DeleteCollaboration(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListMembers(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> DeleteMember(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> CreateMembership(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetMembership(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListMemberships(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UpdateMembership(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> DeleteMembership(Ctx& ctx, const Json& in);

  // Configured tables and their analysis rules (configured_tables.cc).
  absl::StatusOr<Json> CreateConfiguredTable(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetConfiguredTable(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListConfiguredTables(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UpdateConfiguredTable(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> DeleteConfiguredTable(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> CreateConfiguredTableAnalysisRule(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetConfiguredTableAnalysisRule(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UpdateConfiguredTableAnalysisRule(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> DeleteConfiguredTableAnalysisRule(Ctx& ctx, const Json& in);

  // Associations, their collaboration rules, and schemas (associations.cc).
  absl::StatusOr<Json> CreateConfiguredTableAssociation(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetConfiguredTableAssociation(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListConfiguredTableAssociations(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UpdateConfiguredTableAssociation(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> DeleteConfiguredTableAssociation(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> CreateAssociationRule(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetAssociationRule(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UpdateAssociationRule(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> DeleteAssociationRule(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListSchemas(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetSchema(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> BatchGetSchema(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetSchemaAnalysisRule(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> BatchGetSchemaAnalysisRule(Ctx& ctx, const Json& in);

  // Analysis templates, tags and the audit trail (templates.cc).
  absl::StatusOr<Json> CreateAnalysisTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetAnalysisTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListAnalysisTemplates(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UpdateAnalysisTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> DeleteAnalysisTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetCollaborationAnalysisTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListCollaborationAnalysisTemplates(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> BatchGetCollaborationAnalysisTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> TagResource(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UntagResource(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListTagsForResource(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListEvents(Ctx& ctx, const Json& in);

  // Privacy budget templates, privacy budgets and their preview (privacy_budgets.cc).
  absl::StatusOr<Json> CreatePrivacyBudgetTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetPrivacyBudgetTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListPrivacyBudgetTemplates(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UpdatePrivacyBudgetTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> DeletePrivacyBudgetTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetCollaborationPrivacyBudgetTemplate(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListCollaborationPrivacyBudgetTemplates(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListPrivacyBudgets(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListCollaborationPrivacyBudgets(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> PreviewPrivacyImpact(Ctx& ctx, const Json& in);

  // Protected queries (protected_queries.cc).
  absl::StatusOr<Json> StartProtectedQuery(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetProtectedQuery(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListProtectedQueries(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> UpdateProtectedQuery(Ctx& ctx, const Json& in);
  // The executor's callbacks: OnQueryStart records STARTED (false if the query is no longer
  // SUBMITTED, e.g. its querier cancelled it); OnQueryEnd records the final state.
  bool OnQueryStart(const std::string& query_id);
  void OnQueryEnd(const std::string& query_id, const QueryEnd& end);
  // Called once for every protected query that has reached a final state (SUCCESS, FAILED,
  // CANCELLED or TIMED_OUT), after that state is committed and outside any transaction,
  // whichever way it got there: on a worker, on cancelling a query that had not started, at
  // shutdown, or at recovery after a restart. Writes the query logs (query_logs.cc): when the
  // collaboration logs queries, the querier, the result receivers and the owners of the tables
  // the query read each get one entry per table in log group /aws/cleanrooms/<collaboration
  // id>, stream <their membership id>, if their membership's queryLogStatus is ENABLED.
  void OnQueryFinished(const Resource& query);

  // Configured audience model associations (Clean Rooms ML, templates.cc): this server has no
  // Clean Rooms ML, so there are never any; the reads answer as AWS does for a collaboration
  // or membership without them, and creating one is 501 NotImplementedException.
  absl::StatusOr<Json> GetCollaborationAudienceModelAssociation(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListCollaborationAudienceModelAssociations(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> GetAudienceModelAssociation(Ctx& ctx, const Json& in);
  absl::StatusOr<Json> ListAudienceModelAssociations(Ctx& ctx, const Json& in);

  // Where a schema's columns come from: the owner's Glue table, restricted to the allowed
  // columns.
  struct ColumnSource {
    std::string account, database, table;
    std::vector<std::string> allowed;
  };
  // The Schema (or, with `columns` null, SchemaSummary) of `association` in `collaboration`,
  // without its columns: with `columns` set, they are described there, to be filled in by
  // FillColumns once the transaction is over (the catalog has transactions of its own).
  absl::StatusOr<Json> SchemaFor(ResourceStore::Tx& tx, const Resource& association,
                                 const Resource& collaboration, ColumnSource* columns);
  // Sets `columns` and `partitionKeys` of `schema`: the allowed columns in the Glue table's
  // order, with their Glue types (none if the table no longer exists).
  void FillColumns(Json& schema, const ColumnSource& columns) const;

  ResourceStore* store_;
  glue::Catalog* catalog_;
  iam::RoleAuthorizer* authorizer_;
  const Clock* clock_;
  ProtectedQueryRunner* runner_;
  logs::LogStore* query_logs_;  // null: no query logs
  BudgetLedger ledger_;
  std::unique_ptr<QueryExecutor> executor_;  // null without a runner
};

}  // namespace cleanroom::cleanrooms

#endif  // CLEANROOM_CLEANROOMS_CLEANROOMS_SERVICE_H_
