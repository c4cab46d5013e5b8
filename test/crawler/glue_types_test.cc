#include "crawler/glue_types.h"

#include "gtest/gtest.h"

namespace cleanroom::crawler {
namespace {

TEST(GlueTypesTest, MapsEngineTypes) {
  struct Case {
    const char* duckdb;
    bool integers_as_bigint;
    const char* glue;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"BIGINT", false, "bigint"},
           {"INTEGER", false, "int"},
           {"INTEGER", true, "bigint"},
           {"SMALLINT", false, "smallint"},
           {"TINYINT", false, "tinyint"},
           {"UBIGINT", false, "decimal(38,0)"},
           {"HUGEINT", false, "decimal(38,0)"},
           {"DOUBLE", false, "double"},
           {"FLOAT", false, "float"},
           {"DECIMAL(10,2)", false, "decimal(10,2)"},
           {"VARCHAR", false, "string"},
           {"BOOLEAN", false, "boolean"},
           {"DATE", false, "date"},
           {"TIMESTAMP", false, "timestamp"},
           {"TIMESTAMP WITH TIME ZONE", false, "timestamp"},
           {"TIMESTAMP_NS", false, "timestamp"},
           {"BLOB", false, "binary"},
           {"TIME", false, "string"},
           {"UUID", false, "string"},
           {"NULL", false, "string"},
           {"VARCHAR[]", false, "array<string>"},
           {"STRUCT(a INTEGER, \"B c\" VARCHAR[])", false, "struct<a:int,b c:array<string>>"},
           {"STRUCT(a STRUCT(x BIGINT, y DECIMAL(5,1)))", true,
            "struct<a:struct<x:bigint,y:decimal(5,1)>>"},
           {"MAP(VARCHAR, INTEGER)", false, "map<string,int>"},
       }) {
    EXPECT_EQ(GlueTypeOf(c.duckdb, c.integers_as_bigint), c.glue) << c.duckdb;
  }
}

TEST(GlueTypesTest, MergesTypes) {
  EXPECT_EQ(MergeGlueTypes("bigint", "bigint"), "bigint");
  EXPECT_EQ(MergeGlueTypes("int", "bigint"), "bigint");
  EXPECT_EQ(MergeGlueTypes("smallint", "tinyint"), "smallint");
  EXPECT_EQ(MergeGlueTypes("bigint", "double"), "double");
  EXPECT_EQ(MergeGlueTypes("decimal(10,2)", "bigint"), "double");
  EXPECT_EQ(MergeGlueTypes("date", "timestamp"), "string");
  EXPECT_EQ(MergeGlueTypes("boolean", "bigint"), "string");
  EXPECT_EQ(MergeGlueTypes("string", "bigint"), "string");
}

}  // namespace
}  // namespace cleanroom::crawler
