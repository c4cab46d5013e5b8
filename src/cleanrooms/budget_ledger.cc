#include "cleanrooms/budget_ledger.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "cleanrooms/service_util.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace cleanroom::cleanrooms {
namespace {

// "enough for 3 COUNT, COUNT_DISTINCT or SUM, 1 AVG and 1 STDDEV aggregations".
std::string RemainingCounts(int64_t units) {
  int64_t avg = units / dp::CostUnits(dp::AggregationType::kAvg);
  int64_t stddev = units / dp::CostUnits(dp::AggregationType::kStddev);
  int64_t one = units / dp::CostUnits(dp::AggregationType::kCount);
  return StrCat("enough for ", one, " COUNT, COUNT_DISTINCT or SUM, ", avg, " AVG and ", stddev,
                " STDDEV aggregations");
}

absl::StatusOr<BudgetCharge> ChargeOf(ResourceStore::Tx& tx, std::string_view query_id) {
  ASSIGN_OR_RETURN(std::optional<BudgetCharge> charge, tx.GetCharge(query_id));
  if (!charge) {
    return absl::NotFoundError(StrCat("Query ", query_id, " has no privacy budget charge"));
  }
  return std::move(*charge);
}

}  // namespace

PrivacyBudgetParameters ParametersOf(const Resource& budget_template) {
  const Json& doc = budget_template.doc;
  PrivacyBudgetParameters p;
  p.epsilon = doc.value("epsilon", 0);
  p.users_noise_per_query = doc.value("usersNoisePerQuery", 0);
  p.auto_refresh = Str(doc, "autoRefresh");
  return p;
}

std::string BudgetPeriod(std::string_view auto_refresh, int64_t now_ms) {
  if (auto_refresh != "CALENDAR_MONTH") return "LIFETIME";
  return FormatIso8601Millis(now_ms * 1000).substr(0, 7);  // "YYYY-MM"
}

absl::StatusOr<std::optional<Resource>> PrivacyBudgetTemplateOf(ResourceStore::Tx& tx,
                                                                std::string_view collaboration_id) {
  ASSIGN_OR_RETURN(
      std::vector<Resource> rows,
      tx.List(kPrivacyBudgetTemplate, Filter{.collaboration_id = std::string(collaboration_id)}));
  if (rows.empty()) return std::optional<Resource>();
  return std::optional<Resource>(std::move(rows.front()));
}

int64_t ConvertUnits(int64_t units, int from, int to, bool round_up) {
  if (from == to || from <= 0 || to <= 0) return units;
  const int64_t num = units * to * to;
  const int64_t den = static_cast<int64_t>(from) * from;
  return round_up ? (num + den - 1) / den : num / den;
}

absl::StatusOr<BudgetState> CurrentBudget(ResourceStore::Tx& tx, const Resource& budget_template,
                                          int64_t now_ms) {
  PrivacyBudgetParameters p = ParametersOf(budget_template);
  BudgetState state;
  state.period = BudgetPeriod(p.auto_refresh, now_ms);
  ASSIGN_OR_RETURN(state.total_units, dp::BudgetUnits(p.epsilon, p.users_noise_per_query));
  ASSIGN_OR_RETURN(std::optional<LedgerEntry> entry,
                   tx.GetLedger(budget_template.collaboration_id, state.period));
  if (entry) {
    state.consumed_units = ConvertUnits(entry->consumed_units, entry->users_noise,
                                        p.users_noise_per_query, /*round_up=*/true);
    state.update_time_ms = entry->update_time_ms;
  }
  state.remaining_units = std::max<int64_t>(0, state.total_units - state.consumed_units);
  return state;
}

absl::StatusOr<BudgetReservation> BudgetLedger::ReserveBudget(std::string_view collaboration_id,
                                                              std::string_view query_id,
                                                              int64_t units) {
  if (units < 1) {
    return absl::InvalidArgumentError(
        StrCat("A privacy budget reservation needs at least one cost unit, not ", units));
  }
  int64_t now = clock_->NowMicros() / 1000;
  BudgetReservation out;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Resource> budget_template,
                     PrivacyBudgetTemplateOf(tx, collaboration_id));
    if (!budget_template) {
      return absl::FailedPreconditionError(
          StrCat("Collaboration ", collaboration_id,
                 " has no privacy budget template, so differential privacy queries cannot run "
                 "in it; a member who contributes data creates one with "
                 "CreatePrivacyBudgetTemplate"));
    }
    ASSIGN_OR_RETURN(std::optional<BudgetCharge> earlier, tx.GetCharge(query_id));
    if (earlier) {
      return absl::AlreadyExistsError(
          StrCat("Query ", query_id, " already has a ", earlier->status, " privacy budget charge"));
    }
    ASSIGN_OR_RETURN(BudgetState state, CurrentBudget(tx, *budget_template, now));
    if (units > state.remaining_units) {
      std::string when = state.period == "LIFETIME"
                             ? std::string("(the budget does not refresh)")
                             : StrCat("in ", state.period, " (the budget refreshes monthly, UTC)");
      return absl::ResourceExhaustedError(
          StrCat("The privacy budget of collaboration ", collaboration_id,
                 " is not enough for this "
                 "query: it needs ",
                 units, " cost units, and ", state.remaining_units, " of ", state.total_units,
                 " remain ", when, ", ", RemainingCounts(state.remaining_units)));
    }
    int noise = ParametersOf(*budget_template).users_noise_per_query;
    RETURN_IF_ERROR(tx.PutLedger(LedgerEntry{.collaboration_id = std::string(collaboration_id),
                                             .period = state.period,
                                             .consumed_units = state.consumed_units + units,
                                             .users_noise = noise,
                                             .update_time_ms = now}));
    RETURN_IF_ERROR(tx.PutCharge(BudgetCharge{.query_id = std::string(query_id),
                                              .collaboration_id = std::string(collaboration_id),
                                              .period = state.period,
                                              .units = units,
                                              .users_noise = noise,
                                              .status = "RESERVED",
                                              .create_time_ms = now,
                                              .update_time_ms = now}));
    out = BudgetReservation{state.period, units, state.remaining_units - units};
    return absl::OkStatus();
  }));
  return out;
}

absl::Status BudgetLedger::CommitCharge(std::string_view query_id) {
  int64_t now = clock_->NowMicros() / 1000;
  return store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(BudgetCharge charge, ChargeOf(tx, query_id));
    if (charge.status == "COMMITTED") return absl::OkStatus();
    if (charge.status != "RESERVED") {
      return absl::FailedPreconditionError(StrCat("The privacy budget charge of query ", query_id,
                                                  " was ", charge.status,
                                                  "; it cannot be committed"));
    }
    charge.status = "COMMITTED";
    charge.update_time_ms = now;
    return tx.PutCharge(charge);
  });
}

absl::Status BudgetLedger::RefundCharge(std::string_view query_id, std::string_view reason) {
  int64_t now = clock_->NowMicros() / 1000;
  return store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(BudgetCharge charge, ChargeOf(tx, query_id));
    if (charge.status == "REFUNDED") return absl::OkStatus();
    if (charge.status != "RESERVED") {
      return absl::FailedPreconditionError(StrCat("The privacy budget charge of query ", query_id,
                                                  " is ", charge.status,
                                                  ": budget a query spent is never given back"));
    }
    ASSIGN_OR_RETURN(std::optional<LedgerEntry> entry,
                     tx.GetLedger(charge.collaboration_id, charge.period));
    if (entry) {
      // Rounded down: a refund never gives back more than the charge took.
      int64_t back =
          ConvertUnits(charge.units, charge.users_noise, entry->users_noise, /*round_up=*/false);
      entry->consumed_units = std::max<int64_t>(0, entry->consumed_units - back);
      entry->update_time_ms = now;
      RETURN_IF_ERROR(tx.PutLedger(*entry));
    }
    charge.status = "REFUNDED";
    charge.reason = std::string(reason);
    charge.update_time_ms = now;
    return tx.PutCharge(charge);
  });
}

absl::StatusOr<int> BudgetLedger::SettleInterruptedCharges() {
  int64_t now = clock_->NowMicros() / 1000;
  int settled = 0;
  RETURN_IF_ERROR(store_->Write([&](ResourceStore::Tx& tx) -> absl::Status {
    settled = 0;
    ASSIGN_OR_RETURN(std::vector<BudgetCharge> reserved, tx.ChargesIn("RESERVED"));
    for (BudgetCharge& charge : reserved) {
      charge.status = "COMMITTED";
      charge.reason = "SERVER_RESTARTED";
      charge.update_time_ms = now;
      RETURN_IF_ERROR(tx.PutCharge(charge));
      ++settled;
    }
    return absl::OkStatus();
  }));
  return settled;
}

}  // namespace cleanroom::cleanrooms
