#!/bin/sh
# The whole test suite: the normal build and the ASan+UBSan build, each with
# every ctest test, then the fuzz targets (tests/fuzz/run-ci: each over its
# saved corpus, then 60 s of fuzzing each). This is what .ci/run and the
# README's second command run.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
for preset in default asan; do
	echo "== $preset build"
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j "$jobs"
	echo "== $preset tests"
	ctest --preset "$preset" -j "$jobs"
done
echo "== fuzz build, corpus regression and 60 s per target"
tests/fuzz/run-ci
