#!/bin/sh
# `ddirr replay` exit codes and outputs, one per verdict:
# test_replay_cli.sh DDIRR KMD_TRACE KMD_DIR WORKDIR
set -u
ddirr=$1 mk=$2 kmd=$3 dir=$4
mkdir -p "$dir" && cd "$dir" || exit 1
fail=0

expect() { # CODE ARGS...
	want=$1; shift
	"$ddirr" replay "$@" >out.txt 2>err.txt
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: ddirr replay $* exited $got, expected $want"; cat out.txt err.txt; fail=1
	fi
}

"$mk" good.ddirr && "$mk" bad.ddirr --status-at 15 && "$mk" cut.ddirr --stop-after 15 &&
	"$mk" double.ddirr --double-map || exit 1

expect 0 good.ddirr --target model
grep -q '^pass' out.txt || { echo "FAIL: no pass line"; fail=1; }
expect 0 good.ddirr --target "driver:$kmd/libkmd_good.so"
expect 1 bad.ddirr --target model --junit junit.xml
grep -q 'divergence at seq 15 MapCpuHostAperture' out.txt || { echo "FAIL: no divergence line"; cat out.txt; fail=1; }
grep -q '<failure message="divergence at seq 15' junit.xml || { echo "FAIL: junit"; cat junit.xml; fail=1; }
expect 1 double.ddirr --target model --json
grep -q '"verdict":"violation"' out.txt || { echo "FAIL: json verdict"; cat out.txt; fail=1; }
expect 0 cut.ddirr --target model
grep -q '^truncated (replayed up to seq 14' out.txt || { echo "FAIL: truncated line"; cat out.txt; fail=1; }
expect 1 cut.ddirr --target model --strict
expect 125 good.ddirr --target "driver:$kmd/libkmd_no_entry.so"
expect 1 good.ddirr --target "driver:$kmd/libkmd_good.so" --against "driver:$kmd/libkmd_wrong_status.so"
expect 2 good.ddirr
expect 2 missing.ddirr --target model
expect 2 good.ddirr --target gpu
# Not a TTY here: no progress bar on stderr.
expect 0 good.ddirr --target model
[ -s err.txt ] && { echo "FAIL: stderr not empty without a TTY"; cat err.txt; fail=1; }
exit $fail
