# Trace-file writer and reader tests, included by tests/CMakeLists.txt.
# They use ddirr_unit_test() from there: CMocka, ddirr_schema, and the
# schema source and build directories for trace_format.h and ddirr.pb-c.h,
# which the tests use to check and to craft frames byte by byte.
ddirr_unit_test(test_trace_writer schema/test_trace_writer.c)
ddirr_unit_test(test_trace_recovery schema/test_trace_recovery.c)
ddirr_unit_test(test_adapter_caps schema/test_adapter_caps.c)
ddirr_unit_test(test_trace_deltas schema/test_trace_deltas.c)
target_compile_definitions(test_trace_deltas PRIVATE DDIRR_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/schema/data")
ddirr_unit_test(test_trace_calls schema/test_trace_calls.c)
