# One function that adds a QtTest executable as a ctest test with a label.
# Every test runs offscreen, so GUI tests work without a display.
#
#   pilothouse_add_test(NAME tst_foo LABEL unit SOURCES tst_foo.cpp LIBS pilothouse_backends
#                       [TIMEOUT 120])
function(pilothouse_add_test)
  cmake_parse_arguments(T "" "NAME;LABEL;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE pilothouse_common_cfg pilothouse_testsupport Qt6::Test ${T_LIBS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES
    LABELS "${T_LABEL}"
    TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;PILOTHOUSE_SIM=$<TARGET_FILE:pilothouse-sim>;PILOTHOUSE_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()
