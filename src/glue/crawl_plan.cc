#include "glue/crawl_plan.h"

#include <map>
#include <set>

#include "common/strings.h"
#include "glue/names.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;

json ColumnsJson(const std::vector<DiscoveredColumn>& columns) {
  json out = json::array();
  for (const DiscoveredColumn& c : columns) out.push_back({{"Name", c.name}, {"Type", c.type}});
  return out;
}

// Cuts `name` (ASCII-folded already) so that `name` + `suffix` fits in kMaxNameLength
// characters, never in the middle of a UTF-8 sequence.
std::string FitWithSuffix(const std::string& name, const std::string& suffix) {
  std::string out = name;
  while (!out.empty() && AwsLength(out) + suffix.size() > kMaxNameLength) {
    // Drop the last code point: its continuation bytes, then its first byte.
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty()) out.pop_back();
  }
  return out + suffix;
}

// The index of the existing table that location `location` belongs to, preferring one this
// crawler wrote, then one named `base`; -1 if none.
int MatchByLocation(const std::vector<ExistingTable>& existing, const std::string& location,
                    const CrawlPolicy& policy, const std::string& base) {
  int best = -1;
  int best_rank = -1;
  for (size_t i = 0; i < existing.size(); ++i) {
    if (existing[i].location.empty() || NormalizeLocation(existing[i].location) != location) {
      continue;
    }
    int rank = (existing[i].crawler_name == policy.crawler_name ? 2 : 0) +
               (existing[i].name == base ? 1 : 0);
    if (rank > best_rank) {
      best = static_cast<int>(i);
      best_rank = rank;
    }
  }
  return best;
}

}  // namespace

absl::StatusOr<CrawlPlan> PlanCrawl(const CrawlPolicy& policy,
                                    const std::vector<ExistingTable>& existing,
                                    const std::vector<DiscoveredTable>& discovered) {
  CrawlPlan plan;
  std::set<std::string> taken;  // names in use after the tables planned so far
  for (const ExistingTable& t : existing) taken.insert(t.name);
  std::set<std::string> matched;         // existing tables claimed by this crawl
  std::set<std::string> seen_locations;  // normalized, of this crawl

  for (size_t i = 0; i < discovered.size(); ++i) {
    const DiscoveredTable& d = discovered[i];
    if (d.location.empty()) {
      return InvalidInput(
          StrCat("The crawl reported table '", d.name_hint, "' without a location"));
    }
    std::string location = NormalizeLocation(d.location);
    if (!seen_locations.insert(location).second) {
      plan.messages.push_back(
          StrCat("Skipped a second table for location ", location, " (", d.name_hint, ")"));
      continue;
    }
    std::string base = FoldName(StrCat(policy.table_prefix, d.name_hint));
    if (base.empty()) {
      return InvalidInput(StrCat("The crawl found no usable table name for ", location));
    }
    base = FitWithSuffix(base, "");
    int match = MatchByLocation(existing, location, policy, base);
    if (match >= 0 && matched.insert(existing[static_cast<size_t>(match)].name).second) {
      plan.tables.push_back({i, existing[static_cast<size_t>(match)].name, /*exists=*/true});
      continue;
    }
    std::string name = base;
    if (taken.count(name) > 0) {
      name.clear();
      for (size_t digits : {8, 16, 32, 64}) {
        std::string candidate = FitWithSuffix(base, LocationSuffix(location, digits));
        if (taken.count(candidate) == 0) {
          name = candidate;
          break;
        }
      }
      if (name.empty()) {
        return InvalidInput(StrCat("No free table name is left for ", location));
      }
      plan.messages.push_back(StrCat("Table name ", base, " is taken by another location; ",
                                     location, " is cataloged as ", name));
    }
    std::string violation = CheckName(name, "name");
    if (!violation.empty()) {
      return InvalidInput(
          StrCat("The crawl produced an invalid table name for ", location, ": ", violation));
    }
    taken.insert(name);
    plan.tables.push_back({i, name, /*exists=*/false});
  }

  for (const ExistingTable& t : existing) {
    if (policy.crawler_name.empty() || t.crawler_name != policy.crawler_name) continue;
    if (matched.count(t.name) > 0) continue;
    if (!t.location.empty() && seen_locations.count(NormalizeLocation(t.location)) > 0) continue;
    if (t.deprecated && policy.delete_behavior == kDeprecateInDatabase) continue;
    plan.vanished.push_back(t.name);
  }
  return plan;
}

json CrawledTableInput(const DiscoveredTable& table, const std::string& name,
                       const std::string& crawler_name, const std::string& run_id) {
  json parameters = json::object();
  for (const auto& [k, v] : table.parameters) parameters[k] = v;
  if (!table.classification.empty()) parameters["classification"] = table.classification;
  parameters[kUpdatedByCrawler] = crawler_name;
  parameters[kCrawlRunId] = run_id;
  parameters["CrawlerSchemaSerializerVersion"] = "1.0";
  parameters["CrawlerSchemaDeserializerVersion"] = "1.0";

  json serde = json::object();
  if (!table.serde_library.empty()) serde["SerializationLibrary"] = table.serde_library;
  json serde_parameters = json::object();
  for (const auto& [k, v] : table.serde_parameters) serde_parameters[k] = v;
  serde["Parameters"] = serde_parameters;

  auto compression = table.parameters.find("compressionType");
  bool compressed = compression != table.parameters.end() && !compression->second.empty() &&
                    compression->second != "none";

  json sd = json::object();
  sd["Columns"] = ColumnsJson(table.columns);
  sd["Location"] = table.location;
  if (!table.input_format.empty()) sd["InputFormat"] = table.input_format;
  if (!table.output_format.empty()) sd["OutputFormat"] = table.output_format;
  sd["Compressed"] = compressed;
  sd["NumberOfBuckets"] = -1;
  sd["SerdeInfo"] = serde;
  sd["BucketColumns"] = json::array();
  sd["SortColumns"] = json::array();
  sd["Parameters"] = parameters;
  sd["StoredAsSubDirectories"] = false;

  json input = json::object();
  input["Name"] = name;
  input["Owner"] = "owner";
  input["Retention"] = 0;
  input["StorageDescriptor"] = sd;
  input["PartitionKeys"] = ColumnsJson(table.partition_keys);
  input["TableType"] = "EXTERNAL_TABLE";
  input["Parameters"] = parameters;
  return input;
}

json MergeCrawledTable(const json& old_input, const json& crawled) {
  json out = crawled;
  for (const char* kept : {"Description", "Owner", "Retention"}) {
    if (old_input.contains(kept)) out[kept] = old_input[kept];
  }
  auto merge_parameters = [](const json& old_params, json& params) {
    if (!old_params.is_object()) return;
    for (const auto& [k, v] : old_params.items()) {
      if (k == kDeprecatedByCrawler || params.contains(k)) continue;
      params[k] = v;
    }
  };
  merge_parameters(old_input.value("Parameters", json::object()), out["Parameters"]);
  if (old_input.contains("StorageDescriptor")) {
    merge_parameters(old_input["StorageDescriptor"].value("Parameters", json::object()),
                     out["StorageDescriptor"]["Parameters"]);
  }
  return out;
}

bool SchemaDiffers(const json& a, const json& b) {
  auto member = [](const json& j, const char* name) {
    return j.is_object() && j.contains(name) ? j[name] : json();
  };
  json sd_a = member(a, "StorageDescriptor");
  json sd_b = member(b, "StorageDescriptor");
  for (const char* name : {"Columns", "InputFormat", "OutputFormat", "SerdeInfo", "Location"}) {
    if (member(sd_a, name) != member(sd_b, name)) return true;
  }
  if (member(a, "PartitionKeys") != member(b, "PartitionKeys")) return true;
  return member(member(a, "Parameters"), "classification") !=
         member(member(b, "Parameters"), "classification");
}

json CrawledPartitionInput(const json& table_input, const DiscoveredPartition& partition) {
  json parameters = json::object();
  for (const auto& [k, v] : partition.parameters) parameters[k] = v;
  json sd = table_input.value("StorageDescriptor", json::object());
  sd["Location"] = partition.location;
  sd["Parameters"] = parameters;
  json input = json::object();
  input["Values"] = partition.values;
  input["StorageDescriptor"] = sd;
  input["Parameters"] = parameters;
  return input;
}

}  // namespace cleanroom::glue
