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
# A build-id of its own, set here, so that a test can hold the header's
# driver_build to a value it did not read from the driver.
set(FIXTURE_DRIVER_BUILD_ID dd17ec0de000000000000000000000000f1c7a1e)
target_link_options(ddirr_fixture_driver PRIVATE -Wl,--build-id=0x${FIXTURE_DRIVER_BUILD_ID})

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

# recorder_host_test(NAME SOURCE): a CMocka test that is the host, with the
# recorder linked in and the fixture driver loaded with dlopen.
function(recorder_host_test name source)
  ddirr_unit_test(${name} ${source})
  target_sources(${name} PRIVATE recorder/fixture_host.c)
  set_target_properties(${name} PROPERTIES ENABLE_EXPORTS ON)
  target_include_directories(${name} PRIVATE recorder ${PROJECT_SOURCE_DIR}/recorder)
  target_link_libraries(${name} PRIVATE ddirr_recorder ${CMAKE_DL_LIBS})
  target_compile_definitions(${name} PRIVATE FIXTURE_DRIVER_PATH="$<TARGET_FILE:ddirr_fixture_driver>"
                             FIXTURE_DRIVER_BUILD_ID="${FIXTURE_DRIVER_BUILD_ID}")
  add_dependencies(${name} ddirr_fixture_driver)
endfunction()

# The recorder API tests. The ASan run uses fewer calls per thread (the
# normal run does 8 x 100,000).
recorder_host_test(test_recorder recorder/test_recorder.c)
# Write faults (ENOSPC, EIO) are injected under the trace writer.
target_link_options(test_recorder PRIVATE -Wl,--wrap=write)
if(DDIRR_SANITIZE)
  set_property(TEST test_recorder APPEND PROPERTY ENVIRONMENT "DDIRR_TEST_CALLS=5000")
endif()

# recorder/clock.c: tick-to-ns arithmetic and anchors.
ddirr_unit_test(test_clock recorder/test_clock.c)
target_include_directories(test_clock PRIVATE ${PROJECT_SOURCE_DIR}/recorder)
target_link_libraries(test_clock PRIVATE ddirr_recorder)

# The recorder's copy of a frame against the generic walk, every call.
ddirr_unit_test(test_recorder_copy recorder/test_recorder_copy.c)

# SIGKILL at 200 random instants of a capture (tests/stress/kill-1000.sh
# runs 1000): every trace readable, a prefix of what was issued.
recorder_host_test(test_kill recorder/test_kill.c)
# The bound is on wall-clock time: the suite's other tests must not take the
# CPUs the killed child's drain needs (under ctest -j2 beside the copy test,
# 1 run in 2 saw a 40 ms wait). It runs alone.
set_property(TEST test_kill PROPERTY RUN_SERIAL TRUE)
if(DDIRR_SANITIZE)
  # ASan makes the drain several times slower: a longer ring backlog and
  # flush (measured: 8 ms median wait, 30 ms max under load 13); a wider slack
  # (the median must still be within the flush interval).
  set_property(TEST test_kill APPEND PROPERTY ENVIRONMENT "DDIRR_TEST_SLACK_MS=20")
endif()
# kill_variant(NAME ENV...): test_kill again, alone, in a directory of its
# own, with more settings.
function(kill_variant name)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/recorder_${name})
  add_test(NAME ${name} COMMAND test_kill)
  set(env "DDIRR_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/recorder_${name}" ${ARGN})
  if(DDIRR_SANITIZE)
    list(APPEND env "DDIRR_TEST_SLACK_MS=20")
  endif()
  set_tests_properties(${name} PROPERTIES RUN_SERIAL TRUE ENVIRONMENT "${env}")
endfunction()
# The default ring (4 MiB): a producer faster than the drain fills it, and
# block mode's age rule keeps its backlog within the bound too.
kill_variant(test_kill_default_ring "DDIRR_TEST_RING=4194304")
# The child's calls paced (one every 200 us), so that its chunks are
# written by the flush deadline, not because they fill: the test of the
# deadline itself. 100 kills.
kill_variant(test_kill_paced "DDIRR_TEST_PACE_US=200" "DDIRR_TEST_KILLS=100")

# Stress: 8 threads x 1M calls in block mode, alone in its process so that
# its peak RSS is its own (tests/stress/stress-8x1M.sh runs all three modes).
# The normal build only: ASan's shadow memory would be what is measured.
# Its trace goes to a directory of its own: test_recorder, which ctest -j
# may run at the same time, writes one of the same name.
if(NOT DDIRR_SANITIZE)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/recorder_stress)
  add_test(NAME recorder_stress_8x1M_block COMMAND test_recorder)
  set_tests_properties(recorder_stress_8x1M_block PROPERTIES ENVIRONMENT
    "DDIRR_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}/recorder_stress;DDIRR_TEST_CALLS=1000000;DDIRR_TEST_RSS=1;DDIRR_TEST_FILTER=*8_threads_block*")
endif()

# A real ENOSPC: a small tmpfs in a private mount namespace, filled by a
# capture (test_enospc.sh). Skipped (exit 77) where mounting is not
# permitted.
# The program is recorder_host_test's without its add_test: it only runs
# inside the script's namespace.
add_executable(test_enospc recorder/test_enospc.c recorder/fixture_host.c)
set_target_properties(test_enospc PROPERTIES ENABLE_EXPORTS ON)
target_include_directories(test_enospc PRIVATE ${PROJECT_SOURCE_DIR}/schema ${CMAKE_BINARY_DIR}/schema
  recorder ${PROJECT_SOURCE_DIR}/recorder)
target_link_libraries(test_enospc PRIVATE ddirr_test_support ddirr_schema PkgConfig::CMOCKA ddirr_recorder ${CMAKE_DL_LIBS})
target_compile_definitions(test_enospc PRIVATE FIXTURE_DRIVER_PATH="$<TARGET_FILE:ddirr_fixture_driver>")
add_dependencies(test_enospc ddirr_fixture_driver)
add_test(NAME recorder_enospc_real_tmpfs
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/recorder/test_enospc.sh $<TARGET_FILE:test_enospc> $<TARGET_FILE:ddirr>
          ${CMAKE_CURRENT_BINARY_DIR}/recorder_enospc)
set_tests_properties(recorder_enospc_real_tmpfs PROPERTIES SKIP_RETURN_CODE 77)

# The hot path in steady state takes no lock, makes no system call and
# allocates nothing: a seccomp filter on the recording thread, and this
# program's own malloc and pthread_mutex_lock, which the recorder (a static
# library) binds to.
recorder_host_test(test_hotpath recorder/test_hotpath.c)
