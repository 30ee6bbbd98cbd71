#!/bin/sh
# 8 threads x 1M calls in block, drop and flight modes, each alone in its
# process: recorded + dropped == issued, and the peak RSS (VmHWM) within the
# rings plus flight memory plus a fixed overhead. CI runs block mode only
# (ctest recorder_stress_8x1M_block).
# Usage: tests/stress/stress-8x1M.sh [BUILD_DIR]   (default: build)
set -eu
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mode in block drop flight; do
	DDIRR_TEST_TMP=$tmp DDIRR_TEST_CALLS=1000000 DDIRR_TEST_RSS=1 DDIRR_TEST_FILTER="*8_threads_${mode}*" \
		"$build/tests/test_recorder"
done
