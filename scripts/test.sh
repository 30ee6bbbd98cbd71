#!/bin/sh
# The whole test suite: the normal build and the ASan+UBSan build, each with
# every ctest test. This is what .ci/run and the README's second command run.
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
