// The differential-privacy budget ledger of Clean Rooms collaborations.
//
// A collaboration with a privacy budget template (kPrivacyBudgetTemplate) has a budget of
// dp::BudgetUnits(epsilon, usersNoisePerQuery) cost units per period: the UTC calendar month
// ("YYYY-MM") when the template's autoRefresh is CALENDAR_MONTH, its whole life ("LIFETIME")
// when it is NONE. A query that will aggregate protected data spends units in three steps:
//
//   ASSIGN_OR_RETURN(BudgetReservation r, ledger.ReserveBudget(collaboration, query_id, units));
//   ... read data, add noise ...           // only after ReserveBudget returned OK
//   RETURN_IF_ERROR(ledger.CommitCharge(query_id));
//
// or, when it fails before any protected data was read, ledger.RefundCharge(query_id, why).
// ReserveBudget checks and deducts in one write transaction that is committed (durably) before
// it returns, so spend is on disk before any data is touched, and concurrent reservations can
// never overspend. A charge left RESERVED stays spent: after a crash nobody can tell whether its
// query read data, so SettleInterruptedCharges (at start-up) commits them.
//
// Spend belongs to the collaboration, not to the template: deleting and re-creating the template
// gives no budget back. A unit spends rho = 1/(2 N^2), N being usersNoisePerQuery, so spend is
// recorded with the N it was counted in and converted (rounded up) when N changes; changing
// epsilon changes only the total, and what remains is max(0, total - consumed).
#ifndef CLEANROOM_CLEANROOMS_BUDGET_LEDGER_H_
#define CLEANROOM_CLEANROOMS_BUDGET_LEDGER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cleanrooms/resource_store.h"
#include "common/clock.h"
#include "dp/accounting.h"

namespace cleanroom::cleanrooms {

// The aggregation types of the API, in the order the API lists them, with their wire names.
struct AggregationTypeName {
  dp::AggregationType type;
  std::string_view name;
};
inline constexpr std::array<AggregationTypeName, 5> kAggregationTypes = {{
    {dp::AggregationType::kAvg, "AVG"},
    {dp::AggregationType::kCount, "COUNT"},
    {dp::AggregationType::kCountDistinct, "COUNT_DISTINCT"},
    {dp::AggregationType::kSum, "SUM"},
    {dp::AggregationType::kStddev, "STDDEV"},
}};

// A template's parameters, as stored in its document.
struct PrivacyBudgetParameters {
  int epsilon = 0;
  int users_noise_per_query = 0;
  std::string auto_refresh;  // CALENDAR_MONTH or NONE
};
PrivacyBudgetParameters ParametersOf(const Resource& budget_template);

// The period a budget with `auto_refresh` spends from at `now_ms`: "YYYY-MM" (UTC) for
// CALENDAR_MONTH, "LIFETIME" otherwise.
std::string BudgetPeriod(std::string_view auto_refresh, int64_t now_ms);

// The privacy budget template of `collaboration_id`, if it has one.
absl::StatusOr<std::optional<Resource>> PrivacyBudgetTemplateOf(ResourceStore::Tx& tx,
                                                                std::string_view collaboration_id);

// A collaboration's budget in the current period.
struct BudgetState {
  std::string period;
  int64_t total_units = 0;
  int64_t consumed_units = 0;   // in units of the template's current usersNoisePerQuery
  int64_t remaining_units = 0;  // max(0, total - consumed)
  int64_t update_time_ms = 0;   // when spend in this period last changed (0: never)
};
// The budget of `budget_template` at `now_ms`.
absl::StatusOr<BudgetState> CurrentBudget(ResourceStore::Tx& tx, const Resource& budget_template,
                                          int64_t now_ms);

// `units` spent at usersNoisePerQuery `from` expressed in units at `to`, rounded up (`round_up`)
// or down: a unit at N spends 1/(2 N^2).
int64_t ConvertUnits(int64_t units, int from, int to, bool round_up);

// What ReserveBudget took.
struct BudgetReservation {
  std::string period;
  int64_t units = 0;
  int64_t remaining_units = 0;  // left in the period after this reservation
};

// Thread-safe; every operation is one transaction of `store`.
class BudgetLedger {
 public:
  // Neither argument is owned; both must outlive the ledger.
  BudgetLedger(ResourceStore* store, const Clock* clock) : store_(store), clock_(clock) {}

  // Reserves `units` cost units of `collaboration_id`'s budget for `query_id`, in the period
  // of now. The check and the deduction are one transaction, committed and durable when this
  // returns OK. Errors (nothing is spent): kInvalidArgument if `units` < 1; kFailedPrecondition
  // if the collaboration has no privacy budget template; kAlreadyExists if `query_id` was
  // charged before; kResourceExhausted if fewer than `units` remain, saying how many remain.
  absl::StatusOr<BudgetReservation> ReserveBudget(std::string_view collaboration_id,
                                                  std::string_view query_id, int64_t units);

  // Marks `query_id`'s RESERVED charge COMMITTED (the query read data: the budget stays spent).
  // OK if it already is; kNotFound if there is no such charge; kFailedPrecondition if it was
  // refunded.
  absl::Status CommitCharge(std::string_view query_id);

  // Gives `query_id`'s RESERVED charge back to its period, recording `reason`. Only for a query
  // that failed before reading any protected data. OK if already refunded; kNotFound if there is
  // no such charge; kFailedPrecondition if it was committed (spent budget is never returned).
  absl::Status RefundCharge(std::string_view query_id, std::string_view reason);

  // Commits every charge still RESERVED (left by a process that stopped while its query may have
  // been reading data). Call once at start-up, before any reservation. Returns how many.
  absl::StatusOr<int> SettleInterruptedCharges();

 private:
  ResourceStore* store_;
  const Clock* clock_;
};

}  // namespace cleanroom::cleanrooms

#endif  // CLEANROOM_CLEANROOMS_BUDGET_LEDGER_H_
