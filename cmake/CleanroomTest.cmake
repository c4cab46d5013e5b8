# cleanroom_test(NAME name [PREFIX p.] [DISCOVERY_MODE PRE_TEST] SRCS a.cc... DEPS lib...): a
# GoogleTest executable registered with CTest; PREFIX is prepended to every discovered test name
# (ctest -R p). DISCOVERY_MODE PRE_TEST lists the tests when ctest runs rather than after the
# build, for tests generated from data files that change without a rebuild.
function(cleanroom_test)
  cmake_parse_arguments(T "" "NAME;PREFIX;DISCOVERY_MODE" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SRCS})
  cleanroom_warnings(${T_NAME})
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${T_NAME} PRIVATE ${CMAKE_SOURCE_DIR}/test)
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  if(NOT T_DISCOVERY_MODE)
    set(T_DISCOVERY_MODE POST_BUILD)
  endif()
  gtest_discover_tests(${T_NAME} TEST_PREFIX "${T_PREFIX}" PROPERTIES LABELS "${T_LABELS}"
                       DISCOVERY_TIMEOUT 60 DISCOVERY_MODE ${T_DISCOVERY_MODE})
endfunction()

# cleanroom_library(NAME name SRCS ... PUBLIC_DEPS ... PRIVATE_DEPS ...): one module library.
function(cleanroom_library)
  cmake_parse_arguments(L "" "NAME" "SRCS;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${L_NAME} STATIC ${L_SRCS})
  cleanroom_warnings(${L_NAME})
  target_include_directories(${L_NAME} PUBLIC ${CMAKE_SOURCE_DIR}/include ${CMAKE_SOURCE_DIR}/src)
  target_link_libraries(${L_NAME} PUBLIC ${L_PUBLIC_DEPS} PRIVATE ${L_PRIVATE_DEPS})
endfunction()
