# Replayer tests, included by tests/CMakeLists.txt: the test driver in its
# variants (kmd.h), the scenario's trace writer, the CMocka tests and the
# CLI's exit codes.
foreach(v good rebased wrong_translation extra_callback wrong_status wrong_slot wrong_pte wrong_private no_entry)
  add_library(kmd_${v} SHARED replayer/kmd.c)
  set_target_properties(kmd_${v} PROPERTIES C_VISIBILITY_PRESET hidden LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/kmd)
  target_include_directories(kmd_${v} PRIVATE ${PROJECT_SOURCE_DIR}/include)
endforeach()
target_compile_definitions(kmd_rebased PRIVATE KMD_HANDLE_BASE=0x77000u)
target_compile_definitions(kmd_wrong_translation PRIVATE KMD_WRONG_TRANSLATION)
target_compile_definitions(kmd_extra_callback PRIVATE KMD_EXTRA_CALLBACK)
target_compile_definitions(kmd_wrong_status PRIVATE KMD_WRONG_STATUS)
target_compile_definitions(kmd_wrong_slot PRIVATE KMD_WRONG_SLOT)
target_compile_definitions(kmd_wrong_pte PRIVATE KMD_WRONG_PTE)
target_compile_definitions(kmd_wrong_private PRIVATE KMD_WRONG_PRIVATE)
target_compile_definitions(kmd_no_entry PRIVATE KMD_NO_ENTRY)

add_library(ddirr_kmd_script STATIC replayer/kmd_script.c)
target_include_directories(ddirr_kmd_script PUBLIC replayer)
pkg_check_modules(NETTLE REQUIRED IMPORTED_TARGET nettle)
target_link_libraries(ddirr_kmd_script PUBLIC ddirr_schema PRIVATE PkgConfig::NETTLE)

ddirr_unit_test(test_replay replayer/test_replay.c)
target_link_libraries(test_replay PRIVATE ddirr_replayer ddirr_kmd_script)
target_compile_definitions(test_replay PRIVATE KMD_DIR="${CMAKE_CURRENT_BINARY_DIR}/kmd")
set_target_properties(test_replay PROPERTIES ENABLE_EXPORTS ON)
add_dependencies(test_replay kmd_good kmd_rebased kmd_wrong_translation kmd_extra_callback kmd_wrong_status kmd_wrong_slot
                 kmd_wrong_pte kmd_wrong_private kmd_no_entry)

# The scenario as a file, for the CLI test.
add_executable(ddirr-kmd-trace replayer/kmd_trace_main.c)
target_link_libraries(ddirr-kmd-trace PRIVATE ddirr_kmd_script)
add_test(NAME replay_cli_exit_codes
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/replayer/test_replay_cli.sh $<TARGET_FILE:ddirr> $<TARGET_FILE:ddirr-kmd-trace>
          ${CMAKE_CURRENT_BINARY_DIR}/kmd ${CMAKE_CURRENT_BINARY_DIR}/replay_cli)
