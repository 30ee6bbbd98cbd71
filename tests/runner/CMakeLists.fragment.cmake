# Runner tests, included by tests/CMakeLists.txt: shards, bisect, target
# lists and the manifest.
foreach(t shard bisect targets manifest)
  ddirr_unit_test(test_${t} runner/test_${t}.c)
  target_link_libraries(test_${t} PRIVATE ddirr_runner)
endforeach()
