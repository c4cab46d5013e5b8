# cleanroom_warnings(target): strict warnings for our own targets only.
function(cleanroom_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
  if(CLEANROOM_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
