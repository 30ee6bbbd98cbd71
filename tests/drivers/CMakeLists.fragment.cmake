# Sample driver tests, included by tests/CMakeLists.txt: this program plays
# dxgkrnl (it exports DxgkInitialize) for every version of the sample KMD.
ddirr_unit_test(test_samplekmd drivers/test_samplekmd.c)
target_include_directories(test_samplekmd PRIVATE ${PROJECT_SOURCE_DIR}/drivers)
target_link_libraries(test_samplekmd PRIVATE ${CMAKE_DL_LIBS})
target_compile_definitions(test_samplekmd PRIVATE SAMPLEKMD_DIR="${SAMPLEKMD_DIR}")
set_target_properties(test_samplekmd PROPERTIES ENABLE_EXPORTS ON)
add_dependencies(test_samplekmd samplekmd)
