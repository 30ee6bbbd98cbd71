add_test(NAME cli_trace_tools
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/cli/test_cli.sh ${PROJECT_SOURCE_DIR} $<TARGET_FILE:ddirr>
          $<TARGET_FILE:ddirr-sample-trace> ${CMAKE_CURRENT_BINARY_DIR}/cli)
