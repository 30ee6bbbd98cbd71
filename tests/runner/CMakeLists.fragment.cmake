# Runner tests, included by tests/CMakeLists.txt: shards, bisect, target
# lists, the manifest, isolated replays, and, on the committed corpus
# (traces/), the CI check itself, sharding through the CLI and the
# environment, and bisect finding every regression of drivers/VERSIONS.md.
foreach(t shard bisect targets manifest run)
  ddirr_unit_test(test_${t} runner/test_${t}.c)
  target_link_libraries(test_${t} PRIVATE ddirr_runner)
endforeach()

# A driver that crashes as it loads.
add_library(runner_crash_driver MODULE runner/crash_driver.c)
set_target_properties(runner_crash_driver PROPERTIES C_VISIBILITY_PRESET hidden)
target_include_directories(runner_crash_driver PRIVATE ${PROJECT_SOURCE_DIR}/include)

# The replays load drivers, which bind to the replayer's DxgkInitialize.
set_target_properties(test_run PROPERTIES ENABLE_EXPORTS ON)
target_compile_definitions(test_run PRIVATE TRACES_DIR="${PROJECT_SOURCE_DIR}/traces"
  SAMPLEKMD_DIR="${SAMPLEKMD_DIR}" CRASH_DRIVER="$<TARGET_FILE:runner_crash_driver>")
add_dependencies(test_run samplekmd runner_crash_driver)

# The CI check: every trace of the corpus against the model and every
# sample driver version gets the verdict the manifest gives it.
add_test(NAME corpus_matches_manifest
  COMMAND $<TARGET_FILE:ddirr> corpus ${PROJECT_SOURCE_DIR}/traces --driver model --driver ${SAMPLEKMD_DIR} -j 2)

add_test(NAME corpus_shards_junit_and_exit_codes
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/runner/test_corpus.sh $<TARGET_FILE:ddirr> ${PROJECT_SOURCE_DIR}/traces
          ${SAMPLEKMD_DIR} ${CMAKE_CURRENT_BINARY_DIR}/corpus)
add_test(NAME bisect_finds_each_regression
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/runner/test_bisect_cli.sh $<TARGET_FILE:ddirr> ${PROJECT_SOURCE_DIR}/traces
          ${SAMPLEKMD_DIR} ${CMAKE_CURRENT_BINARY_DIR}/bisect)
