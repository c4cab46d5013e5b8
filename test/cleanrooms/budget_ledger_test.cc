// The differential-privacy budget ledger: the accounting it relies on, exact exhaustion,
// concurrent reservations, the monthly refresh, template changes, refunds and restarts.
#include "cleanrooms/budget_ledger.h"

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "cleanrooms/cleanrooms_test_env.h"
#include "common/status_macros.h"
#include "dp/accounting.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/schema.h"

namespace cleanroom::cleanrooms::testing {
namespace {

using ::testing::HasSubstr;

// 2024-01-31T23:59:59Z and 2024-02-01T00:00:00Z, in microseconds.
constexpr int64_t kLastSecondOfJanuary = 1706745599LL * 1000000;
constexpr int64_t kFirstSecondOfFebruary = 1706745600LL * 1000000;

int64_t Units(int epsilon, int noise) {
  absl::StatusOr<int64_t> units = dp::BudgetUnits(epsilon, noise);
  EXPECT_TRUE(units.ok()) << units.status();
  return units.value_or(0);
}

TEST(BudgetPeriodTest, CalendarMonthIsTheUtcMonth) {
  EXPECT_EQ(BudgetPeriod("CALENDAR_MONTH", kLastSecondOfJanuary / 1000 + 999), "2024-01");
  EXPECT_EQ(BudgetPeriod("CALENDAR_MONTH", kFirstSecondOfFebruary / 1000), "2024-02");
  EXPECT_EQ(BudgetPeriod("NONE", kFirstSecondOfFebruary / 1000), "LIFETIME");
}

TEST(ConvertUnitsTest, ConvertsBetweenNoiseLevels) {
  EXPECT_EQ(ConvertUnits(3, 10, 20, true), 12);
  EXPECT_EQ(ConvertUnits(5, 20, 10, true), 2);   // 1.25, rounded up
  EXPECT_EQ(ConvertUnits(5, 20, 10, false), 1);  // rounded down
  EXPECT_EQ(ConvertUnits(7, 30, 30, true), 7);
}

class BudgetLedgerTest : public CleanRoomsTestEnv {
 protected:
  void SetUp() override {
    CleanRoomsTestEnv::SetUp();
    ledger_ = std::make_unique<BudgetLedger>(resources_.get(), &clock_);
  }

  void TearDown() override {
    ledger_.reset();
    CleanRoomsTestEnv::TearDown();
  }

  // Gives collaboration `collaboration` a template (as CreatePrivacyBudgetTemplate stores it).
  void PutTemplate(const std::string& collaboration, int epsilon, int noise,
                   const std::string& auto_refresh = "NONE") {
    ASSERT_TRUE(resources_
                    ->Write([&](ResourceStore::Tx& tx) -> absl::Status {
                      ASSIGN_OR_RETURN(std::optional<Resource> t,
                                       PrivacyBudgetTemplateOf(tx, collaboration));
                      Resource r = t.value_or(Resource{.kind = std::string(kPrivacyBudgetTemplate),
                                                       .id = "t-" + collaboration,
                                                       .account_id = b_,
                                                       .collaboration_id = collaboration,
                                                       .membership_id = "m-" + collaboration});
                      r.doc["epsilon"] = epsilon;
                      r.doc["usersNoisePerQuery"] = noise;
                      r.doc["autoRefresh"] = auto_refresh;
                      return tx.Put(r);
                    })
                    .ok());
  }

  BudgetState State(const std::string& collaboration) {
    BudgetState state;
    absl::Status s = resources_->Read([&](ResourceStore::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(std::optional<Resource> t, PrivacyBudgetTemplateOf(tx, collaboration));
      if (!t) return absl::NotFoundError("no template");
      ASSIGN_OR_RETURN(state, CurrentBudget(tx, *t, clock_.NowMicros() / 1000));
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << s;
    return state;
  }

  std::optional<BudgetCharge> Charge(const std::string& query_id) {
    std::optional<BudgetCharge> charge;
    EXPECT_TRUE(resources_
                    ->Read([&](ResourceStore::Tx& tx) -> absl::Status {
                      ASSIGN_OR_RETURN(charge, tx.GetCharge(query_id));
                      return absl::OkStatus();
                    })
                    .ok());
    return charge;
  }

  // Closes and reopens the database, as a server restart does.
  void Restart() {
    ledger_.reset();
    service_.reset();
    resources_.reset();
    authorizer_.reset();
    catalog_.reset();
    store_.reset();
    identities_.reset();
    db_.reset();
    absl::StatusOr<std::unique_ptr<store::Database>> db =
        store::Database::Open((dir_ / "meta.db").string(), store::SchemaMigrations());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    resources_ = std::make_unique<ResourceStore>(db_.get());
    ledger_ = std::make_unique<BudgetLedger>(resources_.get(), &clock_);
  }

  std::unique_ptr<BudgetLedger> ledger_;
};

TEST_F(BudgetLedgerTest, MaxCountQueriesOfEachTypeSucceedAndTheNextFails) {
  for (const AggregationTypeName& type : kAggregationTypes) {
    SCOPED_TRACE(std::string(type.name));
    std::string collaboration = StrCat("c-", type.name);
    PutTemplate(collaboration, 2, 10);
    int64_t max_count = dp::MaxCount(2, 10, type.type).value();
    int64_t cost = dp::CostUnits(type.type);
    for (int64_t i = 0; i < max_count; ++i) {
      absl::StatusOr<BudgetReservation> r =
          ledger_->ReserveBudget(collaboration, StrCat(collaboration, "-q", i), cost);
      ASSERT_TRUE(r.ok()) << i << " " << r.status();
      EXPECT_EQ(r->remaining_units, Units(2, 10) - (i + 1) * cost);
      EXPECT_EQ(r->period, "LIFETIME");
    }
    absl::StatusOr<BudgetReservation> next =
        ledger_->ReserveBudget(collaboration, StrCat(collaboration, "-last"), cost);
    EXPECT_EQ(next.status().code(), absl::StatusCode::kResourceExhausted) << next.status();
    EXPECT_FALSE(Charge(StrCat(collaboration, "-last")).has_value());
    BudgetState state = State(collaboration);
    EXPECT_EQ(state.consumed_units, max_count * cost);
    EXPECT_EQ(state.remaining_units / cost, 0);
  }
}

TEST_F(BudgetLedgerTest, RefusalSaysHowMuchRemains) {
  PutTemplate("c", 2, 10);  // 17 units
  ASSERT_TRUE(ledger_->ReserveBudget("c", "q1", 16).ok());
  absl::StatusOr<BudgetReservation> r = ledger_->ReserveBudget("c", "q2", 2);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("it needs 2 cost units, and 1 of 17 remain"));
  EXPECT_THAT(r.status().message(),
              HasSubstr("enough for 1 COUNT, COUNT_DISTINCT or SUM, 0 AVG and 0 STDDEV"));
  EXPECT_THAT(r.status().message(), HasSubstr("does not refresh"));
  EXPECT_TRUE(ledger_->ReserveBudget("c", "q3", 1).ok());
}

TEST_F(BudgetLedgerTest, ConcurrentReservationsNeverOverspend) {
  constexpr int kThreads = 32;
  struct Case {
    int epsilon, noise;
    int64_t cost;
  };
  for (const Case& c : {Case{1, 20, 3}, Case{2, 10, 1}, Case{1, 10, 2}, Case{5, 10, 7}}) {
    std::string collaboration = StrCat("c-", c.epsilon, "-", c.noise, "-", c.cost);
    SCOPED_TRACE(collaboration);
    PutTemplate(collaboration, c.epsilon, c.noise);
    int64_t budget = Units(c.epsilon, c.noise);
    std::atomic<int64_t> successes{0}, charged{0};
    std::atomic<int> other_errors{0};
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        // Each thread keeps reserving until the budget refuses it.
        for (int j = 0;; ++j) {
          absl::StatusOr<BudgetReservation> r =
              ledger_->ReserveBudget(collaboration, StrCat(collaboration, "-", i, "-", j), c.cost);
          if (!r.ok()) {
            if (r.status().code() != absl::StatusCode::kResourceExhausted) ++other_errors;
            return;
          }
          ++successes;
          charged += r->units;
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(other_errors.load(), 0);
    EXPECT_LE(charged.load(), budget);
    EXPECT_EQ(successes.load(), budget / c.cost);  // never more, and no reservation was lost
    BudgetState state = State(collaboration);
    EXPECT_EQ(state.consumed_units, charged.load());
    EXPECT_EQ(state.remaining_units, budget - charged.load());
  }
}

TEST_F(BudgetLedgerTest, MonthlyBudgetRefreshesAtTheUtcMonthBoundary) {
  PutTemplate("monthly", 1, 10, "CALENDAR_MONTH");  // 4 units
  PutTemplate("lifetime", 1, 10, "NONE");
  clock_.SetMicros(kLastSecondOfJanuary);
  for (const char* c : {"monthly", "lifetime"}) {
    absl::StatusOr<BudgetReservation> r = ledger_->ReserveBudget(c, StrCat(c, "-jan"), 4);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->period, std::string(c) == "monthly" ? "2024-01" : "LIFETIME");
  }
  absl::StatusOr<BudgetReservation> january = ledger_->ReserveBudget("monthly", "jan-2", 1);
  EXPECT_EQ(january.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(january.status().message(), HasSubstr("in 2024-01 (the budget refreshes monthly"));

  clock_.SetMicros(kFirstSecondOfFebruary);
  absl::StatusOr<BudgetReservation> february = ledger_->ReserveBudget("monthly", "feb-1", 4);
  ASSERT_TRUE(february.ok()) << february.status();
  EXPECT_EQ(february->period, "2024-02");
  EXPECT_EQ(State("monthly").period, "2024-02");
  EXPECT_EQ(State("monthly").remaining_units, 0);
  EXPECT_EQ(ledger_->ReserveBudget("lifetime", "feb-1-lifetime", 1).status().code(),
            absl::StatusCode::kResourceExhausted);
  // A refund goes back to the month the charge was reserved in.
  ASSERT_TRUE(ledger_->RefundCharge("monthly-jan", "test").ok());
  EXPECT_EQ(State("monthly").remaining_units, 0);
  clock_.SetMicros(kLastSecondOfJanuary);
  EXPECT_EQ(State("monthly").remaining_units, 4);
}

TEST_F(BudgetLedgerTest, ChangingEpsilonRecomputesWhatRemains) {
  PutTemplate("c", 2, 10);  // 17 units
  ASSERT_TRUE(ledger_->ReserveBudget("c", "q1", 10).ok());
  EXPECT_EQ(State("c").remaining_units, 7);
  PutTemplate("c", 1, 10);  // 4 units, less than already spent
  EXPECT_EQ(State("c").total_units, 4);
  EXPECT_EQ(State("c").remaining_units, 0);
  EXPECT_EQ(ledger_->ReserveBudget("c", "q2", 1).status().code(),
            absl::StatusCode::kResourceExhausted);
  PutTemplate("c", 5, 10);
  EXPECT_EQ(State("c").remaining_units, Units(5, 10) - 10);
  EXPECT_TRUE(ledger_->ReserveBudget("c", "q3", Units(5, 10) - 10).ok());
  EXPECT_EQ(State("c").remaining_units, 0);
}

TEST_F(BudgetLedgerTest, ChangingTheNoiseKeepsTheSpentPrivacyLoss) {
  PutTemplate("c", 1, 10);  // 4 units of rho 1/200
  ASSERT_TRUE(ledger_->ReserveBudget("c", "q1", 3).ok());
  // At N = 20 a unit is worth a quarter: the 3 spent units are 12 of the 19 there are.
  PutTemplate("c", 1, 20);
  EXPECT_EQ(State("c").total_units, 19);
  EXPECT_EQ(State("c").consumed_units, 12);
  EXPECT_EQ(State("c").remaining_units, 7);
  ASSERT_TRUE(ledger_->ReserveBudget("c", "q2", 7).ok());
  EXPECT_EQ(State("c").remaining_units, 0);
  // Back at N = 10 the 19 units of N = 20 are 5 (4.75 rounded up), more than the 4 there are.
  PutTemplate("c", 1, 10);
  EXPECT_EQ(State("c").consumed_units, 5);
  EXPECT_EQ(State("c").remaining_units, 0);
  // Refunding q2 gives it back in the ledger's own N (20): the 12 units of N = 20 left are
  // exactly the 3 of N = 10 spent first.
  ASSERT_TRUE(ledger_->RefundCharge("q2", "test").ok());
  EXPECT_EQ(State("c").consumed_units, 3);
  EXPECT_EQ(State("c").remaining_units, 1);
}

TEST_F(BudgetLedgerTest, RefundConvertsToTheLedgersNoise) {
  PutTemplate("c", 2, 10);  // 17 units
  ASSERT_TRUE(ledger_->ReserveBudget("c", "a", 2).ok());
  PutTemplate("c", 2, 20);  // 70 units; the 2 spent are 8 now
  EXPECT_EQ(State("c").total_units, 70);
  ASSERT_TRUE(ledger_->ReserveBudget("c", "b", 1).ok());  // the ledger is now counted at N = 20
  EXPECT_EQ(State("c").consumed_units, 9);
  ASSERT_TRUE(ledger_->RefundCharge("a", "test").ok());
  EXPECT_EQ(State("c").consumed_units, 1);
  EXPECT_EQ(State("c").remaining_units, 69);
}

TEST_F(BudgetLedgerTest, CommitAndRefund) {
  PutTemplate("c", 2, 10);  // 17 units
  ASSERT_TRUE(ledger_->ReserveBudget("c", "refunded", 5).ok());
  EXPECT_EQ(Charge("refunded")->status, "RESERVED");
  EXPECT_EQ(State("c").remaining_units, 12);
  ASSERT_TRUE(ledger_->RefundCharge("refunded", "VALIDATION").ok());
  EXPECT_EQ(State("c").remaining_units, 17);
  EXPECT_EQ(Charge("refunded")->status, "REFUNDED");
  EXPECT_EQ(Charge("refunded")->reason, "VALIDATION");
  EXPECT_TRUE(ledger_->RefundCharge("refunded", "again").ok());  // idempotent
  EXPECT_EQ(State("c").remaining_units, 17);
  EXPECT_EQ(ledger_->CommitCharge("refunded").code(), absl::StatusCode::kFailedPrecondition);

  ASSERT_TRUE(ledger_->ReserveBudget("c", "committed", 4).ok());
  ASSERT_TRUE(ledger_->CommitCharge("committed").ok());
  EXPECT_TRUE(ledger_->CommitCharge("committed").ok());  // idempotent
  absl::Status refund = ledger_->RefundCharge("committed", "too late");
  EXPECT_EQ(refund.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refund.message(), HasSubstr("never given back"));
  EXPECT_EQ(State("c").remaining_units, 13);

  EXPECT_EQ(ledger_->CommitCharge("unknown").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(ledger_->RefundCharge("unknown", "x").code(), absl::StatusCode::kNotFound);
  // A query is charged once; a second reservation spends nothing.
  EXPECT_EQ(ledger_->ReserveBudget("c", "committed", 1).status().code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ledger_->ReserveBudget("c", "zero", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(State("c").remaining_units, 13);
  absl::StatusOr<BudgetReservation> none = ledger_->ReserveBudget("no-template", "q", 1);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(none.status().message(), HasSubstr("has no privacy budget template"));
}

TEST_F(BudgetLedgerTest, RestartKeepsSpendAndReservedChargesStaySpent) {
  PutTemplate("c", 2, 10);  // 17 units
  ASSERT_TRUE(ledger_->ReserveBudget("c", "committed", 3).ok());
  ASSERT_TRUE(ledger_->CommitCharge("committed").ok());
  ASSERT_TRUE(ledger_->ReserveBudget("c", "running", 4).ok());  // the server stops meanwhile
  Restart();
  EXPECT_EQ(State("c").remaining_units, 10);
  absl::StatusOr<int> settled = ledger_->SettleInterruptedCharges();
  ASSERT_TRUE(settled.ok()) << settled.status();
  EXPECT_EQ(*settled, 1);
  EXPECT_EQ(Charge("running")->status, "COMMITTED");
  EXPECT_EQ(Charge("running")->reason, "SERVER_RESTARTED");
  EXPECT_EQ(ledger_->RefundCharge("running", "late").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(State("c").remaining_units, 10);
  EXPECT_EQ(ledger_->SettleInterruptedCharges().value_or(-1), 0);
}

}  // namespace
}  // namespace cleanroom::cleanrooms::testing
