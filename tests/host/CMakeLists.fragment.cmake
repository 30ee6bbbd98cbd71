# Capture host tests, included by tests/CMakeLists.txt: every scenario
# against a good driver, a seed reproduces the same trace apart from
# timestamps, a regressed driver is caught while capturing, and the
# command's errors.
add_test(NAME capture_scenarios_seeds_and_findings
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/host/test_capture.sh $<TARGET_FILE:ddirr> ${SAMPLEKMD_DIR}
          ${CMAKE_CURRENT_BINARY_DIR}/capture)
set_tests_properties(capture_scenarios_seeds_and_findings PROPERTIES
  ENVIRONMENT "FIXTURE_DRIVER=$<TARGET_FILE:ddirr_fixture_driver>")
