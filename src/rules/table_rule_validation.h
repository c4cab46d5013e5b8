// Semantic validation of a configured table's analysis rule against that table: the checks the
// service model cannot express, as AWS documents them, plus the stricter reading wherever AWS is
// silent (each such case is marked "[stricter]" below and in docs/analysis-rules.md).
//
// Paths below are relative to "analysisRulePolicy.v1.<key>" (key = aggregation, list or custom).
// "The column checks" for a list of column names are, for each name in list order: not listed
// earlier in the same list ("Column 'c' is listed more than once"), then one of the table's
// allowedColumns ("Column 'c' is not an allowed column of the configured table (allowed columns:
// a, b)"), then the role checks given for that list.
//
// AGGREGATION, in this order:
//   1. analysisRuleType: the table's data is in Amazon S3 (AWS documents that non-S3 data sources
//      support CUSTOM rules only).
//   2. analysisRuleType: the table's analysis method allows SQL queries [stricter: AGGREGATION and
//      LIST rules describe SQL query shapes, so a DIRECT_JOB-only table cannot use them].
//   3. aggregateColumns[i].columnNames: the column checks, then each (function, column) pair is
//      allowed by one entry only.
//   4. joinColumns: the column checks.
//   5. joinRequired: QUERY_RUNNER needs at least one join column [stricter].
//   6. allowedJoinOperators: no operator twice.
//   7. dimensionColumns: the column checks; not a join column, not an aggregate column (AWS: a
//      dimension column cannot also be an aggregate or join column; join and aggregate columns
//      may overlap).
//   8. scalarFunctions: no function twice.
//   9. outputConstraints[i].columnName: one of the allowed columns; no second constraint on the
//      same column [stricter]; an aggregate or join column of the rule [stricter: the constraint
//      counts distinct values of a column the query aggregates or joins on].
//  10. additionalAnalyses: absent or NOT_ALLOWED [stricter: the model documents additional
//      analyses as supported for LIST and CUSTOM rules only].
//
// LIST, in this order: 1 and 2 as above; joinColumns: the column checks; allowedJoinOperators: no
// operator twice; listColumns: the column checks, and not a join column [stricter: join columns
// identify the overlap and are not listed].
//
// CUSTOM, in this order:
//   1. allowedAnalyses: no entry twice; ANY_QUERY only if the table's analysis method allows SQL
//      queries; ANY_JOB only if it allows PySpark jobs.
//   2. allowedAnalysisProviders: no account twice; at least one account when allowedAnalyses holds
//      ANY_QUERY or ANY_JOB (the model: "required when allowedAnalyses is ANY_QUERY"); absent or
//      empty when allowedAnalyses lists analysis template ARNs (AWS: a rule allows either analysis
//      templates or query providers, not both).
//   3. disallowedOutputColumns: the column checks.
//   4. differentialPrivacy.columns[0].name: the table's data is in Amazon S3 (AWS: differential
//      privacy needs S3 data); one of the allowed columns; not a disallowed output column
//      [stricter].
//
// Checks the Parse functions and the model already make (types, enums, patterns, list sizes,
// minimum in 2..100000) are not repeated.
#ifndef CLEANROOM_RULES_TABLE_RULE_VALIDATION_H_
#define CLEANROOM_RULES_TABLE_RULE_VALIDATION_H_

#include "absl/status/status.h"
#include "rules/analysis_rule.h"
#include "rules/context.h"

namespace cleanroom::rules {

// Returns OK if `rule` may be attached to `table`, otherwise the first failing check in the order
// above as a ValidationException (FIELD_VALIDATION_FAILED, one fieldList entry; see
// validation_error.h). Deterministic: the same inputs always report the same problem.
absl::Status ValidateTableRule(const TableRule& rule, const TableContext& table);

}  // namespace cleanroom::rules

#endif  // CLEANROOM_RULES_TABLE_RULE_VALIDATION_H_
