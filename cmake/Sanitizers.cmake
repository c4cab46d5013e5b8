# Applies CLEANROOM_SANITIZE to every target defined after this point (our code; DuckDB is prebuilt).
if(CLEANROOM_SANITIZE)
  add_compile_options(-fsanitize=${CLEANROOM_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${CLEANROOM_SANITIZE})
endif()
