# Imported target `duckdb`: the pinned prebuilt DuckDB 1.4.4 fetched by scripts/fetch-duckdb.sh.
set(DUCKDB_ROOT "${CMAKE_SOURCE_DIR}/third_party/duckdb" CACHE PATH "Pinned DuckDB 1.4.4")
if(NOT EXISTS "${DUCKDB_ROOT}/lib/libduckdb.so")
  execute_process(COMMAND "${CMAKE_SOURCE_DIR}/scripts/fetch-duckdb.sh" RESULT_VARIABLE _duckdb_rc)
  if(NOT _duckdb_rc EQUAL 0)
    message(FATAL_ERROR "DuckDB 1.4.4 is missing; run scripts/fetch-duckdb.sh")
  endif()
endif()
add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION "${DUCKDB_ROOT}/lib/libduckdb.so"
  IMPORTED_NO_SONAME ON
  INTERFACE_INCLUDE_DIRECTORIES "${DUCKDB_ROOT}/include")
# DuckDB's headers are third-party code: include them as system headers so our -Werror skips them.
set_target_properties(duckdb PROPERTIES INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${DUCKDB_ROOT}/include")
