#include "querypolicy/policy_case.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "common/strings.h"
#include "nlohmann/json.hpp"
#include "rules/analysis_rule.h"
#include "rules/association_rule_validation.h"
#include "rules/context.h"
#include "rules/table_rule_validation.h"

namespace cleanroom::querypolicy::testing {
namespace {

using nlohmann::json;

// A problem in a case file; caught per file or per case and turned into a load error.
class CaseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

void CheckKeys(const json& object, const std::set<std::string>& known, const std::string& what) {
  if (!object.is_object()) throw CaseError(StrCat(what, " must be a JSON object"));
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (!known.count(it.key())) {
      throw CaseError(StrCat(what, " has an unknown member \"", it.key(), "\""));
    }
  }
}

const json& Required(const json& object, const std::string& key, const std::string& what) {
  auto it = object.find(key);
  if (it == object.end()) throw CaseError(StrCat(what, " needs \"", key, "\""));
  return *it;
}

std::string String(const json& value, const std::string& what) {
  if (!value.is_string()) throw CaseError(StrCat(what, " must be a string"));
  return value.get<std::string>();
}

std::vector<std::string> Strings(const json& value, const std::string& what) {
  if (!value.is_array()) throw CaseError(StrCat(what, " must be a list of strings"));
  std::vector<std::string> out;
  for (const json& item : value) out.push_back(String(item, what));
  return out;
}

// A string, or a list of lines joined with "\n" (for multi-line SQL).
std::string Text(const json& value, const std::string& what) {
  if (!value.is_array()) return String(value, what);
  std::string out;
  for (const std::string& line : Strings(value, what)) {
    out += out.empty() ? line : StrCat("\n", line);
  }
  return out;
}

rules::RuleType RuleTypeOf(const json& value, const std::string& what) {
  std::string name = String(value, what);
  std::optional<rules::RuleType> type = rules::ParseRuleType(name);
  if (!type) throw CaseError(StrCat(what, ": \"", name, "\" is not AGGREGATION, LIST or CUSTOM"));
  return *type;
}

// One field of a CSV line: strings quoted, numbers and booleans as JSON writes them, null empty.
std::string CsvField(const json& value, const std::string& what) {
  if (value.is_null()) return "";
  if (value.is_number() || value.is_boolean()) return value.dump();
  std::string text = String(value, what);
  std::string out = "\"";
  for (char c : text) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

// The type and policy of a rule given as {"analysisRuleType": ..., "analysisRulePolicy": ...}.
std::pair<rules::RuleType, const json*> RuleMembers(const json& rule, const std::string& what) {
  CheckKeys(rule, {"analysisRuleType", "analysisRulePolicy"}, what);
  return {RuleTypeOf(Required(rule, "analysisRuleType", what), what),
          &Required(rule, "analysisRulePolicy", what)};
}

void Check(const absl::Status& status, const std::string& what) {
  if (!status.ok()) throw CaseError(StrCat(what, ": ", std::string(status.message())));
}

// The table's analysis rule and collaboration analysis rule, parsed and validated as the control
// plane does, so that no case rests on a rule AWS would refuse.
void LoadRules(const json& table, const std::string& what, CaseTable* out) {
  if (table.contains("analysisRule")) {
    std::string rule_what = StrCat(what, ".analysisRule");
    auto [type, policy] = RuleMembers(table["analysisRule"], rule_what);
    auto rule = rules::ParseTableRule(type, *policy);
    Check(rule.status(), rule_what);
    rules::TableContext context;
    for (const auto& c : out->schema.columns) context.allowed_columns.push_back(c.name);
    Check(rules::ValidateTableRule(*rule, context), rule_what);
    out->policy.table_rules.push_back(*std::move(rule));
  }
  if (table.contains("collaborationAnalysisRule")) {
    std::string rule_what = StrCat(what, ".collaborationAnalysisRule");
    auto [type, policy] = RuleMembers(table["collaborationAnalysisRule"], rule_what);
    auto rule = rules::ParseAssociationRule(type, *policy);
    Check(rule.status(), rule_what);
    if (!out->policy.table_rules.empty()) {
      Check(rules::ValidateAssociationRuleForTableRule(*rule, out->policy.table_rules[0]),
            rule_what);
    }
    out->policy.association_rules.push_back(*std::move(rule));
  }
}

std::vector<engine::ColumnSchema> LoadColumns(const json& table, const std::string& what) {
  const json& columns = Required(table, "columns", what);
  if (!columns.is_array() || columns.empty()) {
    throw CaseError(StrCat(what, ".columns must be a non-empty list"));
  }
  std::vector<engine::ColumnSchema> out;
  for (const json& column : columns) {
    std::string column_what = StrCat(what, ".columns[]");
    CheckKeys(column, {"name", "type"}, column_what);
    out.push_back({String(Required(column, "name", column_what), column_what),
                   String(Required(column, "type", column_what), column_what)});
  }
  return out;
}

// The columns of `all` that `allowed` names, in the order `allowed` gives.
std::vector<engine::ColumnSchema> AllowedColumns(const std::vector<engine::ColumnSchema>& all,
                                                 const std::vector<std::string>& allowed,
                                                 const std::string& what) {
  std::vector<engine::ColumnSchema> out;
  for (const std::string& name : allowed) {
    auto it = std::find_if(all.begin(), all.end(),
                           [&](const engine::ColumnSchema& c) { return c.name == name; });
    if (it == all.end()) throw CaseError(StrCat(what, ".allowedColumns names no column ", name));
    out.push_back(*it);
  }
  return out;
}

// A header line naming `columns`, then one line per row of `rows`.
std::string Csv(const std::vector<engine::ColumnSchema>& columns, const json& rows,
                const std::string& what) {
  std::string out;
  for (size_t i = 0; i < columns.size(); ++i) {
    out += StrCat(i ? "," : "", CsvField(columns[i].name, what));
  }
  out += "\n";
  if (!rows.is_array()) throw CaseError(StrCat(what, ".rows must be a list of rows"));
  for (const json& row : rows) {
    if (!row.is_array() || row.size() != columns.size()) {
      throw CaseError(
          StrCat(what, ".rows: every row needs ", columns.size(), " values: ", row.dump()));
    }
    for (size_t i = 0; i < row.size(); ++i) {
      out += StrCat(i ? "," : "", CsvField(row[i], StrCat(what, ".rows")));
    }
    out += "\n";
  }
  return out;
}

CaseTable LoadTable(const json& table, size_t index) {
  std::string what = StrCat("tables[", index, "]");
  CheckKeys(table,
            {"name", "owner", "columns", "allowedColumns", "rows", "analysisRule",
             "collaborationAnalysisRule"},
            what);
  CaseTable out;
  out.schema.name = String(Required(table, "name", what), StrCat(what, ".name"));
  what = StrCat("table \"", out.schema.name, "\"");
  out.policy.name = out.schema.name;
  out.policy.owner_account_id = String(Required(table, "owner", what), StrCat(what, ".owner"));
  out.file_columns = LoadColumns(table, what);
  std::vector<std::string> allowed;
  if (table.contains("allowedColumns")) {
    allowed = Strings(table["allowedColumns"], StrCat(what, ".allowedColumns"));
  } else {
    for (const auto& c : out.file_columns) allowed.push_back(c.name);
  }
  out.schema.columns = AllowedColumns(out.file_columns, allowed, what);
  out.csv = Csv(out.file_columns, table.contains("rows") ? table["rows"] : json::array(), what);
  LoadRules(table, what, &out);
  return out;
}

Row ExpectedRow(const json& row, const std::string& what) {
  if (!row.is_array()) {
    throw CaseError(StrCat(what, " must be a list of rows (lists of strings or null)"));
  }
  Row out;
  for (const json& value : row) {
    if (value.is_null()) {
      out.emplace_back(std::nullopt);
    } else {
      out.emplace_back(String(value, StrCat(what, " values (text or null)")));
    }
  }
  return out;
}

// The "differential_privacy" expectation: {"aggregates": ["COUNT", ...]}.
void LoadDpExpectation(const json& dp, const std::string& what, PolicyCase* out) {
  CheckKeys(dp, {"aggregates"}, what);
  const std::string aggregates_what = StrCat(what, ".aggregates");
  std::vector<std::string> aggregates = Strings(Required(dp, "aggregates", what), aggregates_what);
  if (aggregates.empty()) throw CaseError(StrCat(aggregates_what, " must not be empty"));
  static const std::set<std::string> kTypes = {"AVG", "COUNT", "COUNT_DISTINCT", "STDDEV", "SUM"};
  for (const std::string& a : aggregates) {
    if (!kTypes.count(a)) {
      throw CaseError(StrCat(aggregates_what, ": \"", a,
                             "\" is not COUNT, COUNT_DISTINCT, SUM, AVG or STDDEV"));
    }
  }
  out->dp_aggregates = std::move(aggregates);
}

void LoadExpectation(const json& expect, const std::string& what, PolicyCase* out) {
  CheckKeys(expect, {"error", "rows", "differential_privacy", "ordered", "columns", "ruleType"},
            what);
  const int verdicts = static_cast<int>(expect.contains("error")) +
                       static_cast<int>(expect.contains("rows")) +
                       static_cast<int>(expect.contains("differential_privacy"));
  if (verdicts != 1) {
    throw CaseError(
        StrCat(what, " needs exactly one of \"error\", \"rows\" and \"differential_privacy\""));
  }
  if (expect.contains("error")) {
    out->error = String(expect["error"], StrCat(what, ".error"));
    if (out->error->empty()) throw CaseError(StrCat(what, ".error must not be empty"));
    if (expect.size() > 1) {
      throw CaseError(StrCat(what, ": an expected error takes no other member"));
    }
    return;
  }
  if (expect.contains("differential_privacy")) {
    LoadDpExpectation(expect["differential_privacy"], StrCat(what, ".differential_privacy"), out);
    if (expect.contains("ordered")) {
      throw CaseError(StrCat(
          what, ": \"ordered\" applies to rows; differential privacy results are not compared"));
    }
  } else {
    const json& rows = expect["rows"];
    if (!rows.is_array()) throw CaseError(StrCat(what, ".rows must be a list"));
    for (const json& row : rows) out->rows.push_back(ExpectedRow(row, StrCat(what, ".rows")));
  }
  if (expect.contains("ordered")) {
    if (!expect["ordered"].is_boolean()) {
      throw CaseError(StrCat(what, ".ordered must be true or false"));
    }
    out->ordered = expect["ordered"].get<bool>();
  }
  if (expect.contains("columns")) {
    out->columns = Strings(expect["columns"], StrCat(what, ".columns"));
  }
  if (expect.contains("ruleType")) {
    out->rule_type = RuleTypeOf(expect["ruleType"], StrCat(what, ".ruleType"));
  }
}

void LoadCase(const json& c, const std::string& default_querier, PolicyCase* out) {
  std::string what = StrCat("case \"", out->name, "\"");
  CheckKeys(c,
            {"name", "comment", "querier", "sql", "parameters", "analysisTemplateArn", "receivers",
             "expect"},
            what);
  out->querier =
      c.contains("querier") ? String(c["querier"], StrCat(what, ".querier")) : default_querier;
  if (out->querier.empty()) {
    throw CaseError(StrCat(what, " needs a querier (in the case or the file)"));
  }
  out->sql = Text(Required(c, "sql", what), StrCat(what, ".sql"));
  if (c.contains("parameters")) {
    const json& params = c["parameters"];
    if (!params.is_array()) throw CaseError(StrCat(what, ".parameters must be a list"));
    for (const json& p : params) {
      std::string p_what = StrCat(what, ".parameters[]");
      CheckKeys(p, {"name", "type", "value"}, p_what);
      out->parameters.push_back({String(Required(p, "name", p_what), p_what),
                                 String(Required(p, "type", p_what), p_what),
                                 String(Required(p, "value", p_what), p_what)});
    }
  }
  if (c.contains("analysisTemplateArn")) {
    out->analysis_template_arn =
        String(c["analysisTemplateArn"], StrCat(what, ".analysisTemplateArn"));
  }
  out->receivers = c.contains("receivers") ? Strings(c["receivers"], StrCat(what, ".receivers"))
                                           : std::vector<std::string>{out->querier};
  LoadExpectation(Required(c, "expect", what), StrCat(what, ".expect"), out);
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

std::vector<PolicyCase> LoadFile(const std::filesystem::path& path) {
  std::string file = path.stem().string();
  auto failed = [&](const std::string& message) {
    PolicyCase c;
    c.file = file;
    c.name = "load";
    c.load_error = StrCat(path.string(), ": ", message);
    return std::vector<PolicyCase>{c};
  };
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return failed("cannot be read");
  json doc = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return failed("is not valid JSON");
  std::vector<PolicyCase> cases;
  try {
    CheckKeys(doc, {"description", "querier", "tables", "cases"}, "the file");
    std::string querier = doc.contains("querier") ? String(doc["querier"], "querier") : "";
    const json& tables = Required(doc, "tables", "the file");
    if (!tables.is_array()) throw CaseError("tables must be a list");
    auto loaded = std::make_shared<std::vector<CaseTable>>();
    for (size_t i = 0; i < tables.size(); ++i) loaded->push_back(LoadTable(tables[i], i));
    const json& list = Required(doc, "cases", "the file");
    if (!list.is_array() || list.empty()) throw CaseError("cases must be a non-empty list");
    std::set<std::string> names;
    for (const json& c : list) {
      PolicyCase out;
      out.file = file;
      out.tables = loaded;
      out.name = c.is_object() && c.contains("name") && c["name"].is_string()
                     ? c["name"].get<std::string>()
                     : "";
      if (out.name.empty() || !std::all_of(out.name.begin(), out.name.end(), IsNameChar)) {
        throw CaseError(
            StrCat("case name \"", out.name, "\" must be a non-empty [A-Za-z0-9_] name"));
      }
      if (!names.insert(out.name).second) {
        throw CaseError(StrCat("case name \"", out.name, "\" is used twice"));
      }
      try {
        LoadCase(c, querier, &out);
      } catch (const CaseError& e) {
        out.load_error = StrCat(path.string(), ": ", e.what());
      }
      cases.push_back(std::move(out));
    }
  } catch (const CaseError& e) {
    return failed(e.what());
  }
  return cases;
}

}  // namespace

std::vector<PolicyCase> LoadPolicyCases(const std::string& directory) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  if (error || files.empty()) {
    PolicyCase c;
    c.file = "policy_cases";
    c.name = "load";
    c.load_error = StrCat("no case files (*.json) found in ", directory);
    return {c};
  }
  std::sort(files.begin(), files.end());
  std::vector<PolicyCase> all;
  for (const auto& path : files) {
    std::vector<PolicyCase> cases = LoadFile(path);
    all.insert(all.end(), cases.begin(), cases.end());
  }
  return all;
}

std::string TestName(const PolicyCase& c) {
  std::string name = StrCat(c.file, "_", c.name);
  for (char& ch : name) {
    if (!IsNameChar(ch)) ch = '_';
  }
  return name;
}

void PrintTo(const PolicyCase& c, std::ostream* os) { *os << c.file << ".json: " << c.name; }

}  // namespace cleanroom::querypolicy::testing
