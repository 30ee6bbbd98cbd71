# valgrind memcheck over the integration tests, included by
# tests/CMakeLists.txt in the normal build (ASan's build cannot run under
# valgrind). The same scripts run with a `ddirr` that is valgrind running
# ddirr: any memcheck error, or a definitely or indirectly lost block, makes
# it exit 97, which no script expects.
find_program(VALGRIND valgrind)
if(VALGRIND AND NOT DDIRR_SANITIZE)
  set(vg_ddirr ${CMAKE_CURRENT_SOURCE_DIR}/valgrind/ddirr)
  add_test(NAME valgrind_cli_trace_tools
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli.sh ${PROJECT_SOURCE_DIR} ${vg_ddirr}
            $<TARGET_FILE:ddirr-sample-trace> ${CMAKE_CURRENT_BINARY_DIR}/valgrind/cli)
  add_test(NAME valgrind_replay_cli_exit_codes
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/replayer/test_replay_cli.sh ${vg_ddirr} $<TARGET_FILE:ddirr-kmd-trace>
            ${CMAKE_CURRENT_BINARY_DIR}/kmd ${CMAKE_CURRENT_BINARY_DIR}/valgrind/replay_cli)
  add_test(NAME valgrind_corpus_shards_junit_and_exit_codes
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/runner/test_corpus.sh ${vg_ddirr} ${PROJECT_SOURCE_DIR}/traces
            ${SAMPLEKMD_DIR} ${CMAKE_CURRENT_BINARY_DIR}/valgrind/corpus)
  set_tests_properties(valgrind_cli_trace_tools valgrind_replay_cli_exit_codes
    valgrind_corpus_shards_junit_and_exit_codes PROPERTIES LABELS valgrind
    ENVIRONMENT "DDIRR_UNDER_VALGRIND=$<TARGET_FILE:ddirr>")
endif()
