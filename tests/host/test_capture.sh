#!/bin/sh
# ddirr capture: every scenario against a good driver (no finding, exit 0),
# under every chaos flag too; the same seed gives the same trace apart from
# timestamps, another seed another trace; a regressed driver is caught while
# capturing (exit 1); usage errors exit 2.
# usage: test_capture.sh DDIRR DRIVERS_DIR WORKDIR
set -u
ddirr=$1
drivers=$2
work=$3
. "$(dirname "$0")/../support/checks.sh"
fresh_dir "$work"

# The records of a trace, one JSON line each, without their timestamps.
records() {
	"$ddirr" dump --json "$1" | sed -E 's/"time_ns":[0-9]+,//'
}

for s in boot texture-streaming aperture-pressure multi-process eviction-storm; do
	for chaos in none all; do
		t="$work/$s-$chaos"
		"$ddirr" capture --driver "$drivers/samplekmd-1.0.so" --scenario "$s" --seed 3 --chaos "$chaos" \
			-o "$t.a.ddirr" >"$t.a.out" 2>&1 || fail "$s/$chaos: capture exited $? ($(tail -n 1 "$t.a.out"))"
		grep -q "0 failed; model: 0 violation(s); probe: 0 mismatch(es)" "$t.a.out" ||
			fail "$s/$chaos: findings against a good driver: $(cat "$t.a.out")"
		"$ddirr" capture --driver "$drivers/samplekmd-1.0.so" --scenario "$s" --seed 3 --chaos "$chaos" \
			-o "$t.b.ddirr" >/dev/null 2>&1 || fail "$s/$chaos: second capture"
		"$ddirr" capture --driver "$drivers/samplekmd-1.0.so" --scenario "$s" --seed 4 --chaos "$chaos" \
			-o "$t.c.ddirr" >/dev/null 2>&1 || fail "$s/$chaos: capture with seed 4"
		records "$t.a.ddirr" >"$t.a.json"
		records "$t.b.ddirr" >"$t.b.json"
		records "$t.c.ddirr" >"$t.c.json"
		[ "$(wc -l <"$t.a.json")" -gt 50 ] || fail "$s/$chaos: only $(wc -l <"$t.a.json") records"
		cmp -s "$t.a.json" "$t.b.json" || fail "$s/$chaos: seed 3 twice gives two traces: $(diff "$t.a.json" "$t.b.json" | head -n 2)"
		cmp -s "$t.a.json" "$t.c.json" && fail "$s/$chaos: seeds 3 and 4 give the same trace"
		# The trace says how it was made.
		"$ddirr" info "$t.a.ddirr" | grep -q "scenario *$s, seed 3" || fail "$s/$chaos: header: $("$ddirr" info "$t.a.ddirr" | grep scenario)"
	done
done

# The timestamps do differ: the comparison above is not vacuous.
"$ddirr" dump --json "$work/boot-none.a.ddirr" >"$work/t1"
"$ddirr" dump --json "$work/boot-none.b.ddirr" >"$work/t2"
cmp -s "$work/t1" "$work/t2" && fail "two captures have the same timestamps"

# A regressed driver is caught while capturing: 1.5's unmap leaves a slot
# mapped (the probe sees it), 1.2 maps a ring 16 times too large (the model).
"$ddirr" capture --driver "$drivers/samplekmd-1.5.so" --scenario texture-streaming --seed 3 -o "$work/bug15.ddirr" \
	>"$work/bug15.out" 2>&1
[ $? -eq 1 ] || fail "1.5: capture should exit 1"
grep -q "probe: after seq .* UnmapCpuHostAperture.* it must be unmapped" "$work/bug15.out" || fail "1.5: $(cat "$work/bug15.out")"
"$ddirr" capture --driver "$drivers/samplekmd-1.2.so" --scenario multi-process --seed 3 -o "$work/bug12.ddirr" \
	>"$work/bug12.out" 2>&1
[ $? -eq 1 ] || fail "1.2: capture should exit 1"
grep -q "PAGE_UNIT_MIXUP" "$work/bug12.out" || fail "1.2: $(cat "$work/bug12.out")"

# A driver that cannot even be brought up: the trace holds what happened,
# and the capture says it stopped early.
if [ -n "${FIXTURE_DRIVER:-}" ]; then
	"$ddirr" capture --driver "$FIXTURE_DRIVER" --scenario boot -o "$work/fixture.ddirr" >"$work/fixture.out" 2>&1
	[ $? -eq 1 ] || fail "a driver failing bring-up should exit 1"
	grep -q "stopped early" "$work/fixture.out" || fail "fixture: $(cat "$work/fixture.out")"
	"$ddirr" info "$work/fixture.ddirr" | grep -q "verdict *complete" || fail "fixture: the trace is not complete"
fi

# --scale runs the work loop longer: more records, past the host's 512
# allocation slots (destroyed ones are reused), still clean and replayable,
# still reproducible by seed; the header says the scale.
"$ddirr" capture --driver "$drivers/samplekmd-1.0.so" --scenario texture-streaming --seed 3 --scale 40 \
	-o "$work/scaled.a.ddirr" >"$work/scaled.out" 2>&1 || fail "--scale 40: capture exited $? ($(tail -n 1 "$work/scaled.out"))"
grep -q "0 failed; model: 0 violation(s); probe: 0 mismatch(es)" "$work/scaled.out" ||
	fail "--scale 40: findings against a good driver: $(cat "$work/scaled.out")"
"$ddirr" capture --driver "$drivers/samplekmd-1.0.so" --scenario texture-streaming --seed 3 --scale 40 \
	-o "$work/scaled.b.ddirr" >/dev/null 2>&1 || fail "--scale 40: second capture"
records "$work/scaled.a.ddirr" >"$work/scaled.a.json"
records "$work/scaled.b.ddirr" >"$work/scaled.b.json"
cmp -s "$work/scaled.a.json" "$work/scaled.b.json" || fail "--scale 40: seed 3 twice gives two traces"
n1=$(wc -l <"$work/texture-streaming-none.a.json")
n40=$(wc -l <"$work/scaled.a.json")
[ "$n40" -gt $((n1 * 20)) ] || fail "--scale 40: $n40 records, scale 1: $n1"
[ "$(grep -c '"ddi":"CreateAllocation"' "$work/scaled.a.json")" -gt 1024 ] ||
	fail "--scale 40 did not create more allocations than the host has slots"
"$ddirr" info "$work/scaled.a.ddirr" | grep -q "scenario *texture-streaming x40, seed 3" ||
	fail "--scale 40: header: $("$ddirr" info "$work/scaled.a.ddirr" | grep scenario)"
"$ddirr" replay "$work/scaled.a.ddirr" --target model >"$work/scaled.replay" 2>&1 ||
	fail "--scale 40: the replay on the model does not pass: $(tail -n 3 "$work/scaled.replay")"

# Usage errors.
"$ddirr" capture --driver "$drivers/samplekmd-1.0.so" --scenario nope -o "$work/x.ddirr" 2>/dev/null
[ $? -eq 2 ] || fail "an unknown scenario should exit 2"
"$ddirr" capture --driver "$work/missing.so" --scenario boot -o "$work/x.ddirr" 2>/dev/null
[ $? -eq 2 ] || fail "a missing driver should exit 2"
"$ddirr" capture --driver "$drivers/samplekmd-1.0.so" --scenario boot --chaos wild -o "$work/x.ddirr" 2>/dev/null
[ $? -eq 2 ] || fail "an unknown chaos flag should exit 2"
for bad in 0 -1 x 1000001; do
	"$ddirr" capture --driver "$drivers/samplekmd-1.0.so" --scenario boot --scale "$bad" -o "$work/x.ddirr" 2>"$work/scale.err"
	[ $? -eq 2 ] || fail "--scale $bad should exit 2"
	grep -q "capture: --scale $bad: not a number from 1 to 1000000" "$work/scale.err" || fail "--scale $bad: $(cat "$work/scale.err")"
done
"$ddirr" capture --list | grep -q "^eviction-storm " || fail "--list"

finish capture
