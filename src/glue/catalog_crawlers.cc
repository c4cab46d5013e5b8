// Catalog: crawler definitions, the crawl state machine, applying a crawl and its records.
#include <algorithm>
#include <set>

#include "common/aws_error.h"
#include "common/logging.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "glue/catalog.h"
#include "glue/catalog_internal.h"
#include "glue/crawl_plan.h"
#include "glue/crawler_definition.h"
#include "glue/names.h"
#include "glue/shapes.h"

namespace cleanroom::glue {

using nlohmann::json;
using store::Connection;
using store::Statement;

std::string_view CrawlerStateName(CrawlerState state) {
  switch (state) {
    case CrawlerState::kReady:
      return "READY";
    case CrawlerState::kRunning:
      return "RUNNING";
    case CrawlerState::kStopping:
      return "STOPPING";
  }
  return "READY";
}

namespace {

constexpr char kLogGroup[] = "/aws-glue/crawlers";
constexpr char kCrawlerColumns[] =
    "name, definition, role_arn, tags, state, version, creation_time, last_updated, run_id, "
    "run_start_time, last_crawl";

CrawlerState StateFromName(std::string_view name) {
  if (name == "RUNNING") return CrawlerState::kRunning;
  if (name == "STOPPING") return CrawlerState::kStopping;
  return CrawlerState::kReady;
}

json LastCrawlToJson(const LastCrawl& l) {
  json j = {{"Status", l.status},
            {"LogGroup", l.log_group},
            {"LogStream", l.log_stream},
            {"MessagePrefix", l.message_prefix},
            {"StartTime", l.start_time}};
  if (!l.error_message.empty()) j["ErrorMessage"] = l.error_message;
  return j;
}

std::optional<LastCrawl> LastCrawlFromJson(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  LastCrawl l;
  l.status = j.value("Status", "");
  l.error_message = j.value("ErrorMessage", "");
  l.log_group = j.value("LogGroup", kLogGroup);
  l.log_stream = j.value("LogStream", "");
  l.message_prefix = j.value("MessagePrefix", "");
  l.start_time = j.value("StartTime", int64_t{0});
  return l;
}

absl::StatusOr<Crawler> CrawlerFromRow(const Statement& s, const std::string& account_id) {
  Crawler cr;
  cr.account_id = account_id;
  cr.name = s.ColumnText(0);
  cr.definition.members = json::parse(s.ColumnText(1), nullptr, /*allow_exceptions=*/false);
  if (!cr.definition.members.is_object()) {
    return absl::InternalError(StrCat("stored crawler ", cr.name, " is corrupt"));
  }
  cr.definition.role_arn = s.ColumnText(2);
  cr.tags = internal::StringMap(json::parse(s.ColumnText(3), nullptr, false));
  cr.state = StateFromName(s.ColumnText(4));
  cr.version = s.ColumnInt(5);
  cr.creation_time = s.ColumnInt(6);
  cr.last_updated = s.ColumnInt(7);
  cr.run_id = s.ColumnOptionalText(8).value_or("");
  cr.run_start_time = s.ColumnIsNull(9) ? 0 : s.ColumnInt(9);
  cr.last_crawl = LastCrawlFromJson(s.ColumnOptionalText(10));
  FillCrawlerViews(cr);
  return cr;
}

absl::StatusOr<std::optional<Crawler>> LoadCrawler(Connection& c, const std::string& account_id,
                                                   const std::string& name) {
  ASSIGN_OR_RETURN(Statement s, c.Prepare(StrCat("SELECT ", kCrawlerColumns,
                                                 " FROM glue_crawlers WHERE account_id = ? AND "
                                                 "name = ?")));
  s.Bind(1, account_id).Bind(2, name);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<Crawler>();
  ASSIGN_OR_RETURN(Crawler cr, CrawlerFromRow(s, account_id));
  return std::optional<Crawler>(std::move(cr));
}

absl::StatusOr<Crawler> RequireCrawler(Connection& c, const std::string& account_id,
                                       const std::string& name) {
  ASSIGN_OR_RETURN(std::optional<Crawler> cr, LoadCrawler(c, account_id, name));
  if (!cr) return internal::CrawlerNotFound(name);
  return *std::move(cr);
}

absl::Status SetCrawlerState(Connection& c, const std::string& account_id, const std::string& name,
                             CrawlerState state, const std::optional<std::string>& run_id,
                             int64_t run_start_time, const std::optional<LastCrawl>& last_crawl) {
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare("UPDATE glue_crawlers SET state = ?, run_id = ?, run_start_time = ?, "
                             "last_crawl = COALESCE(?, last_crawl) WHERE account_id = ? AND "
                             "name = ?"));
  s.Bind(1, CrawlerStateName(state)).Bind(2, run_id);
  if (run_id) {
    s.Bind(3, run_start_time);
  } else {
    s.BindNull(3);
  }
  if (last_crawl) {
    s.Bind(4, internal::JsonText(LastCrawlToJson(*last_crawl)));
  } else {
    s.BindNull(4);
  }
  return s.Bind(5, account_id).Bind(6, name).Run();
}

absl::Status InsertRun(Connection& c, const CrawlRun& r, int64_t keep) {
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare("INSERT OR REPLACE INTO glue_crawl_runs (account_id, crawler_name, "
                             "run_id, start_time, end_time, status, error_message, messages, "
                             "tables_created, tables_updated, tables_deleted, "
                             "partitions_created, partitions_updated, partitions_deleted, "
                             "files_read, bytes_read) VALUES "
                             "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  RETURN_IF_ERROR(
      s.Bind(1, r.account_id)
          .Bind(2, r.crawler_name)
          .Bind(3, r.run_id)
          .Bind(4, r.start_time)
          .Bind(5, r.end_time)
          .Bind(6, r.status)
          .Bind(7, r.error_message)
          .Bind(8, json(r.messages).dump(-1, ' ', false, json::error_handler_t::replace))
          .Bind(9, r.tables_created)
          .Bind(10, r.tables_updated)
          .Bind(11, r.tables_deleted)
          .Bind(12, r.partitions_created)
          .Bind(13, r.partitions_updated)
          .Bind(14, r.partitions_deleted)
          .Bind(15, r.files_read)
          .Bind(16, r.bytes_read)
          .Run());
  ASSIGN_OR_RETURN(Statement prune,
                   c.Prepare("DELETE FROM glue_crawl_runs WHERE account_id = ? AND "
                             "crawler_name = ? AND run_id NOT IN (SELECT run_id FROM "
                             "glue_crawl_runs WHERE account_id = ? AND crawler_name = ? "
                             "ORDER BY end_time DESC, start_time DESC LIMIT ?)"));
  return prune.Bind(1, r.account_id)
      .Bind(2, r.crawler_name)
      .Bind(3, r.account_id)
      .Bind(4, r.crawler_name)
      .Bind(5, keep)
      .Run();
}

CrawlRun RunFromRow(const Statement& s, const std::string& account_id) {
  CrawlRun r;
  r.account_id = account_id;
  r.crawler_name = s.ColumnText(0);
  r.run_id = s.ColumnText(1);
  r.start_time = s.ColumnInt(2);
  r.end_time = s.ColumnInt(3);
  r.status = s.ColumnText(4);
  r.error_message = s.ColumnOptionalText(5).value_or("");
  json messages = json::parse(s.ColumnText(6), nullptr, false);
  if (messages.is_array()) {
    for (const json& m : messages) {
      if (m.is_string()) r.messages.push_back(m.get<std::string>());
    }
  }
  r.tables_created = s.ColumnInt(7);
  r.tables_updated = s.ColumnInt(8);
  r.tables_deleted = s.ColumnInt(9);
  r.partitions_created = s.ColumnInt(10);
  r.partitions_updated = s.ColumnInt(11);
  r.partitions_deleted = s.ColumnInt(12);
  r.files_read = s.ColumnInt(13);
  r.bytes_read = s.ColumnInt(14);
  return r;
}

constexpr char kRunColumns[] =
    "crawler_name, run_id, start_time, end_time, status, error_message, messages, "
    "tables_created, tables_updated, tables_deleted, partitions_created, partitions_updated, "
    "partitions_deleted, files_read, bytes_read";

absl::StatusOr<std::vector<CrawlRun>> LoadRuns(Connection& c, const std::string& account_id,
                                               const std::string& crawler_name, int64_t since) {
  ASSIGN_OR_RETURN(Statement s,
                   c.Prepare(StrCat("SELECT ", kRunColumns,
                                    " FROM glue_crawl_runs WHERE "
                                    "account_id = ? AND crawler_name = ? AND start_time >= ? "
                                    "ORDER BY end_time, start_time")));
  s.Bind(1, account_id).Bind(2, crawler_name).Bind(3, since);
  std::vector<CrawlRun> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    out.push_back(RunFromRow(s, account_id));
  }
  return out;
}

absl::Status CrawlerNotRunning(std::string_view name) {
  return AwsError(absl::StatusCode::kFailedPrecondition, "CrawlerNotRunningException",
                  StrCat("Crawler with name ", name, " is not running"), 400);
}

absl::Status CrawlerStopping(std::string_view name) {
  return AwsError(absl::StatusCode::kFailedPrecondition, "CrawlerStoppingException",
                  StrCat("Crawler with name ", name, " is stopping"), 400);
}

std::string MillisText(int64_t micros) { return std::to_string(micros / 1000); }

// Applies a successful crawl's outcome to the catalog inside the caller's transaction,
// counting changes and logging them into `run`. kInvalidArgument (nothing to roll back yet when
// returned before the first write; the caller rolls back otherwise) when the outcome cannot be
// applied.
class CrawlApplier {
 public:
  CrawlApplier(Connection& c, const Crawler& crawler, const CatalogLimits& limits, int64_t now,
               CrawlRun& run)
      : c_(c), cr_(crawler), limits_(limits), now_(now), run_(run) {}

  absl::Status Apply(const CrawlOutcome& outcome) {
    const std::string& db = cr_.database_name;
    if (db.empty()) return InvalidInput("The crawler has no DatabaseName to write tables to");
    ASSIGN_OR_RETURN(bool exists, internal::DatabaseExists(c_, cr_.account_id, FoldName(db)));
    if (!exists) return InvalidInput(StrCat("Database ", FoldName(db), " not found."));
    db_ = FoldName(db);
    ASSIGN_OR_RETURN(std::vector<Table> tables, internal::LoadTables(c_, cr_.account_id, db_));
    std::vector<ExistingTable> existing;
    for (Table& t : tables) {
      existing.push_back(
          {t.name, t.location, t.crawler_name, t.parameters.count(kDeprecatedByCrawler) > 0});
      by_name_.emplace(t.name, std::move(t));
    }
    CrawlPolicy policy{cr_.name, cr_.table_prefix, cr_.update_behavior, cr_.delete_behavior};
    ASSIGN_OR_RETURN(CrawlPlan plan, PlanCrawl(policy, existing, outcome.tables));
    int64_t creates = 0;
    for (const PlannedTable& p : plan.tables) creates += p.exists ? 0 : 1;
    if (static_cast<int64_t>(by_name_.size()) + creates > limits_.tables_per_database) {
      return internal::LimitExceeded(StrCat("The crawl would exceed ", limits_.tables_per_database,
                                            " tables in database ", db_));
    }
    for (std::string& m : plan.messages) run_.messages.push_back(std::move(m));
    for (const PlannedTable& p : plan.tables) {
      RETURN_IF_ERROR(WriteTable(p, outcome.tables[p.discovered_index]));
    }
    for (const std::string& name : plan.vanished) RETURN_IF_ERROR(Vanish(name));
    return absl::OkStatus();
  }

 private:
  absl::Status WriteTable(const PlannedTable& p, const DiscoveredTable& d) {
    json crawled = CrawledTableInput(d, p.name, cr_.name, run_.run_id);
    // The catalog holds only what the model allows, whatever the crawl reports.
    absl::StatusOr<json> checked = ValidateShape(crawled, TableInputShape(), "tableInput");
    if (!checked.ok()) {
      run_.messages.push_back(
          StrCat("Skipped table ", p.name, " for ", d.location, ": ", checked.status().message()));
      return absl::OkStatus();
    }
    json effective;
    if (!p.exists) {
      Table t = internal::MakeTable(cr_.account_id, db_, crawled, now_, now_, 0,
                                    cr_.definition.role_arn, cr_.name);
      RETURN_IF_ERROR(internal::InsertTable(c_, t));
      ++run_.tables_created;
      run_.messages.push_back(
          StrCat("Created table ", p.name, " in database ", db_, " for ", d.location));
      effective = std::move(crawled);
    } else {
      const Table& old = by_name_.at(p.name);
      if (cr_.update_behavior == kUpdateInDatabase) {
        json merged = MergeCrawledTable(old.input, crawled);
        if (merged != old.input) {
          bool schema = SchemaDiffers(old.input, merged);
          Table t = internal::MakeTable(cr_.account_id, db_, merged, old.create_time, now_,
                                        old.version + 1, old.created_by, cr_.name);
          RETURN_IF_ERROR(internal::RewriteTable(c_, t));
          if (schema) {
            ++run_.tables_updated;
            run_.messages.push_back(StrCat("Updated the schema of table ", p.name));
          }
        }
        effective = std::move(merged);
      } else {
        if (SchemaDiffers(old.input, crawled)) {
          run_.messages.push_back(
              StrCat("Table ", p.name, " changed; not updated (UpdateBehavior LOG)"));
        }
        effective = old.input;
      }
    }
    return WritePartitions(p.name, effective, d);
  }

  absl::Status WritePartitions(const std::string& table, const json& table_input,
                               const DiscoveredTable& d) {
    size_t keys = table_input.value("PartitionKeys", json::array()).size();
    ASSIGN_OR_RETURN(int64_t count, internal::CountPartitions(c_, cr_.account_id, db_, table));
    std::set<std::string> found;
    for (const DiscoveredPartition& p : d.partitions) {
      if (p.values.size() != keys || keys == 0) {
        run_.messages.push_back(StrCat("Skipped partition ", p.location, " of table ", table,
                                       ": its values do not match the table's partition keys"));
        continue;
      }
      json input = CrawledPartitionInput(table_input, p);
      absl::StatusOr<json> checked = ValidateShape(input, PartitionInputShape(), "partitionInput");
      if (!checked.ok()) {
        run_.messages.push_back(StrCat("Skipped partition ", p.location, " of table ", table, ": ",
                                       checked.status().message()));
        continue;
      }
      found.insert(internal::PartitionKey(p.values));
      ASSIGN_OR_RETURN(std::optional<Partition> existing,
                       internal::LoadPartition(c_, cr_.account_id, db_, table, p.values));
      if (existing) {
        if (cr_.update_behavior != kUpdateInDatabase || existing->input == input) continue;
        RETURN_IF_ERROR(internal::WritePartition(c_, cr_.account_id, db_, table, input, now_,
                                                 /*replace=*/true));
        ++run_.partitions_updated;
        continue;
      }
      if (count >= limits_.partitions_per_table) {
        return internal::LimitExceeded(StrCat("The crawl would exceed ",
                                              limits_.partitions_per_table, " partitions in table ",
                                              table));
      }
      RETURN_IF_ERROR(internal::WritePartition(c_, cr_.account_id, db_, table, input, now_,
                                               /*replace=*/false));
      ++count;
      ++run_.partitions_created;
    }
    if (cr_.delete_behavior != kDeleteFromDatabase) return absl::OkStatus();
    ASSIGN_OR_RETURN(Statement s, c_.Prepare("SELECT partition_values FROM glue_partitions WHERE "
                                             "account_id = ? AND database_name = ? AND "
                                             "table_name = ?"));
    s.Bind(1, cr_.account_id).Bind(2, db_).Bind(3, table);
    std::vector<std::string> gone;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      if (found.count(s.ColumnText(0)) == 0) gone.push_back(s.ColumnText(0));
    }
    for (const std::string& key : gone) {
      ASSIGN_OR_RETURN(Statement del, c_.Prepare("DELETE FROM glue_partitions WHERE "
                                                 "account_id = ? AND database_name = ? AND "
                                                 "table_name = ? AND partition_values = ?"));
      RETURN_IF_ERROR(del.Bind(1, cr_.account_id).Bind(2, db_).Bind(3, table).Bind(4, key).Run());
      ++run_.partitions_deleted;
    }
    return absl::OkStatus();
  }

  absl::Status Vanish(const std::string& name) {
    const Table& old = by_name_.at(name);
    if (cr_.delete_behavior == kDeleteFromDatabase) {
      RETURN_IF_ERROR(internal::DeleteTableRow(c_, cr_.account_id, db_, name));
      ++run_.tables_deleted;
      run_.messages.push_back(StrCat("Deleted table ", name, ": ", old.location, " is gone"));
      return absl::OkStatus();
    }
    if (cr_.delete_behavior == kDeprecateInDatabase) {
      json input = old.input;
      input["Parameters"][kDeprecatedByCrawler] = MillisText(now_);
      if (input.contains("StorageDescriptor")) {
        input["StorageDescriptor"]["Parameters"][kDeprecatedByCrawler] = MillisText(now_);
      }
      Table t = internal::MakeTable(cr_.account_id, db_, input, old.create_time, now_,
                                    old.version + 1, old.created_by, old.crawler_name);
      RETURN_IF_ERROR(internal::RewriteTable(c_, t));
      ++run_.tables_deleted;
      run_.messages.push_back(StrCat("Deprecated table ", name, ": ", old.location, " is gone"));
      return absl::OkStatus();
    }
    run_.messages.push_back(StrCat("Table ", name, ": ", old.location,
                                   " is gone; left in the catalog (DeleteBehavior LOG)"));
    return absl::OkStatus();
  }

  Connection& c_;
  const Crawler& cr_;
  const CatalogLimits& limits_;
  int64_t now_;
  CrawlRun& run_;
  std::string db_;
  std::map<std::string, Table> by_name_;
};

LastCrawl MakeLastCrawl(const CrawlRun& run) {
  LastCrawl l;
  l.status = run.status;
  if (run.status == "FAILED") l.error_message = run.error_message;
  l.log_group = kLogGroup;
  l.log_stream = run.crawler_name;
  l.message_prefix = run.run_id;
  l.start_time = run.start_time;
  return l;
}

// Ends `cr`'s run as `run` says inside the caller's transaction.
absl::Status RecordEnd(Connection& c, const Crawler& cr, const CrawlRun& run, int64_t keep) {
  RETURN_IF_ERROR(SetCrawlerState(c, cr.account_id, cr.name, CrawlerState::kReady, std::nullopt, 0,
                                  MakeLastCrawl(run)));
  return InsertRun(c, run, keep);
}

std::string DescribeFailure(const absl::Status& status) {
  std::string message(status.message());
  if (message.empty()) message = status.ToString();
  return message;
}

}  // namespace

// ---- Definitions ---------------------------------------------------------------------------

absl::Status Catalog::CreateCrawler(const std::string& account_id, const std::string& name,
                                    const CrawlerDefinition& definition,
                                    const std::map<std::string, std::string>& tags) {
  RETURN_IF_ERROR(ValidateName(name, "name"));
  int64_t now = clock_->NowMicros();
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Crawler> existing, LoadCrawler(c, account_id, name));
    if (existing) return AlreadyExists(StrCat("Crawler with name ", name, " already exists"));
    ASSIGN_OR_RETURN(Statement count,
                     c.Prepare("SELECT COUNT(*) FROM glue_crawlers WHERE account_id = ?"));
    count.Bind(1, account_id);
    ASSIGN_OR_RETURN(bool row, count.Step());
    if (row && count.ColumnInt(0) >= limits_.crawlers_per_account) {
      return internal::LimitExceeded(
          StrCat("The number of crawlers exceeds ", limits_.crawlers_per_account));
    }
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare("INSERT INTO glue_crawlers (account_id, name, definition, "
                               "role_arn, tags, state, version, creation_time, last_updated) "
                               "VALUES (?, ?, ?, ?, ?, 'READY', 1, ?, ?)"));
    return s.Bind(1, account_id)
        .Bind(2, name)
        .Bind(3, internal::JsonText(definition.members))
        .Bind(4, definition.role_arn)
        .Bind(5, internal::JsonText(json(tags)))
        .Bind(6, now)
        .Bind(7, now)
        .Run();
  });
}

absl::StatusOr<Crawler> Catalog::GetCrawler(const std::string& account_id,
                                            const std::string& name) {
  std::optional<Crawler> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, RequireCrawler(c, account_id, name));
    return absl::OkStatus();
  }));
  return *std::move(out);
}

absl::StatusOr<Page<Crawler>> Catalog::ListCrawlers(
    const std::string& account_id, const std::string& next_token, int max_results,
    const std::map<std::string, std::string>& tags) {
  std::string after;
  if (!next_token.empty()) {
    ASSIGN_OR_RETURN(after, internal::DecodePageToken("crawler", next_token));
  }
  Page<Crawler> page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Statement s, c.Prepare(StrCat("SELECT ", kCrawlerColumns,
                                                   " FROM glue_crawlers WHERE account_id = ? AND "
                                                   "name > ? ORDER BY name")));
    s.Bind(1, account_id).Bind(2, after);
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      ASSIGN_OR_RETURN(Crawler cr, CrawlerFromRow(s, account_id));
      bool tagged = std::all_of(tags.begin(), tags.end(), [&](const auto& kv) {
        auto it = cr.tags.find(kv.first);
        return it != cr.tags.end() && it->second == kv.second;
      });
      if (!tagged) continue;
      if (static_cast<int>(page.items.size()) == max_results) {
        page.next_token = internal::EncodePageToken("crawler", page.items.back().name);
        break;
      }
      page.items.push_back(std::move(cr));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::Status Catalog::UpdateCrawler(
    const std::string& account_id, const std::string& name,
    const std::function<absl::StatusOr<CrawlerDefinition>(const Crawler&)>& update) {
  int64_t now = clock_->NowMicros();
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Crawler cr, RequireCrawler(c, account_id, name));
    if (cr.state != CrawlerState::kReady) return internal::CrawlerRunning(name);
    ASSIGN_OR_RETURN(CrawlerDefinition def, update(cr));
    ASSIGN_OR_RETURN(Statement s,
                     c.Prepare("UPDATE glue_crawlers SET definition = ?, role_arn = ?, "
                               "version = version + 1, last_updated = ? WHERE account_id = ? "
                               "AND name = ?"));
    return s.Bind(1, internal::JsonText(def.members))
        .Bind(2, def.role_arn)
        .Bind(3, now)
        .Bind(4, account_id)
        .Bind(5, name)
        .Run();
  });
}

absl::Status Catalog::DeleteCrawler(const std::string& account_id, const std::string& name) {
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Crawler cr, RequireCrawler(c, account_id, name));
    if (cr.state != CrawlerState::kReady) return internal::CrawlerRunning(name);
    ASSIGN_OR_RETURN(Statement s, c.Prepare("DELETE FROM glue_crawlers WHERE account_id = ? AND "
                                            "name = ?"));
    return s.Bind(1, account_id).Bind(2, name).Run();
  });
}

absl::StatusOr<Page<CrawlerMetrics>> Catalog::GetCrawlerMetrics(
    const std::string& account_id, const std::vector<std::string>& names,
    const std::string& next_token, int max_results) {
  std::string after;
  if (!next_token.empty()) {
    ASSIGN_OR_RETURN(after, internal::DecodePageToken("metrics", next_token));
  }
  int64_t now = clock_->NowMicros();
  Page<CrawlerMetrics> page;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    std::vector<Crawler> crawlers;
    if (names.empty()) {
      ASSIGN_OR_RETURN(Statement s, c.Prepare(StrCat("SELECT ", kCrawlerColumns,
                                                     " FROM glue_crawlers WHERE account_id = ? "
                                                     "AND name > ? ORDER BY name")));
      s.Bind(1, account_id).Bind(2, after);
      while (true) {
        ASSIGN_OR_RETURN(bool row, s.Step());
        if (!row || static_cast<int>(crawlers.size()) > max_results) break;
        ASSIGN_OR_RETURN(Crawler cr, CrawlerFromRow(s, account_id));
        crawlers.push_back(std::move(cr));
      }
    } else {
      std::set<std::string> sorted(names.begin(), names.end());
      for (const std::string& name : sorted) {
        if (name <= after) continue;
        ASSIGN_OR_RETURN(std::optional<Crawler> cr, LoadCrawler(c, account_id, name));
        if (cr) crawlers.push_back(*std::move(cr));
        if (static_cast<int>(crawlers.size()) > max_results) break;
      }
    }
    for (const Crawler& cr : crawlers) {
      if (static_cast<int>(page.items.size()) == max_results) {
        page.next_token = internal::EncodePageToken("metrics", page.items.back().crawler_name);
        break;
      }
      ASSIGN_OR_RETURN(std::vector<CrawlRun> runs,
                       LoadRuns(c, account_id, cr.name, cr.creation_time));
      CrawlerMetrics m;
      m.crawler_name = cr.name;
      if (cr.state != CrawlerState::kReady) m.still_estimating = true;
      std::vector<double> runtimes;
      for (const CrawlRun& r : runs) {
        runtimes.push_back(static_cast<double>(r.end_time - r.start_time) / 1e6);
      }
      if (!runs.empty()) {
        const CrawlRun& last = runs.back();
        m.last_runtime_seconds = runtimes.back();
        m.tables_created = last.tables_created;
        m.tables_updated = last.tables_updated;
        m.tables_deleted = last.tables_deleted;
        std::sort(runtimes.begin(), runtimes.end());
        size_t n = runtimes.size();
        m.median_runtime_seconds =
            n % 2 == 1 ? runtimes[n / 2] : (runtimes[n / 2 - 1] + runtimes[n / 2]) / 2;
      }
      if (cr.state != CrawlerState::kReady && m.median_runtime_seconds > 0) {
        double elapsed = static_cast<double>(now - cr.run_start_time) / 1e6;
        m.time_left_seconds = std::max(0.0, m.median_runtime_seconds - elapsed);
      }
      page.items.push_back(std::move(m));
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::vector<CrawlRun>> Catalog::ListCrawlRuns(const std::string& account_id,
                                                             const std::string& crawler_name) {
  std::vector<CrawlRun> out;
  RETURN_IF_ERROR(db_->Read([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(out, LoadRuns(c, account_id, crawler_name, 0));
    return absl::OkStatus();
  }));
  return out;
}

// ---- The crawl state machine ---------------------------------------------------------------

absl::StatusOr<Crawler> Catalog::BeginCrawl(const std::string& account_id, const std::string& name,
                                            const std::string& run_id) {
  int64_t now = clock_->NowMicros();
  std::optional<Crawler> out;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Crawler cr, RequireCrawler(c, account_id, name));
    if (cr.state != CrawlerState::kReady) return internal::CrawlerRunning(name);
    RETURN_IF_ERROR(
        SetCrawlerState(c, account_id, name, CrawlerState::kRunning, run_id, now, std::nullopt));
    cr.state = CrawlerState::kRunning;
    cr.run_id = run_id;
    cr.run_start_time = now;
    out = std::move(cr);
    return absl::OkStatus();
  }));
  return *std::move(out);
}

absl::Status Catalog::RequestStop(const std::string& account_id, const std::string& name) {
  return db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(Crawler cr, RequireCrawler(c, account_id, name));
    if (cr.state == CrawlerState::kReady) return CrawlerNotRunning(name);
    if (cr.state == CrawlerState::kStopping) return CrawlerStopping(name);
    return SetCrawlerState(c, account_id, name, CrawlerState::kStopping, cr.run_id,
                           cr.run_start_time, std::nullopt);
  });
}

absl::StatusOr<CrawlRun> Catalog::FinishCrawl(const std::string& account_id,
                                              const std::string& name, const std::string& run_id,
                                              const CrawlEnd& end) {
  int64_t now = clock_->NowMicros();
  CrawlRun run;
  absl::Status status = db_->Write([&](Connection& c) -> absl::Status {
    run = CrawlRun{};
    ASSIGN_OR_RETURN(std::optional<Crawler> loaded, LoadCrawler(c, account_id, name));
    if (!loaded || loaded->run_id != run_id || loaded->state == CrawlerState::kReady) {
      return absl::NotFoundError(StrCat("crawler ", name, " has no run ", run_id));
    }
    const Crawler& cr = *loaded;
    run.account_id = account_id;
    run.crawler_name = name;
    run.run_id = run_id;
    run.start_time = cr.run_start_time;
    run.end_time = now;
    if (end.outcome.ok()) {
      run.messages = end.outcome->messages;
      run.files_read = end.outcome->files_read;
      run.bytes_read = end.outcome->bytes_read;
    }
    if (cr.state == CrawlerState::kStopping) {
      run.status = "CANCELLED";
      run.messages.push_back("The crawl was stopped by StopCrawler; the catalog was not changed");
    } else if (end.interrupted_by_shutdown) {
      run.status = "FAILED";
      run.error_message = "The crawl was interrupted because the server shut down";
    } else if (!end.outcome.ok()) {
      run.status = "FAILED";
      run.error_message = DescribeFailure(end.outcome.status());
    } else {
      CrawlApplier applier(c, cr, limits_, now, run);
      absl::Status applied = applier.Apply(*end.outcome);
      if (!applied.ok()) {
        // Rolls back anything already written; FAILED is recorded below.
        return applied;
      }
      run.status = "SUCCEEDED";
    }
    return RecordEnd(c, cr, run, limits_.crawl_runs_kept);
  });
  if (status.ok()) {
    Log(LogLevel::kInfo, "crawl finished",
        {{"account", account_id},
         {"crawler", name},
         {"run", run_id},
         {"status", run.status},
         {"tables_created", run.tables_created},
         {"tables_updated", run.tables_updated},
         {"tables_deleted", run.tables_deleted},
         {"error", run.error_message},
         {"messages", run.messages}});
    return run;
  }
  if (status.code() == absl::StatusCode::kNotFound && !GetAwsCode(status)) return status;
  // Applying failed and was rolled back: record the crawl as FAILED on its own.
  std::string error = DescribeFailure(status);
  CrawlRun failed;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<Crawler> loaded, LoadCrawler(c, account_id, name));
    if (!loaded || loaded->run_id != run_id) {
      return absl::NotFoundError(StrCat("crawler ", name, " has no run ", run_id));
    }
    failed = CrawlRun{};
    failed.account_id = account_id;
    failed.crawler_name = name;
    failed.run_id = run_id;
    failed.start_time = loaded->run_start_time;
    failed.end_time = now;
    failed.status = "FAILED";
    failed.error_message = StrCat("The crawl could not be applied to the catalog: ", error);
    if (end.outcome.ok()) failed.messages = end.outcome->messages;
    return RecordEnd(c, *loaded, failed, limits_.crawl_runs_kept);
  }));
  Log(LogLevel::kWarning, "crawl failed",
      {{"account", account_id}, {"crawler", name}, {"run", run_id}, {"error", error}});
  return failed;
}

absl::StatusOr<int> Catalog::RecoverInterruptedCrawls() {
  int64_t now = clock_->NowMicros();
  int recovered = 0;
  RETURN_IF_ERROR(db_->Write([&](Connection& c) -> absl::Status {
    recovered = 0;
    ASSIGN_OR_RETURN(
        Statement s,
        c.Prepare("SELECT account_id, name FROM glue_crawlers WHERE state <> 'READY'"));
    std::vector<std::pair<std::string, std::string>> stuck;
    while (true) {
      ASSIGN_OR_RETURN(bool row, s.Step());
      if (!row) break;
      stuck.emplace_back(s.ColumnText(0), s.ColumnText(1));
    }
    for (const auto& [account_id, name] : stuck) {
      ASSIGN_OR_RETURN(Crawler cr, RequireCrawler(c, account_id, name));
      CrawlRun run;
      run.account_id = account_id;
      run.crawler_name = name;
      run.run_id = cr.run_id.empty() ? "unknown" : cr.run_id;
      run.start_time = cr.run_start_time;
      run.end_time = now;
      if (cr.state == CrawlerState::kStopping) {
        run.status = "CANCELLED";
        run.messages.push_back("The server stopped while the crawl was stopping");
      } else {
        run.status = "FAILED";
        run.error_message = "The crawl was interrupted: the server stopped while it was running";
      }
      RETURN_IF_ERROR(RecordEnd(c, cr, run, limits_.crawl_runs_kept));
      ++recovered;
    }
    return absl::OkStatus();
  }));
  return recovered;
}

}  // namespace cleanroom::glue
