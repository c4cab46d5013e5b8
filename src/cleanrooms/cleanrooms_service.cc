// The service's operation table, and the life of the service itself.
#include "cleanrooms/cleanrooms_service.h"

#include <utility>

namespace cleanroom::cleanrooms {

CleanRoomsService::CleanRoomsService(ResourceStore* store, glue::Catalog* catalog,
                                     iam::RoleAuthorizer* authorizer, const Clock* clock,
                                     ProtectedQueryRunner* runner,
                                     QueryExecutorOptions query_options, logs::LogStore* query_logs)
    : apimodel::ModeledRestJsonService(apimodel::CleanRoomsModel()),
      store_(store),
      catalog_(catalog),
      authorizer_(authorizer),
      clock_(clock),
      runner_(runner),
      query_logs_(query_logs),
      ledger_(store, clock) {
#define CLEANROOMS_BIND(op, method) \
  Bind(op, [this](Ctx& ctx, const Json& in) { return method(ctx, in); })
  CLEANROOMS_BIND("CreateCollaboration", CreateCollaboration);
  CLEANROOMS_BIND("GetCollaboration", GetCollaboration);
  CLEANROOMS_BIND("ListCollaborations", ListCollaborations);
  CLEANROOMS_BIND("UpdateCollaboration", UpdateCollaboration);
  CLEANROOMS_BIND("DeleteCollaboration", DeleteCollaboration);
  CLEANROOMS_BIND("ListMembers", ListMembers);
  CLEANROOMS_BIND("DeleteMember", DeleteMember);
  CLEANROOMS_BIND("CreateMembership", CreateMembership);
  CLEANROOMS_BIND("GetMembership", GetMembership);
  CLEANROOMS_BIND("ListMemberships", ListMemberships);
  CLEANROOMS_BIND("UpdateMembership", UpdateMembership);
  CLEANROOMS_BIND("DeleteMembership", DeleteMembership);
  CLEANROOMS_BIND("CreateConfiguredTable", CreateConfiguredTable);
  CLEANROOMS_BIND("GetConfiguredTable", GetConfiguredTable);
  CLEANROOMS_BIND("ListConfiguredTables", ListConfiguredTables);
  CLEANROOMS_BIND("UpdateConfiguredTable", UpdateConfiguredTable);
  CLEANROOMS_BIND("DeleteConfiguredTable", DeleteConfiguredTable);
  CLEANROOMS_BIND("CreateConfiguredTableAnalysisRule", CreateConfiguredTableAnalysisRule);
  CLEANROOMS_BIND("GetConfiguredTableAnalysisRule", GetConfiguredTableAnalysisRule);
  CLEANROOMS_BIND("UpdateConfiguredTableAnalysisRule", UpdateConfiguredTableAnalysisRule);
  CLEANROOMS_BIND("DeleteConfiguredTableAnalysisRule", DeleteConfiguredTableAnalysisRule);
  CLEANROOMS_BIND("CreateConfiguredTableAssociation", CreateConfiguredTableAssociation);
  CLEANROOMS_BIND("GetConfiguredTableAssociation", GetConfiguredTableAssociation);
  CLEANROOMS_BIND("ListConfiguredTableAssociations", ListConfiguredTableAssociations);
  CLEANROOMS_BIND("UpdateConfiguredTableAssociation", UpdateConfiguredTableAssociation);
  CLEANROOMS_BIND("DeleteConfiguredTableAssociation", DeleteConfiguredTableAssociation);
  CLEANROOMS_BIND("CreateConfiguredTableAssociationAnalysisRule", CreateAssociationRule);
  CLEANROOMS_BIND("GetConfiguredTableAssociationAnalysisRule", GetAssociationRule);
  CLEANROOMS_BIND("UpdateConfiguredTableAssociationAnalysisRule", UpdateAssociationRule);
  CLEANROOMS_BIND("DeleteConfiguredTableAssociationAnalysisRule", DeleteAssociationRule);
  CLEANROOMS_BIND("ListSchemas", ListSchemas);
  CLEANROOMS_BIND("GetSchema", GetSchema);
  CLEANROOMS_BIND("BatchGetSchema", BatchGetSchema);
  CLEANROOMS_BIND("GetSchemaAnalysisRule", GetSchemaAnalysisRule);
  CLEANROOMS_BIND("BatchGetSchemaAnalysisRule", BatchGetSchemaAnalysisRule);
  CLEANROOMS_BIND("CreateAnalysisTemplate", CreateAnalysisTemplate);
  CLEANROOMS_BIND("GetAnalysisTemplate", GetAnalysisTemplate);
  CLEANROOMS_BIND("ListAnalysisTemplates", ListAnalysisTemplates);
  CLEANROOMS_BIND("UpdateAnalysisTemplate", UpdateAnalysisTemplate);
  CLEANROOMS_BIND("DeleteAnalysisTemplate", DeleteAnalysisTemplate);
  CLEANROOMS_BIND("GetCollaborationAnalysisTemplate", GetCollaborationAnalysisTemplate);
  CLEANROOMS_BIND("ListCollaborationAnalysisTemplates", ListCollaborationAnalysisTemplates);
  CLEANROOMS_BIND("BatchGetCollaborationAnalysisTemplate", BatchGetCollaborationAnalysisTemplate);
  CLEANROOMS_BIND("StartProtectedQuery", StartProtectedQuery);
  CLEANROOMS_BIND("GetProtectedQuery", GetProtectedQuery);
  CLEANROOMS_BIND("ListProtectedQueries", ListProtectedQueries);
  CLEANROOMS_BIND("UpdateProtectedQuery", UpdateProtectedQuery);
  CLEANROOMS_BIND("CreatePrivacyBudgetTemplate", CreatePrivacyBudgetTemplate);
  CLEANROOMS_BIND("GetPrivacyBudgetTemplate", GetPrivacyBudgetTemplate);
  CLEANROOMS_BIND("ListPrivacyBudgetTemplates", ListPrivacyBudgetTemplates);
  CLEANROOMS_BIND("UpdatePrivacyBudgetTemplate", UpdatePrivacyBudgetTemplate);
  CLEANROOMS_BIND("DeletePrivacyBudgetTemplate", DeletePrivacyBudgetTemplate);
  CLEANROOMS_BIND("GetCollaborationPrivacyBudgetTemplate", GetCollaborationPrivacyBudgetTemplate);
  CLEANROOMS_BIND("ListCollaborationPrivacyBudgetTemplates",
                  ListCollaborationPrivacyBudgetTemplates);
  CLEANROOMS_BIND("ListPrivacyBudgets", ListPrivacyBudgets);
  CLEANROOMS_BIND("ListCollaborationPrivacyBudgets", ListCollaborationPrivacyBudgets);
  CLEANROOMS_BIND("PreviewPrivacyImpact", PreviewPrivacyImpact);
  CLEANROOMS_BIND("TagResource", TagResource);
  CLEANROOMS_BIND("UntagResource", UntagResource);
  CLEANROOMS_BIND("ListTagsForResource", ListTagsForResource);
  CLEANROOMS_BIND("GetCollaborationConfiguredAudienceModelAssociation",
                  GetCollaborationAudienceModelAssociation);
  CLEANROOMS_BIND("ListCollaborationConfiguredAudienceModelAssociations",
                  ListCollaborationAudienceModelAssociations);
  CLEANROOMS_BIND("GetConfiguredAudienceModelAssociation", GetAudienceModelAssociation);
  CLEANROOMS_BIND("ListConfiguredAudienceModelAssociations", ListAudienceModelAssociations);
#undef CLEANROOMS_BIND
  BindExtension("GET", "/collaborations/{collaborationIdentifier}/events", "ListEvents",
                [this](Ctx& ctx, const Json& in) { return ListEvents(ctx, in); });
  BindExtension("GET", "/events", "ListAccountEvents",
                [this](Ctx& ctx, const Json& in) { return ListEvents(ctx, in); });
  if (runner_ != nullptr) {
    QueryExecutor::Callbacks callbacks;
    callbacks.on_start = [this](const std::string& id) { return OnQueryStart(id); };
    callbacks.on_end = [this](const std::string& id, const QueryEnd& end) { OnQueryEnd(id, end); };
    executor_ = std::make_unique<QueryExecutor>(runner_, std::move(callbacks), query_options);
  }
}

CleanRoomsService::~CleanRoomsService() { Shutdown(); }

void CleanRoomsService::Shutdown() {
  if (executor_) executor_->Shutdown();
}

void CleanRoomsService::WaitForQueriesForTest() {
  if (executor_) executor_->WaitIdleForTest();
}

}  // namespace cleanroom::cleanrooms
