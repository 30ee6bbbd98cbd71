#!/bin/sh
# SIGKILL at 1000 random instants of a capture (CI runs 200 in test_kill).
# Usage: tests/stress/kill-1000.sh [BUILD_DIR]   (default: build)
# DDIRR_TEST_SEED fixes the delays; the seed is printed.
set -eu
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
DDIRR_TEST_KILLS=${DDIRR_TEST_KILLS:-1000} DDIRR_TEST_TMP=$tmp "$build/tests/test_kill"
