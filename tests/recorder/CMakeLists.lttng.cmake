# The LTTng integration test, included by tests/CMakeLists.txt after the
# recorder's fragment (which defines the fixture host and driver): a capture
# of the fixture host under LD_PRELOAD=libddirr_shim.so with DDIRR_LTTNG=1,
# inside an LTTng session of a private session daemon; babeltrace2 must show
# every call of the ddirr trace with the same seqs, DDI ids, threads,
# parents, keys, statuses and return values (test_lttng.sh says how).
#
# It starts lttng-sessiond itself (scripts/lttng-session.sh: as root, in new
# mount and pid namespaces), so it needs lttng-tools and babeltrace2, and
# fails, saying why, when no session daemon can be started.
find_program(DDIRR_LTTNG_SESSIOND lttng-sessiond)
find_program(DDIRR_BABELTRACE2 babeltrace2)
if(NOT DDIRR_LTTNG_SESSIOND OR NOT DDIRR_BABELTRACE2)
  message(WARNING "recorder_lttng_traces_every_call needs lttng-sessiond and babeltrace2 "
                  "(scripts/install-deps.sh); the test will fail until they are installed")
endif()

add_test(NAME recorder_lttng_traces_every_call
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/recorder/test_lttng.sh
          ${CMAKE_CURRENT_BINARY_DIR}/recorder_lttng $<TARGET_FILE:ddirr>
          ${PROJECT_SOURCE_DIR}/include/ddirr/ddi.def ${PROJECT_SOURCE_DIR}/scripts/lttng-session.sh
          -- env LD_PRELOAD=$<TARGET_FILE:ddirr_shim>
             $<TARGET_FILE:fixture_host> run $<TARGET_FILE:ddirr_fixture_driver> 20
             ${CMAKE_CURRENT_BINARY_DIR}/recorder_lttng/counts)
# A session daemon per run: keep it away from other tests' timing, and bound it.
set_tests_properties(recorder_lttng_traces_every_call PROPERTIES TIMEOUT 60 RUN_SERIAL TRUE)
