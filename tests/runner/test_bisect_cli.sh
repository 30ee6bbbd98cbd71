#!/bin/sh
# ddirr bisect: on the committed corpus, it finds the version that brought
# each regression of drivers/VERSIONS.md, within ceil(log2 n) + 1 replays;
# it finds a fix the same way; and its exit codes: 0 found, 1 no build
# differs, 125 the first build cannot be tested, 2 usage.
# usage: test_bisect_cli.sh DDIRR TRACES DRIVERS WORKDIR
set -u
ddirr=$1
traces=$2
d=$3
work=$4
. "$(dirname "$0")/../support/checks.sh"
fresh_dir "$work"

# expect NAME TRACE FOUND MAX_REPLAYS BUILD...
expect() {
	name=$1
	trace=$2
	want=$3
	max=$4
	shift 4
	"$ddirr" bisect --trace "$traces/$trace" "$@" >"$work/$name.out" 2>&1
	rc=$?
	[ $rc -eq 0 ] || { fail "$name: exit $rc: $(tail -n 3 "$work/$name.out")"; return; }
	grep -q "the first build whose verdict differs is $want:" "$work/$name.out" ||
		fail "$name: $(grep 'first build' "$work/$name.out")"
	replays=$(sed -n 's/^bisect: \([0-9]*\) replay(s) for.*/\1/p' "$work/$name.out")
	steps=$(grep -c '^bisect: replay [0-9]*:' "$work/$name.out")
	[ "$replays" = "$steps" ] || fail "$name: says $replays replays, printed $steps steps"
	[ "$replays" -le "$max" ] || fail "$name: $replays replays, more than $max"
	echo "$name: $want in $replays replays (at most $max)"
}

all="$d"
# 8 builds: ceil(log2 8) + 1 = 4 replays at most.
expect r2-stale-pte eviction-storm.ddirr samplekmd-1.4 4 "$all"
expect r3-unmap-off-by-one texture-streaming.ddirr samplekmd-1.5 4 "$all"
expect r3-aperture-pressure aperture-pressure.ddirr samplekmd-1.5 4 "$all"
expect r4-handle-mixup boot.ddirr samplekmd-1.6 4 "$all"
# R1 was fixed in 1.3: bisect up to a build that still has it, or the fix
# from the regressed build on (4 builds: 3 replays at most; 2 builds: 2).
expect r1-unit-mixup multi-process.ddirr samplekmd-1.2 3 "$d/samplekmd-1.0.so" "$d/samplekmd-1.1.so" \
	"$d/samplekmd-1.2.so" "$d/samplekmd-1.3.so"
expect r1-fix multi-process.ddirr samplekmd-1.3 2 "$d/samplekmd-1.2.so" "$d/samplekmd-1.3.so"
expect r4-fix boot.ddirr samplekmd-1.7 2 "$d/samplekmd-1.6.so" "$d/samplekmd-1.7.so"
# A trace recorded from a regressed build: its verdict changes where the
# regression does (violation there, divergence elsewhere).
expect r1-from-its-own-trace bug-r1-multi-process.ddirr samplekmd-1.2 3 "$d/samplekmd-1.0.so" \
	"$d/samplekmd-1.1.so" "$d/samplekmd-1.2.so"

# No build differs: exit 1.
"$ddirr" bisect --trace "$traces/aperture-pressure.ddirr" "$d/samplekmd-1.0.so" "$d/samplekmd-1.1.so" \
	"$d/samplekmd-1.4.so" >"$work/none.out" 2>&1
[ $? -eq 1 ] || fail "no difference should exit 1"
grep -q "every build gives the first build's verdict (pass)" "$work/none.out" || fail "none: $(tail -n 2 "$work/none.out")"
# The first build cannot be tested: 125, as git bisect run's skip.
printf 'not a shared object' >"$work/broken.so"
"$ddirr" bisect --trace "$traces/boot.ddirr" "$work/broken.so" "$d/samplekmd-1.0.so" >"$work/skip.out" 2>&1
[ $? -eq 125 ] || fail "an untestable first build should exit 125: $(cat "$work/skip.out")"
# Usage.
"$ddirr" bisect --trace "$traces/boot.ddirr" "$d/samplekmd-1.0.so" >/dev/null 2>&1
[ $? -eq 2 ] || fail "one build should exit 2"
"$ddirr" bisect "$d" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no --trace should exit 2"
"$ddirr" bisect --trace "$traces/manifest.tsv" "$d" >/dev/null 2>&1
[ $? -eq 2 ] || fail "a file that is not a trace should exit 2"

finish bisect
