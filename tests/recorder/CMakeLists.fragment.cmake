# Recorder tests, included by tests/CMakeLists.txt: the fixture driver and
# host (fixture.h), the CMocka tests of the recorder API, and the preload
# integration test.

# The fixture driver: a shared object that binds DxgkInitialize at load.
add_library(ddirr_fixture_driver SHARED recorder/fixture_driver.c)
set_target_properties(ddirr_fixture_driver PROPERTIES C_VISIBILITY_PRESET hidden)
target_include_directories(ddirr_fixture_driver PRIVATE recorder ${PROJECT_SOURCE_DIR}/recorder ${PROJECT_SOURCE_DIR}/schema)
target_link_libraries(ddirr_fixture_driver PRIVATE ddirr_desc)
# Its copy of the description stays its own (a real driver would not share
# the host's symbols either).
target_link_options(ddirr_fixture_driver PRIVATE -Wl,--exclude-libs,ALL)

# The host side, for the preload test: no recorder linked in.
add_executable(fixture_host recorder/fixture_host_main.c recorder/fixture_host.c)
set_target_properties(fixture_host PROPERTIES ENABLE_EXPORTS ON)
target_include_directories(fixture_host PRIVATE recorder ${PROJECT_SOURCE_DIR}/recorder)
target_link_libraries(fixture_host PRIVATE ddirr_test_support ddirr_schema ${CMAKE_DL_LIBS})
add_dependencies(fixture_host ddirr_fixture_driver)

add_test(NAME recorder_preload_traces_every_call
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/recorder/test_preload.sh $<TARGET_FILE:ddirr_shim>
          $<TARGET_FILE:fixture_host> $<TARGET_FILE:ddirr_fixture_driver> $<TARGET_FILE:ddirr>
          ${CMAKE_CURRENT_BINARY_DIR}/recorder_preload)

# The recorder API tests: this program is the host, the fixture driver is
# loaded with dlopen. The ASan run uses fewer calls per thread (the normal
# run does 8 x 100,000).
ddirr_unit_test(test_recorder recorder/test_recorder.c)
target_sources(test_recorder PRIVATE recorder/fixture_host.c)
set_target_properties(test_recorder PROPERTIES ENABLE_EXPORTS ON)
target_include_directories(test_recorder PRIVATE recorder ${PROJECT_SOURCE_DIR}/recorder)
target_link_libraries(test_recorder PRIVATE ddirr_recorder ${CMAKE_DL_LIBS})
target_compile_definitions(test_recorder PRIVATE FIXTURE_DRIVER_PATH="$<TARGET_FILE:ddirr_fixture_driver>")
add_dependencies(test_recorder ddirr_fixture_driver)
if(DDIRR_SANITIZE)
  set_property(TEST test_recorder APPEND PROPERTY ENVIRONMENT "DDIRR_TEST_CALLS=5000")
endif()
