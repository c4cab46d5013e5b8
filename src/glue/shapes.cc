#include "glue/shapes.h"

#include <cmath>
#include <limits>

#include "common/aws_error.h"
#include "common/strings.h"
#include "glue/names.h"

namespace cleanroom::glue {
namespace {

using nlohmann::json;

// ---- The validator -------------------------------------------------------------------------

struct Validation {
  std::vector<std::string> violations;
  std::optional<absl::Status> type_error;  // first one wins
};

std::string MemberPath(std::string_view parent, std::string_view member) {
  std::string name(member);
  if (!name.empty() && name[0] >= 'A' && name[0] <= 'Z') name[0] = static_cast<char>(name[0] + 32);
  if (parent.empty()) return name;
  return StrCat(parent, ".", name);
}

const char* TypeName(ShapeType type) {
  switch (type) {
    case ShapeType::kString:
      return "a string";
    case ShapeType::kInteger:
    case ShapeType::kLong:
      return "an integer";
    case ShapeType::kBoolean:
      return "a boolean";
    case ShapeType::kDouble:
      return "a number";
    case ShapeType::kTimestamp:
      return "a timestamp (epoch seconds)";
    case ShapeType::kStructure:
      return "an object";
    case ShapeType::kList:
      return "a list";
    case ShapeType::kMap:
      return "a map";
    case ShapeType::kDocument:
      return "a JSON value";
  }
  return "a value";
}

void TypeError(Validation& v, std::string_view path, ShapeType type) {
  if (v.type_error) return;
  v.type_error = AwsError(
      absl::StatusCode::kInvalidArgument, "SerializationException",
      StrCat("Member '", path.empty() ? "(request)" : path, "' must be ", TypeName(type)), 400);
}

void CheckLength(Validation& v, const Shape& shape, const std::string& shown, size_t length,
                 std::string_view path) {
  if (shape.min && static_cast<int64_t>(length) < *shape.min) {
    v.violations.push_back(ConstraintViolation(
        &shown, path, StrCat("Member must have length greater than or equal to ", *shape.min)));
  }
  if (shape.max && static_cast<int64_t>(length) > *shape.max) {
    v.violations.push_back(ConstraintViolation(
        &shown, path, StrCat("Member must have length less than or equal to ", *shape.max)));
  }
}

json Check(Validation& v, const json& value, const Shape& shape, std::string_view path);

json CheckString(Validation& v, const json& value, const Shape& shape, std::string_view path) {
  if (!value.is_string()) {
    TypeError(v, path, shape.type);
    return json();
  }
  const std::string& text = value.get_ref<const std::string&>();
  CheckLength(v, shape, text, AwsLength(text), path);
  if (shape.pattern != TextPattern::kAny &&
      !MatchesTextPattern(text, shape.pattern == TextPattern::kMultiLine)) {
    std::string_view pattern =
        shape.pattern == TextPattern::kMultiLine ? kMultiLinePattern : kSingleLinePattern;
    v.violations.push_back(ConstraintViolation(
        &text, path, StrCat("Member must satisfy regular expression pattern: ", pattern)));
  }
  if (!shape.enum_values.empty()) {
    bool found = false;
    for (const std::string& e : shape.enum_values) found = found || e == text;
    if (!found) {
      std::string set;
      for (const std::string& e : shape.enum_values) set += set.empty() ? e : StrCat(", ", e);
      v.violations.push_back(ConstraintViolation(
          &text, path, StrCat("Member must satisfy enum value set: [", set, "]")));
    }
  }
  return value;
}

json CheckNumber(Validation& v, const json& value, const Shape& shape, std::string_view path) {
  const bool integral = shape.type == ShapeType::kInteger || shape.type == ShapeType::kLong;
  if (integral ? !value.is_number_integer() : !value.is_number()) {
    TypeError(v, path, shape.type);
    return json();
  }
  if (shape.type == ShapeType::kInteger) {
    bool fits = value.is_number_unsigned()
                    ? value.get<uint64_t>() <= uint64_t{std::numeric_limits<int32_t>::max()}
                    : value.get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                          value.get<int64_t>() <= std::numeric_limits<int32_t>::max();
    if (!fits) {
      TypeError(v, path, shape.type);
      return json();
    }
  }
  if (shape.type == ShapeType::kLong && value.is_number_unsigned() &&
      value.get<uint64_t>() > uint64_t{std::numeric_limits<int64_t>::max()}) {
    TypeError(v, path, shape.type);
    return json();
  }
  if (shape.type == ShapeType::kTimestamp || shape.type == ShapeType::kDouble) {
    if (!std::isfinite(value.get<double>())) {
      TypeError(v, path, shape.type);
      return json();
    }
  }
  double n = value.get<double>();
  std::string shown = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (shape.min && n < static_cast<double>(*shape.min)) {
    v.violations.push_back(ConstraintViolation(
        &shown, path, StrCat("Member must have value greater than or equal to ", *shape.min)));
  }
  if (shape.max && n > static_cast<double>(*shape.max)) {
    v.violations.push_back(ConstraintViolation(
        &shown, path, StrCat("Member must have value less than or equal to ", *shape.max)));
  }
  return value;
}

json CheckStructure(Validation& v, const json& value, const Shape& shape, std::string_view path) {
  if (!value.is_object()) {
    TypeError(v, path, shape.type);
    return json();
  }
  json out = json::object();
  for (const MemberShape& m : shape.members) {
    std::string member_path = MemberPath(path, m.name);
    auto it = value.find(m.name);
    if (it == value.end() || it->is_null()) {
      if (m.required) {
        v.violations.push_back(
            ConstraintViolation(nullptr, member_path, "Member must not be null"));
      }
      continue;
    }
    json checked = Check(v, *it, *m.shape, member_path);
    if (!checked.is_null()) out[m.name] = std::move(checked);
  }
  return out;
}

json CheckList(Validation& v, const json& value, const Shape& shape, std::string_view path) {
  if (!value.is_array()) {
    TypeError(v, path, shape.type);
    return json();
  }
  std::string shown = value.dump(-1, ' ', false, json::error_handler_t::replace);
  CheckLength(v, shape, shown, value.size(), path);
  json out = json::array();
  for (size_t i = 0; i < value.size(); ++i) {
    std::string element_path = StrCat(path, ".", i + 1, ".member");
    if (value[i].is_null()) {
      v.violations.push_back(ConstraintViolation(nullptr, element_path, "Member must not be null"));
      continue;
    }
    out.push_back(Check(v, value[i], *shape.element, element_path));
  }
  return out;
}

json CheckMap(Validation& v, const json& value, const Shape& shape, std::string_view path) {
  if (!value.is_object()) {
    TypeError(v, path, shape.type);
    return json();
  }
  std::string shown = value.dump(-1, ' ', false, json::error_handler_t::replace);
  CheckLength(v, shape, shown, value.size(), path);
  json out = json::object();
  for (const auto& [key, element] : value.items()) {
    if (shape.key != nullptr) Check(v, json(key), *shape.key, StrCat(path, ".key"));
    if (element.is_null()) {
      v.violations.push_back(
          ConstraintViolation(nullptr, StrCat(path, ".", key), "Map value must not be null"));
      continue;
    }
    out[key] = Check(v, element, *shape.element, StrCat(path, ".", key));
  }
  return out;
}

json Check(Validation& v, const json& value, const Shape& shape, std::string_view path) {
  switch (shape.type) {
    case ShapeType::kString:
      return CheckString(v, value, shape, path);
    case ShapeType::kInteger:
    case ShapeType::kLong:
    case ShapeType::kDouble:
    case ShapeType::kTimestamp:
      return CheckNumber(v, value, shape, path);
    case ShapeType::kBoolean:
      if (!value.is_boolean()) {
        TypeError(v, path, shape.type);
        return json();
      }
      return value;
    case ShapeType::kStructure:
      return CheckStructure(v, value, shape, path);
    case ShapeType::kList:
      return CheckList(v, value, shape, path);
    case ShapeType::kMap:
      return CheckMap(v, value, shape, path);
    case ShapeType::kDocument:
      return value;
  }
  return json();
}

// ---- The model -----------------------------------------------------------------------------

Shape Str(std::optional<int64_t> min, std::optional<int64_t> max,
          TextPattern pattern = TextPattern::kAny) {
  Shape s{ShapeType::kString};
  s.min = min;
  s.max = max;
  s.pattern = pattern;
  return s;
}

Shape Enum(std::vector<std::string> values) {
  Shape s{ShapeType::kString};
  s.enum_values = std::move(values);
  return s;
}

Shape Num(ShapeType type, std::optional<int64_t> min = std::nullopt,
          std::optional<int64_t> max = std::nullopt) {
  Shape s{type};
  s.min = min;
  s.max = max;
  return s;
}

Shape Struct(std::vector<MemberShape> members) {
  Shape s{ShapeType::kStructure};
  s.members = std::move(members);
  return s;
}

Shape List(const Shape* element, std::optional<int64_t> min = std::nullopt,
           std::optional<int64_t> max = std::nullopt) {
  Shape s{ShapeType::kList};
  s.element = element;
  s.min = min;
  s.max = max;
  return s;
}

Shape Map(const Shape* key, const Shape* value, std::optional<int64_t> max = std::nullopt) {
  Shape s{ShapeType::kMap};
  s.key = key;
  s.element = value;
  s.max = max;
  return s;
}

MemberShape Req(std::string name, const Shape& shape) { return {std::move(name), &shape, true}; }
MemberShape Opt(std::string name, const Shape& shape) { return {std::move(name), &shape, false}; }

// Every shape lives in this one object, built once; members point at earlier members.
struct Model {
  // Scalars.
  Shape name_string = Str(1, 255, TextPattern::kSingleLine);
  Shape catalog_id = Str(1, 255, TextPattern::kSingleLine);
  Shape description = Str(0, 2048, TextPattern::kMultiLine);
  Shape uri = Str(1, 1024, TextPattern::kMultiLine);
  Shape key_string = Str(1, 255, TextPattern::kSingleLine);
  Shape parameters_value = Str(std::nullopt, 512000);
  Shape location = Str(std::nullopt, 2056, TextPattern::kMultiLine);
  Shape format = Str(std::nullopt, 128, TextPattern::kSingleLine);
  Shape column_type = Str(0, 131072, TextPattern::kSingleLine);
  Shape comment = Str(0, 255, TextPattern::kSingleLine);
  Shape table_type = Str(std::nullopt, 255);
  Shape view_text = Str(std::nullopt, 409600);
  Shape value_string = Str(1, 1024);
  Shape plain_string = Str(std::nullopt, std::nullopt);
  Shape filter = Str(0, 2048, TextPattern::kSingleLine);
  Shape predicate = Str(0, 2048, TextPattern::kMultiLine);
  Shape table_prefix = Str(0, 128);
  Shape security_configuration = Str(0, 128);
  Shape version_string = Str(1, 255, TextPattern::kSingleLine);
  Shape transaction_id = Str(1, 255);
  Shape principal_string = Str(1, 255);
  Shape tag_key = Str(1, 128);
  Shape tag_value = Str(0, 256);
  Shape account_id = Str(std::nullopt, 12);
  Shape boolean = Num(ShapeType::kBoolean);
  Shape integer = Num(ShapeType::kInteger);
  Shape long_integer = Num(ShapeType::kLong);
  Shape non_negative = Num(ShapeType::kInteger, 0);
  Shape integer_flag = Num(ShapeType::kInteger, 0, 1);
  Shape catalog_page_size = Num(ShapeType::kInteger, 1, 100);
  Shape page_size = Num(ShapeType::kInteger, 1, 1000);
  Shape total_segments = Num(ShapeType::kInteger, 1, 10);
  Shape timestamp = Num(ShapeType::kTimestamp);
  Shape document = Shape{ShapeType::kDocument};

  // Enums.
  Shape permission = Enum({"ALL", "SELECT", "ALTER", "DROP", "DELETE", "INSERT", "CREATE_DATABASE",
                           "CREATE_TABLE", "DATA_LOCATION_ACCESS"});
  Shape resource_share_type = Enum({"FOREIGN", "ALL", "FEDERATED"});
  Shape database_attribute = Enum({"NAME", "TARGET_DATABASE"});
  Shape table_attribute = Enum({"NAME", "TABLE_TYPE"});
  Shape view_update_action = Enum({"ADD", "REPLACE", "ADD_OR_REPLACE", "DROP"});
  Shape update_behavior = Enum({"LOG", "UPDATE_IN_DATABASE"});
  Shape delete_behavior = Enum({"LOG", "DELETE_FROM_DATABASE", "DEPRECATE_IN_DATABASE"});
  Shape recrawl_behavior = Enum({"CRAWL_EVERYTHING", "CRAWL_NEW_FOLDERS_ONLY", "CRAWL_EVENT_MODE"});
  Shape lineage_settings = Enum({"ENABLE", "DISABLE"});

  // Collections.
  Shape parameters = Map(&key_string, &parameters_value);
  Shape tags = Map(&tag_key, &tag_value, 50);
  Shape name_list = List(&name_string);
  Shape location_list = List(&location);
  Shape value_list = List(&value_string);
  Shape plain_string_list = List(&plain_string);
  Shape string_to_string = Map(nullptr, &plain_string);
  Shape document_list = List(&document);

  // Structures.
  Shape principal = Struct({Opt("DataLakePrincipalIdentifier", principal_string)});
  Shape permission_list = List(&permission);
  Shape principal_permissions =
      Struct({Opt("Principal", principal), Opt("Permissions", permission_list)});
  Shape principal_permissions_list = List(&principal_permissions);
  Shape database_identifier =
      Struct({Opt("CatalogId", catalog_id), Opt("DatabaseName", name_string),
              Opt("Region", plain_string)});
  Shape table_identifier = Struct({Opt("CatalogId", catalog_id), Opt("DatabaseName", name_string),
                                   Opt("Name", name_string), Opt("Region", plain_string)});
  Shape database_input = Struct({Req("Name", name_string), Opt("Description", description),
                                 Opt("LocationUri", uri), Opt("Parameters", parameters),
                                 Opt("CreateTableDefaultPermissions", principal_permissions_list),
                                 Opt("TargetDatabase", database_identifier)});
  Shape column = Struct({Req("Name", name_string), Opt("Type", column_type),
                         Opt("Comment", comment), Opt("Parameters", parameters)});
  Shape column_list = List(&column);
  Shape order = Struct({Req("Column", name_string), Req("SortOrder", integer_flag)});
  Shape order_list = List(&order);
  Shape serde_info = Struct({Opt("Name", name_string), Opt("SerializationLibrary", name_string),
                             Opt("Parameters", parameters)});
  Shape skewed_info =
      Struct({Opt("SkewedColumnNames", name_list), Opt("SkewedColumnValues", plain_string_list),
              Opt("SkewedColumnValueLocationMaps", string_to_string)});
  Shape schema_id = Struct({Opt("SchemaArn", plain_string), Opt("SchemaName", plain_string),
                            Opt("RegistryName", plain_string)});
  Shape schema_reference = Struct({Opt("SchemaId", schema_id), Opt("SchemaVersionId", plain_string),
                                   Opt("SchemaVersionNumber", long_integer)});
  Shape storage_descriptor =
      Struct({Opt("Columns", column_list), Opt("Location", location),
              Opt("AdditionalLocations", location_list), Opt("InputFormat", format),
              Opt("OutputFormat", format), Opt("Compressed", boolean),
              Opt("NumberOfBuckets", integer), Opt("SerdeInfo", serde_info),
              Opt("BucketColumns", name_list), Opt("SortColumns", order_list),
              Opt("Parameters", parameters), Opt("SkewedInfo", skewed_info),
              Opt("StoredAsSubDirectories", boolean), Opt("SchemaReference", schema_reference)});
  Shape table_input =
      Struct({Req("Name", name_string), Opt("Description", description), Opt("Owner", name_string),
              Opt("LastAccessTime", timestamp), Opt("LastAnalyzedTime", timestamp),
              Opt("Retention", non_negative), Opt("StorageDescriptor", storage_descriptor),
              Opt("PartitionKeys", column_list), Opt("ViewOriginalText", view_text),
              Opt("ViewExpandedText", view_text), Opt("TableType", table_type),
              Opt("Parameters", parameters), Opt("TargetTable", table_identifier)});
  Shape partition_input =
      Struct({Opt("Values", value_list), Opt("LastAccessTime", timestamp),
              Opt("StorageDescriptor", storage_descriptor), Opt("Parameters", parameters),
              Opt("LastAnalyzedTime", timestamp)});
  Shape partition_input_list = List(&partition_input, 0, 100);
  Shape segment =
      Struct({Req("SegmentNumber", non_negative), Req("TotalSegments", total_segments)});
  Shape s3_target =
      Struct({Opt("Path", plain_string), Opt("Exclusions", plain_string_list),
              Opt("ConnectionName", plain_string), Opt("SampleSize", integer),
              Opt("EventQueueArn", plain_string), Opt("DlqEventQueueArn", plain_string)});
  Shape s3_target_list = List(&s3_target);
  Shape crawler_targets =
      Struct({Opt("S3Targets", s3_target_list), Opt("JdbcTargets", document_list),
              Opt("MongoDBTargets", document_list), Opt("DynamoDBTargets", document_list),
              Opt("CatalogTargets", document_list), Opt("DeltaTargets", document_list),
              Opt("IcebergTargets", document_list), Opt("HudiTargets", document_list)});
  Shape schema_change_policy =
      Struct({Opt("UpdateBehavior", update_behavior), Opt("DeleteBehavior", delete_behavior)});
  Shape recrawl_policy = Struct({Opt("RecrawlBehavior", recrawl_behavior)});
  Shape lineage_configuration = Struct({Opt("CrawlerLineageSettings", lineage_settings)});
  Shape lake_formation_configuration =
      Struct({Opt("UseLakeFormationCredentials", boolean), Opt("AccountId", account_id)});
  Shape crawler_name_list = List(&name_string, 0, 100);
  Shape tables_to_delete = List(&name_string, 0, 100);
  Shape database_attributes = List(&database_attribute);
  Shape table_attributes = List(&table_attribute);

  // Requests.
  Shape create_database = Struct(
      {Opt("CatalogId", catalog_id), Req("DatabaseInput", database_input), Opt("Tags", tags)});
  Shape get_database = Struct({Opt("CatalogId", catalog_id), Req("Name", name_string)});
  Shape get_databases =
      Struct({Opt("CatalogId", catalog_id), Opt("NextToken", plain_string),
              Opt("MaxResults", catalog_page_size), Opt("ResourceShareType", resource_share_type),
              Opt("AttributesToGet", database_attributes)});
  Shape update_database = Struct({Opt("CatalogId", catalog_id), Req("Name", name_string),
                                  Req("DatabaseInput", database_input)});
  Shape delete_database = Struct({Opt("CatalogId", catalog_id), Req("Name", name_string)});
  Shape create_table = Struct(
      {Opt("CatalogId", catalog_id), Req("DatabaseName", name_string), Opt("Name", name_string),
       Opt("TableInput", table_input), Opt("PartitionIndexes", document_list),
       Opt("TransactionId", transaction_id), Opt("OpenTableFormatInput", document)});
  Shape get_table = Struct({Opt("CatalogId", catalog_id), Req("DatabaseName", name_string),
                            Req("Name", name_string), Opt("TransactionId", transaction_id),
                            Opt("QueryAsOfTime", timestamp), Opt("AuditContext", document),
                            Opt("IncludeStatusDetails", boolean)});
  Shape get_tables =
      Struct({Opt("CatalogId", catalog_id), Req("DatabaseName", name_string),
              Opt("Expression", filter), Opt("NextToken", plain_string),
              Opt("MaxResults", catalog_page_size), Opt("TransactionId", transaction_id),
              Opt("QueryAsOfTime", timestamp), Opt("AuditContext", document),
              Opt("IncludeStatusDetails", boolean), Opt("AttributesToGet", table_attributes)});
  Shape update_table =
      Struct({Opt("CatalogId", catalog_id), Req("DatabaseName", name_string),
              Opt("Name", name_string), Opt("TableInput", table_input), Opt("SkipArchive", boolean),
              Opt("TransactionId", transaction_id), Opt("VersionId", version_string),
              Opt("ViewUpdateAction", view_update_action), Opt("Force", boolean),
              Opt("UpdateOpenTableFormatInput", document)});
  Shape delete_table = Struct({Opt("CatalogId", catalog_id), Req("DatabaseName", name_string),
                               Req("Name", name_string), Opt("TransactionId", transaction_id)});
  Shape batch_delete_table =
      Struct({Opt("CatalogId", catalog_id), Req("DatabaseName", name_string),
              Req("TablesToDelete", tables_to_delete), Opt("TransactionId", transaction_id)});
  Shape get_partitions =
      Struct({Opt("CatalogId", catalog_id), Req("DatabaseName", name_string),
              Req("TableName", name_string), Opt("Expression", predicate),
              Opt("NextToken", plain_string), Opt("Segment", segment), Opt("MaxResults", page_size),
              Opt("ExcludeColumnSchema", boolean), Opt("TransactionId", transaction_id),
              Opt("QueryAsOfTime", timestamp), Opt("AuditContext", document)});
  Shape create_partition =
      Struct({Opt("CatalogId", catalog_id), Req("DatabaseName", name_string),
              Req("TableName", name_string), Req("PartitionInput", partition_input)});
  Shape batch_create_partition =
      Struct({Opt("CatalogId", catalog_id), Req("DatabaseName", name_string),
              Req("TableName", name_string), Req("PartitionInputList", partition_input_list)});
  Shape get_partition = Struct({Opt("CatalogId", catalog_id), Req("DatabaseName", name_string),
                                Req("TableName", name_string), Req("PartitionValues", value_list),
                                Opt("AuditContext", document)});
  Shape create_crawler = Struct(
      {Req("Name", name_string), Req("Role", plain_string), Opt("DatabaseName", plain_string),
       Opt("Description", description), Req("Targets", crawler_targets),
       Opt("Schedule", plain_string), Opt("Classifiers", name_list),
       Opt("TablePrefix", table_prefix), Opt("SchemaChangePolicy", schema_change_policy),
       Opt("RecrawlPolicy", recrawl_policy), Opt("LineageConfiguration", lineage_configuration),
       Opt("LakeFormationConfiguration", lake_formation_configuration),
       Opt("Configuration", plain_string),
       Opt("CrawlerSecurityConfiguration", security_configuration), Opt("Tags", tags)});
  Shape update_crawler = Struct(
      {Req("Name", name_string), Opt("Role", plain_string), Opt("DatabaseName", plain_string),
       Opt("Description", description), Opt("Targets", crawler_targets),
       Opt("Schedule", plain_string), Opt("Classifiers", name_list),
       Opt("TablePrefix", table_prefix), Opt("SchemaChangePolicy", schema_change_policy),
       Opt("RecrawlPolicy", recrawl_policy), Opt("LineageConfiguration", lineage_configuration),
       Opt("LakeFormationConfiguration", lake_formation_configuration),
       Opt("Configuration", plain_string),
       Opt("CrawlerSecurityConfiguration", security_configuration)});
  Shape crawler_by_name = Struct({Req("Name", name_string)});
  Shape get_crawlers = Struct({Opt("MaxResults", page_size), Opt("NextToken", plain_string)});
  Shape list_crawlers =
      Struct({Opt("MaxResults", page_size), Opt("NextToken", plain_string), Opt("Tags", tags)});
  Shape get_crawler_metrics =
      Struct({Opt("CrawlerNameList", crawler_name_list), Opt("MaxResults", page_size),
              Opt("NextToken", plain_string)});
};

const Model& TheModel() {
  static const Model* model = new Model();
  return *model;
}

}  // namespace

absl::StatusOr<nlohmann::json> ValidateShape(const nlohmann::json& value, const Shape& shape,
                                             std::string_view path) {
  Validation v;
  json out = Check(v, value, shape, path);
  if (v.type_error) return *v.type_error;
  if (!v.violations.empty()) return InvalidInput(ValidationErrorsMessage(v.violations));
  return out;
}

const Shape* RequestShape(std::string_view operation) {
  const Model& m = TheModel();
  static const std::vector<std::pair<std::string_view, const Shape*>> kShapes = {
      {"CreateDatabase", &m.create_database},
      {"GetDatabase", &m.get_database},
      {"GetDatabases", &m.get_databases},
      {"UpdateDatabase", &m.update_database},
      {"DeleteDatabase", &m.delete_database},
      {"CreateTable", &m.create_table},
      {"GetTable", &m.get_table},
      {"GetTables", &m.get_tables},
      {"UpdateTable", &m.update_table},
      {"DeleteTable", &m.delete_table},
      {"BatchDeleteTable", &m.batch_delete_table},
      {"GetPartitions", &m.get_partitions},
      {"CreatePartition", &m.create_partition},
      {"BatchCreatePartition", &m.batch_create_partition},
      {"GetPartition", &m.get_partition},
      {"CreateCrawler", &m.create_crawler},
      {"GetCrawler", &m.crawler_by_name},
      {"GetCrawlers", &m.get_crawlers},
      {"ListCrawlers", &m.list_crawlers},
      {"UpdateCrawler", &m.update_crawler},
      {"StartCrawler", &m.crawler_by_name},
      {"StopCrawler", &m.crawler_by_name},
      {"DeleteCrawler", &m.crawler_by_name},
      {"GetCrawlerMetrics", &m.get_crawler_metrics},
  };
  for (const auto& [name, shape] : kShapes) {
    if (name == operation) return shape;
  }
  return nullptr;
}

const Shape& DatabaseInputShape() { return TheModel().database_input; }
const Shape& TableInputShape() { return TheModel().table_input; }
const Shape& PartitionInputShape() { return TheModel().partition_input; }

}  // namespace cleanroom::glue
