# The aperture model against decoding (issue 3). Included by bench/CMakeLists.txt.
add_executable(ddirr-bench-model bench_model.c)
target_link_libraries(ddirr-bench-model PRIVATE ddirr_vidmm_host ddirr_schema ddirr_model)
add_test(NAME bench_model_smoke COMMAND ddirr-bench-model --events 2000 --rounds 1
         --trace ${CMAKE_CURRENT_BINARY_DIR}/bench_model_smoke.ddirr)
