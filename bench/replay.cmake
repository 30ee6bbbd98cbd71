# Replay on the model against decoding (issue 5). Included by bench/CMakeLists.txt.
add_executable(ddirr-bench-replay bench_replay.c)
target_link_libraries(ddirr-bench-replay PRIVATE ddirr_vidmm_host ddirr_replayer)
set_target_properties(ddirr-bench-replay PROPERTIES ENABLE_EXPORTS ON)
add_test(NAME bench_replay_smoke COMMAND ddirr-bench-replay --events 2000 --rounds 1
         --trace ${CMAKE_CURRENT_BINARY_DIR}/bench_replay_smoke.ddirr)
