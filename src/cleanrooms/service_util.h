// Helpers shared by the Clean Rooms operation implementations: AWS error shapes, ARNs,
// timestamps, paging and the caller-relative views of collaborations. Internal to the module.
#ifndef CLEANROOM_CLEANROOMS_SERVICE_UTIL_H_
#define CLEANROOM_CLEANROOMS_SERVICE_UTIL_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cleanrooms/resource_store.h"
#include "nlohmann/json.hpp"
#include "protocol/service.h"
#include "rules/analysis_rule.h"
#include "rules/context.h"
#include "rules/rule_types.h"

namespace cleanroom::cleanrooms {

using Json = nlohmann::json;

// --- Errors, in the model's shapes ------------------------------------------------------------
// ResourceNotFoundException (404) with resourceId and resourceType (COLLABORATION, MEMBERSHIP,
// CONFIGURED_TABLE, CONFIGURED_TABLE_ASSOCIATION).
absl::Status NotFound(std::string_view resource_type, std::string_view id, std::string_view what);
// ConflictException (409); reason is ALREADY_EXISTS, SUBRESOURCES_EXIST or INVALID_STATE.
absl::Status Conflict(std::string_view reason, std::string_view resource_type, std::string_view id,
                      std::string_view message);
// AccessDeniedException (403), reason INSUFFICIENT_PERMISSIONS.
absl::Status AccessDenied(std::string_view message);
// ValidationException (400) naming `field`; reason FIELD_VALIDATION_FAILED unless given.
absl::Status Invalid(std::string_view message, std::string_view field,
                     std::string_view reason = "FIELD_VALIDATION_FAILED");

// The rule type named `name` (AGGREGATION, LIST, CUSTOM), or ValidationException.
absl::StatusOr<rules::RuleType> RuleTypeOf(std::string_view name);

// The region a resource was created in (its ARNs' region).
std::string RegionOf(const Resource& resource);

// --- Time -------------------------------------------------------------------------------------
// Epoch seconds with millisecond precision, as the API renders timestamps.
Json Seconds(int64_t ms);

// --- ARNs ------------------------------------------------------------------------------------
std::string CollaborationArn(std::string_view region, std::string_view account,
                             std::string_view id);
std::string MembershipArn(std::string_view region, std::string_view account, std::string_view id);
std::string ConfiguredTableArn(std::string_view region, std::string_view account,
                               std::string_view id);
// arn:aws:cleanrooms:<region>:<account>:membership/<membership>/configuredtableassociation/<id>
std::string AssociationArn(std::string_view region, std::string_view account,
                           std::string_view membership_id, std::string_view id);
std::string AnalysisTemplateArn(std::string_view region, std::string_view account,
                                std::string_view membership_id, std::string_view id);

struct ParsedArn {
  std::string region;
  std::string account;
  std::vector<std::string> path;  // "membership/m/analysistemplate/t" -> {membership, m, ...}
};
// Parses arn:aws:cleanrooms:<region>:<account>:<path>; nullopt if it is not one.
std::optional<ParsedArn> ParseCleanRoomsArn(std::string_view arn);

// --- Paging -----------------------------------------------------------------------------------
// One list item with the key it is ordered by (newest first: create time, then id, both
// descending), which is also what a nextToken remembers.
struct PageItem {
  int64_t create_time_ms;
  std::string id;
  Json value;
};
struct Page {
  Json items = Json::array();
  std::optional<std::string> next_token;
};
// The page of `items` (already in order) that `input`'s nextToken / maxResults select; pages
// hold at most 100 items. A token that is not one this server issued is a
// ValidationException. Tokens hold the last key returned, so items created or deleted
// between calls never make a listing repeat or skip a surviving item.
absl::StatusOr<Page> Paginate(std::vector<PageItem> items, const Json& input);
// Renders `page` as {<list_member>: [...], "nextToken"?: ...}.
Json PageJson(const Page& page, std::string_view list_member);

// --- Input helpers ----------------------------------------------------------------------------
std::string Str(const Json& in, std::string_view member);  // "" when absent
// The `tags` member of a Create/TagResource input ({} when absent).
std::map<std::string, std::string> TagsOf(const Json& in);
// The region of the request's signature scope, where new resources are created.
std::string RequestRegion(const protocol::CallContext& ctx);
std::vector<std::string> StrList(const Json& in, std::string_view member);
bool Contains(const std::vector<std::string>& list, std::string_view value);

// --- Collaboration views ---------------------------------------------------------------------
// The member row id of `account` in `collaboration_id`.
std::string MemberId(std::string_view collaboration_id, std::string_view account);

// What a caller may see of a collaboration: the collaboration, the caller's own member row.
struct CollaborationView {
  Resource collaboration;
  Resource member;  // the caller's member row
  bool is_creator = false;
  bool active() const { return member.status == "ACTIVE"; }
};
// The collaboration `id` as `account` may see it: it exists and the caller is its creator or
// an INVITED or ACTIVE member. Otherwise ResourceNotFoundException (COLLABORATION), the same
// answer for a collaboration that does not exist.
absl::StatusOr<CollaborationView> ViewCollaboration(ResourceStore::Tx& tx, std::string_view account,
                                                    std::string_view id);
// As ViewCollaboration, and the caller must be an ACTIVE member (else AccessDeniedException).
absl::StatusOr<CollaborationView> ViewAsActiveMember(ResourceStore::Tx& tx,
                                                     std::string_view account, std::string_view id);
// The caller's own membership `id` (ResourceNotFoundException MEMBERSHIP otherwise).
absl::StatusOr<Resource> OwnMembership(ResourceStore::Tx& tx, std::string_view account,
                                       std::string_view id);
// As OwnMembership, and the membership must be ACTIVE (ConflictException INVALID_STATE).
absl::StatusOr<Resource> ActiveOwnMembership(ResourceStore::Tx& tx, std::string_view account,
                                             std::string_view id);

// The collaboration's members as the rules module sees them.
absl::StatusOr<std::vector<Resource>> Members(ResourceStore::Tx& tx,
                                              std::string_view collaboration_id);

// The associations of a collaboration that its members see as schemas and may query: those
// whose membership is ACTIVE. Newest first.
absl::StatusOr<std::vector<Resource>> ActiveAssociations(ResourceStore::Tx& tx,
                                                         std::string_view collaboration_id);

// `members` (member rows) as the rules module sees them.
rules::CollaborationContext CollaborationContextOf(const std::vector<Resource>& members);

// Checks that a configured table whose analysis rule is `rule` may have it while associated
// with collaboration `collaboration_id` as `association_name`, by `owner`
// (rules::ValidateDifferentialPrivacyInCollaboration, against the collaboration's members and
// its other active associations with differential privacy; the association `association_id`
// itself, if it exists yet, is not compared with). OK when `rule` does not turn differential
// privacy on. Errors are ValidationExceptions on `path`.
absl::Status CheckDifferentialPrivacyPlacement(ResourceStore::Tx& tx, std::string_view path,
                                               std::string_view collaboration_id,
                                               std::string_view association_id,
                                               std::string_view association_name,
                                               std::string_view owner,
                                               const rules::TableRule& rule);

// The analysis template (of any member) of `collaboration_id` that `arn` names, or nullopt.
absl::StatusOr<std::optional<Resource>> TemplateByArn(ResourceStore::Tx& tx,
                                                      std::string_view collaboration_id,
                                                      std::string_view arn);

// An audit event for a change made now by `account`.
Event MakeEvent(int64_t now_ms, std::string_view account, std::string_view collaboration_id,
                bool shared, std::string_view operation, std::string_view resource_type,
                std::string_view resource_id, Json details = Json::object());

}  // namespace cleanroom::cleanrooms

#endif  // CLEANROOM_CLEANROOMS_SERVICE_UTIL_H_
