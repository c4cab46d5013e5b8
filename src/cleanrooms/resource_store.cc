#include "cleanrooms/resource_store.h"

#include "common/status_macros.h"
#include "common/strings.h"

namespace cleanroom::cleanrooms {
namespace {

constexpr std::string_view kColumns =
    "kind, id, account_id, collaboration_id, membership_id, parent_id, name, status, "
    "create_time_ms, update_time_ms, doc";

Resource FromRow(const store::Statement& s) {
  Resource r;
  r.kind = s.ColumnText(0);
  r.id = s.ColumnText(1);
  r.account_id = s.ColumnText(2);
  r.collaboration_id = s.ColumnText(3);
  r.membership_id = s.ColumnText(4);
  r.parent_id = s.ColumnText(5);
  r.name = s.ColumnText(6);
  r.status = s.ColumnText(7);
  r.create_time_ms = s.ColumnInt(8);
  r.update_time_ms = s.ColumnInt(9);
  r.doc = nlohmann::json::parse(s.ColumnText(10), nullptr, /*allow_exceptions=*/false);
  if (r.doc.is_discarded()) r.doc = nlohmann::json::object();
  return r;
}

// "WHERE kind = ?1 AND account_id = ?2 ..." with the values to bind, in order.
std::string WhereClause(const Filter& f, std::vector<std::string>& values) {
  std::string sql = " WHERE kind = ?1";
  auto add = [&](const char* column, const std::optional<std::string>& value) {
    if (!value) return;
    values.push_back(*value);
    sql += StrCat(" AND ", column, " = ?", values.size() + 1);
  };
  add("account_id", f.account_id);
  add("collaboration_id", f.collaboration_id);
  add("membership_id", f.membership_id);
  add("parent_id", f.parent_id);
  add("name", f.name);
  add("status", f.status);
  return sql;
}

}  // namespace

absl::StatusOr<std::optional<Resource>> ResourceStore::Tx::Get(std::string_view kind,
                                                               std::string_view id) {
  ASSIGN_OR_RETURN(
      store::Statement s,
      c_.Prepare(StrCat("SELECT ", kColumns, " FROM cr_resources WHERE kind = ?1 AND id = ?2")));
  s.Bind(1, kind).Bind(2, id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Resource>();
  return std::optional<Resource>(FromRow(s));
}

absl::StatusOr<std::vector<Resource>> ResourceStore::Tx::List(std::string_view kind,
                                                              const Filter& filter) {
  std::vector<std::string> values;
  std::string where = WhereClause(filter, values);
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare(StrCat("SELECT ", kColumns, " FROM cr_resources", where,
                                     " ORDER BY create_time_ms DESC, id DESC")));
  s.Bind(1, kind);
  for (size_t i = 0; i < values.size(); ++i) s.Bind(static_cast<int>(i + 2), values[i]);
  std::vector<Resource> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(FromRow(s));
  }
  return out;
}

absl::StatusOr<int64_t> ResourceStore::Tx::Count(std::string_view kind, const Filter& filter) {
  std::vector<std::string> values;
  std::string where = WhereClause(filter, values);
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare(StrCat("SELECT COUNT(*) FROM cr_resources", where)));
  s.Bind(1, kind);
  for (size_t i = 0; i < values.size(); ++i) s.Bind(static_cast<int>(i + 2), values[i]);
  ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.ColumnInt(0) : 0;
}

absl::Status ResourceStore::Tx::Put(const Resource& r) {
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare(StrCat("INSERT OR REPLACE INTO cr_resources (", kColumns,
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")));
  s.Bind(1, r.kind)
      .Bind(2, r.id)
      .Bind(3, r.account_id)
      .Bind(4, r.collaboration_id)
      .Bind(5, r.membership_id)
      .Bind(6, r.parent_id)
      .Bind(7, r.name)
      .Bind(8, r.status)
      .Bind(9, r.create_time_ms)
      .Bind(10, r.update_time_ms)
      .Bind(11, r.doc.dump());
  return s.Run();
}

absl::Status ResourceStore::Tx::Delete(std::string_view kind, std::string_view id) {
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare("DELETE FROM cr_resources WHERE kind = ?1 AND id = ?2"));
  s.Bind(1, kind).Bind(2, id);
  return s.Run();
}

absl::StatusOr<std::map<std::string, std::string>> ResourceStore::Tx::Tags(std::string_view arn) {
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare("SELECT tag_key, tag_value FROM cr_tags WHERE resource_arn = ?1"));
  s.Bind(1, arn);
  std::map<std::string, std::string> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out[s.ColumnText(0)] = s.ColumnText(1);
  }
  return out;
}

absl::Status ResourceStore::Tx::SetTags(std::string_view arn,
                                        const std::map<std::string, std::string>& tags) {
  for (const auto& [key, value] : tags) {
    ASSIGN_OR_RETURN(store::Statement s,
                     c_.Prepare("INSERT OR REPLACE INTO cr_tags (resource_arn, tag_key, "
                                "tag_value) VALUES (?1, ?2, ?3)"));
    s.Bind(1, arn).Bind(2, key).Bind(3, value);
    RETURN_IF_ERROR(s.Run());
  }
  return absl::OkStatus();
}

absl::Status ResourceStore::Tx::RemoveTags(std::string_view arn,
                                           const std::vector<std::string>& keys) {
  for (const std::string& key : keys) {
    ASSIGN_OR_RETURN(store::Statement s,
                     c_.Prepare("DELETE FROM cr_tags WHERE resource_arn = ?1 AND tag_key = ?2"));
    s.Bind(1, arn).Bind(2, key);
    RETURN_IF_ERROR(s.Run());
  }
  return absl::OkStatus();
}

absl::Status ResourceStore::Tx::RemoveAllTags(std::string_view arn) {
  ASSIGN_OR_RETURN(store::Statement s, c_.Prepare("DELETE FROM cr_tags WHERE resource_arn = ?1"));
  s.Bind(1, arn);
  return s.Run();
}

absl::Status ResourceStore::Tx::Record(const Event& e) {
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare("INSERT INTO cr_events (time_ms, account_id, collaboration_id, "
                              "shared, operation, resource_type, resource_id, details) VALUES "
                              "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  s.Bind(1, e.time_ms)
      .Bind(2, e.account_id)
      .Bind(3, e.collaboration_id)
      .Bind(4, static_cast<int64_t>(e.shared ? 1 : 0))
      .Bind(5, e.operation)
      .Bind(6, e.resource_type)
      .Bind(7, e.resource_id)
      .Bind(8, e.details.dump());
  return s.Run();
}

absl::StatusOr<std::vector<Event>> ResourceStore::Tx::Events(std::string_view account_id,
                                                             std::string_view collaboration_id,
                                                             int64_t after_seq, int limit) {
  ASSIGN_OR_RETURN(
      store::Statement s,
      c_.Prepare("SELECT seq, time_ms, account_id, collaboration_id, shared, operation, "
                 "resource_type, resource_id, details FROM cr_events WHERE collaboration_id = ?1 "
                 "AND (account_id = ?2 OR (shared = 1 AND ?1 != '')) AND seq > ?3 "
                 "ORDER BY seq LIMIT ?4"));
  s.Bind(1, collaboration_id)
      .Bind(2, account_id)
      .Bind(3, after_seq)
      .Bind(4, static_cast<int64_t>(limit));
  std::vector<Event> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    Event e;
    e.seq = s.ColumnInt(0);
    e.time_ms = s.ColumnInt(1);
    e.account_id = s.ColumnText(2);
    e.collaboration_id = s.ColumnText(3);
    e.shared = s.ColumnInt(4) != 0;
    e.operation = s.ColumnText(5);
    e.resource_type = s.ColumnText(6);
    e.resource_id = s.ColumnText(7);
    e.details = nlohmann::json::parse(s.ColumnText(8), nullptr, false);
    if (e.details.is_discarded()) e.details = nlohmann::json::object();
    out.push_back(std::move(e));
  }
  return out;
}

absl::StatusOr<std::optional<LedgerEntry>> ResourceStore::Tx::GetLedger(
    std::string_view collaboration_id, std::string_view period) {
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare("SELECT consumed_units, users_noise, update_time_ms FROM "
                              "cr_budget_ledger WHERE collaboration_id = ?1 AND period = ?2"));
  s.Bind(1, collaboration_id).Bind(2, period);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<LedgerEntry>();
  return std::optional<LedgerEntry>(LedgerEntry{.collaboration_id = std::string(collaboration_id),
                                                .period = std::string(period),
                                                .consumed_units = s.ColumnInt(0),
                                                .users_noise = static_cast<int>(s.ColumnInt(1)),
                                                .update_time_ms = s.ColumnInt(2)});
}

absl::Status ResourceStore::Tx::PutLedger(const LedgerEntry& e) {
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare("INSERT OR REPLACE INTO cr_budget_ledger (collaboration_id, period, "
                              "consumed_units, users_noise, update_time_ms) VALUES "
                              "(?1, ?2, ?3, ?4, ?5)"));
  s.Bind(1, e.collaboration_id)
      .Bind(2, e.period)
      .Bind(3, e.consumed_units)
      .Bind(4, static_cast<int64_t>(e.users_noise))
      .Bind(5, e.update_time_ms);
  return s.Run();
}

namespace {

constexpr std::string_view kChargeColumns =
    "query_id, collaboration_id, period, units, users_noise, status, reason, create_time_ms, "
    "update_time_ms";

BudgetCharge ChargeFromRow(const store::Statement& s) {
  return BudgetCharge{.query_id = s.ColumnText(0),
                      .collaboration_id = s.ColumnText(1),
                      .period = s.ColumnText(2),
                      .units = s.ColumnInt(3),
                      .users_noise = static_cast<int>(s.ColumnInt(4)),
                      .status = s.ColumnText(5),
                      .reason = s.ColumnText(6),
                      .create_time_ms = s.ColumnInt(7),
                      .update_time_ms = s.ColumnInt(8)};
}

}  // namespace

absl::StatusOr<std::optional<BudgetCharge>> ResourceStore::Tx::GetCharge(
    std::string_view query_id) {
  ASSIGN_OR_RETURN(
      store::Statement s,
      c_.Prepare(StrCat("SELECT ", kChargeColumns, " FROM cr_budget_charges WHERE query_id = ?1")));
  s.Bind(1, query_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<BudgetCharge>();
  return std::optional<BudgetCharge>(ChargeFromRow(s));
}

absl::Status ResourceStore::Tx::PutCharge(const BudgetCharge& c) {
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare(StrCat("INSERT OR REPLACE INTO cr_budget_charges (", kChargeColumns,
                                     ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")));
  s.Bind(1, c.query_id)
      .Bind(2, c.collaboration_id)
      .Bind(3, c.period)
      .Bind(4, c.units)
      .Bind(5, static_cast<int64_t>(c.users_noise))
      .Bind(6, c.status)
      .Bind(7, c.reason)
      .Bind(8, c.create_time_ms)
      .Bind(9, c.update_time_ms);
  return s.Run();
}

absl::StatusOr<std::vector<BudgetCharge>> ResourceStore::Tx::ChargesIn(std::string_view status) {
  ASSIGN_OR_RETURN(store::Statement s,
                   c_.Prepare(StrCat("SELECT ", kChargeColumns,
                                     " FROM cr_budget_charges WHERE status = ?1 "
                                     "ORDER BY create_time_ms, query_id")));
  s.Bind(1, status);
  std::vector<BudgetCharge> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(ChargeFromRow(s));
  }
  return out;
}

absl::Status ResourceStore::Read(const std::function<absl::Status(Tx&)>& body) {
  return db_->Read([&](store::Connection& c) {
    Tx tx(c);
    return body(tx);
  });
}

absl::Status ResourceStore::Write(const std::function<absl::Status(Tx&)>& body) {
  return db_->Write([&](store::Connection& c) {
    Tx tx(c);
    return body(tx);
  });
}

}  // namespace cleanroom::cleanrooms
