# cleanroom_warnings(target): strict warnings for our own targets only.
function(cleanroom_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  # GCC 12 reports impossible overlaps in std::string assignment at -O2 (GCC bug 105329).
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(CLEANROOM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
