// Durable state of the Clean Rooms control plane, on the metadata database (migration 4, and
// migration 6 for the privacy budget ledger).
//
// Every resource is a Resource row: the keys the service finds it by (kind + id, the owning
// account, the collaboration / membership / parent it belongs to, its name and status) and
// the rest of its state as a JSON document the service owns. Relationships and invariants
// (who may see what, what depends on what) are the service's business; the store only keeps
// rows, tags and audit events, and gives transactions:
//
//   RETURN_IF_ERROR(store.Write([&](ResourceStore::Tx& tx) -> absl::Status {
//     ASSIGN_OR_RETURN(std::optional<Resource> c, tx.Get(kCollaboration, id));
//     ...
//     return tx.Put(updated);
//   }));
//
// A Write body's changes are committed (durably) together or not at all; bodies run one after
// another, so a check made inside a body still holds when its changes commit.
#ifndef CLEANROOM_CLEANROOMS_RESOURCE_STORE_H_
#define CLEANROOM_CLEANROOMS_RESOURCE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "store/database.h"

namespace cleanroom::cleanrooms {

// Resource kinds (the `kind` column).
inline constexpr std::string_view kCollaboration = "collaboration";
inline constexpr std::string_view kMember = "member";  // id = "<collaboration id>/<account>"
inline constexpr std::string_view kMembership = "membership";
inline constexpr std::string_view kConfiguredTable = "configured_table";
// id = "<configured table id>/<rule type>", parent = configured table id.
inline constexpr std::string_view kTableRule = "table_rule";
inline constexpr std::string_view kAssociation = "association";
// id = "<association id>/<rule type>", parent = association id.
inline constexpr std::string_view kAssociationRule = "association_rule";
inline constexpr std::string_view kAnalysisTemplate = "analysis_template";
// Account-private: account_id = the querier, membership_id = its membership.
inline constexpr std::string_view kProtectedQuery = "protected_query";
// At most one per collaboration; account_id / membership_id = the member that created it.
inline constexpr std::string_view kPrivacyBudgetTemplate = "privacy_budget_template";

struct Resource {
  std::string kind;
  std::string id;
  std::string account_id;  // the owner (creator of a collaboration, the member of a member row)
  std::string collaboration_id;
  std::string membership_id;
  std::string parent_id;
  std::string name;
  std::string status;
  int64_t create_time_ms = 0;
  int64_t update_time_ms = 0;
  nlohmann::json doc = nlohmann::json::object();
};

// Which rows List returns: every set field must match exactly.
struct Filter {
  std::optional<std::string> account_id;
  std::optional<std::string> collaboration_id;
  std::optional<std::string> membership_id;
  std::optional<std::string> parent_id;
  std::optional<std::string> name;
  std::optional<std::string> status;
};

// One entry of the audit trail.
struct Event {
  int64_t seq = 0;
  int64_t time_ms = 0;
  std::string account_id;        // who made the change
  std::string collaboration_id;  // "" for account-private resources (configured tables)
  // Shared events are visible to every member of the collaboration; the others only to
  // `account_id`.
  bool shared = false;
  std::string operation;  // the API operation, e.g. "CreateConfiguredTableAssociation"
  std::string resource_type;
  std::string resource_id;
  nlohmann::json details = nlohmann::json::object();  // what changed
};

// The privacy budget spent in one collaboration and period (cr_budget_ledger).
struct LedgerEntry {
  std::string collaboration_id;
  std::string period;  // "YYYY-MM" (UTC) or "LIFETIME"
  int64_t consumed_units = 0;
  int users_noise = 0;  // the usersNoisePerQuery consumed_units are counted in
  int64_t update_time_ms = 0;
};

// One query's charge against a privacy budget (cr_budget_charges).
struct BudgetCharge {
  std::string query_id;
  std::string collaboration_id;
  std::string period;
  int64_t units = 0;
  int users_noise = 0;  // the usersNoisePerQuery `units` are counted in
  std::string status;   // RESERVED, COMMITTED or REFUNDED
  std::string reason;   // why it was refunded or settled
  int64_t create_time_ms = 0;
  int64_t update_time_ms = 0;
};

class ResourceStore {
 public:
  // The operations available inside Read and Write bodies (Put, Delete, SetTags and Record
  // fail inside Read). Only valid during the body it was passed to.
  class Tx {
   public:
    explicit Tx(store::Connection& c) : c_(c) {}
    absl::StatusOr<std::optional<Resource>> Get(std::string_view kind, std::string_view id);
    // Rows of `kind` matching `filter`, newest first (create time, then id, descending).
    absl::StatusOr<std::vector<Resource>> List(std::string_view kind, const Filter& filter);
    absl::StatusOr<int64_t> Count(std::string_view kind, const Filter& filter);
    // Inserts or replaces the row (kind, id).
    absl::Status Put(const Resource& resource);
    absl::Status Delete(std::string_view kind, std::string_view id);

    absl::StatusOr<std::map<std::string, std::string>> Tags(std::string_view arn);
    // Sets (adds or overwrites) `tags` on `arn`.
    absl::Status SetTags(std::string_view arn, const std::map<std::string, std::string>& tags);
    absl::Status RemoveTags(std::string_view arn, const std::vector<std::string>& keys);
    absl::Status RemoveAllTags(std::string_view arn);

    // Appends `event` (its seq is assigned).
    absl::Status Record(const Event& event);
    // Events of `collaboration_id` visible to `account_id` (shared ones and its own), or with
    // an empty collaboration id the account's own private events; oldest first, after
    // `after_seq`, at most `limit`.
    absl::StatusOr<std::vector<Event>> Events(std::string_view account_id,
                                              std::string_view collaboration_id, int64_t after_seq,
                                              int limit);

    // The privacy budget ledger. GetLedger is nullopt for a period nothing was spent in.
    absl::StatusOr<std::optional<LedgerEntry>> GetLedger(std::string_view collaboration_id,
                                                         std::string_view period);
    // Inserts or replaces the entry (collaboration_id, period).
    absl::Status PutLedger(const LedgerEntry& entry);
    absl::StatusOr<std::optional<BudgetCharge>> GetCharge(std::string_view query_id);
    // Inserts or replaces the charge of charge.query_id.
    absl::Status PutCharge(const BudgetCharge& charge);
    // Every charge in `status`, oldest first.
    absl::StatusOr<std::vector<BudgetCharge>> ChargesIn(std::string_view status);

   private:
    store::Connection& c_;
  };

  // `db` (with store::SchemaMigrations applied) is not owned and must outlive the store.
  explicit ResourceStore(store::Database* db) : db_(db) {}

  absl::Status Read(const std::function<absl::Status(Tx&)>& body);
  absl::Status Write(const std::function<absl::Status(Tx&)>& body);

 private:
  store::Database* db_;
};

}  // namespace cleanroom::cleanrooms

#endif  // CLEANROOM_CLEANROOMS_RESOURCE_STORE_H_
