#!/bin/sh
# Integration test of the trace format and the ddirr command, as a user
# would drive them: write a trace, check it with the standard tools (zstd,
# protoc), read it with `ddirr info` and `ddirr dump`, then damage it.
# usage: test_cli.sh SOURCE_DIR DDIRR SAMPLE_TRACE_TOOL WORK_DIR
set -u
src=$1 ddirr=$2 sample=$3 work=$4
mkdir -p "$work"
t="$work/sample.ddirr"
failures=0 checks=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { checks=$((checks + 1)); }
# expect_exit CODE CMD...: runs CMD, keeps stdout in $out and stderr in $err
expect_exit() {
	want=$1; shift
	check
	"$@" >"$work/out" 2>"$work/err"; got=$?
	out=$(cat "$work/out"); err=$(cat "$work/err")
	[ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; stderr: $err"
}
contains() { check; case "$1" in *"$2"*) ;; *) fail "expected '$2' in: $(echo "$1" | head -c 600)";; esac; }

expect_exit 0 "$sample" "$t"

# The standard tools read it.
expect_exit 0 zstd -q -t "$t"
check
decoded=$(cd "$src" && zstd -q -dc "$t" | protoc --decode=ddirr.EventBatch schema/ddirr.proto) \
	|| fail "zstd -dc | protoc --decode failed"
events=$(echo "$decoded" | grep -c '^events {')

# info: complete, counts agree with what protoc saw.
expect_exit 0 "$ddirr" info "$t"
contains "$out" "complete"
contains "$out" "MapCpuHostAperture"
contains "$out" "scripted-sample"
expect_exit 0 "$ddirr" info --json "$t"
contains "$out" "\"records\":$events,"
contains "$out" '"kind":"complete"'
expect_exit 0 "$ddirr" info --chunks "$t"
contains "$out" "chunk  state"
check; echo "$out" | grep -Eq '^ +0  ok ' || fail "info --chunks lists no chunk 0"

# dump: one line per record, in both forms.
expect_exit 0 "$ddirr" dump "$t"
check; [ "$(echo "$out" | wc -l)" = "$events" ] || fail "dump printed $(echo "$out" | wc -l) lines for $events records"
contains "$out" "hAllocation=0xb001 [alloc.kmd]"
contains "$out" "SupportsCpuHostAperture"
contains "$out" "Operation=11 (UPDATE_PAGE_TABLE)"
contains "$out" "cb:MapContextAllocation"
expect_exit 0 "$ddirr" dump --json "$t"
check; [ "$(echo "$out" | grep -c '^{"seq":')" = "$events" ] || fail "dump --json printed a line that is not a record"
echo "$decoded" | grep -q 'MapCpuHostAperture {' || fail "protoc output lacks MapCpuHostAperture"; check

# --range selects by seq: 3:4 is the two QueryAdapterInfo calls of the sample.
expect_exit 0 "$ddirr" dump --range 3:4 "$t"
check; [ "$(echo "$out" | wc -l)" = 4 ] || fail "--range 3:4 printed $(echo "$out" | wc -l) lines, expected 4"
check; echo "$out" | grep -qv 'QueryAdapterInfo' && fail "--range 3:4 printed another DDI"
expect_exit 2 "$ddirr" dump --range 9:3 "$t"
contains "$err" "--range"
expect_exit 2 "$ddirr" dump --range x "$t"

# Bad input: one line naming the file, and exit code 2.
expect_exit 2 "$ddirr" info "$work/does-not-exist.ddirr"
contains "$err" "does-not-exist.ddirr"
check; [ "$(echo "$err" | wc -l)" = 1 ] || fail "error is not one line: $err"
printf 'hello, not a trace\n' >"$work/text.ddirr"
expect_exit 2 "$ddirr" info "$work/text.ddirr"
contains "$err" "text.ddirr: byte 0: not a ddirr trace"
expect_exit 2 "$ddirr" info --frobnicate "$t"
contains "$err" "--frobnicate"
expect_exit 2 "$ddirr" frobnicate "$t"
expect_exit 2 "$ddirr"

# A cut trace is read up to its last complete chunk and reported truncated.
size=$(wc -c <"$t")
head -c $((size - 10)) "$t" >"$work/cut.ddirr"
expect_exit 1 "$ddirr" info "$work/cut.ddirr"
contains "$out" "truncated"
expect_exit 1 "$ddirr" dump "$work/cut.ddirr"
contains "$err" "cut.ddirr"

# A flipped byte inside a data frame is caught and named by offset.
first_data=$("$ddirr" info --json "$t" | sed -n 's/.*"chunks":\[{"index":0,"state":"ok","offset":\([0-9]*\).*/\1/p')
check; [ -n "$first_data" ] || fail "info --json lists no chunk offset"
cp "$t" "$work/flip.ddirr"
pos=$((first_data + 20))
orig=$(od -An -tu1 -j "$pos" -N1 "$t" | tr -d ' ')
printf "$(printf '\\%03o' $(((orig + 1) % 256)))" | dd of="$work/flip.ddirr" bs=1 seek="$pos" conv=notrunc 2>/dev/null
expect_exit 1 "$ddirr" info "$work/flip.ddirr"
contains "$out" "byte $first_data"

# check: the sample obeys every invariant; the buggy one breaks one, named.
expect_exit 0 "$ddirr" check "$t"
contains "$out" "0 violations"
expect_exit 0 "$sample" --bug double-map "$work/bug.ddirr"
expect_exit 1 "$ddirr" check "$work/bug.ddirr"
contains "$out" "APERTURE_DOUBLE_MAP: seq 15 MapCpuHostAperture: slot 3 is already mapped to allocation 0xb001"
contains "$out" "since seq 14 (MapCpuHostAperture)"
contains "$out" "1 violation;"
expect_exit 1 "$ddirr" check --json "$work/bug.ddirr"
contains "$out" '"invariant":"APERTURE_DOUBLE_MAP","id":1,"seq":15'
contains "$out" '"earlier_seq":14'
contains "$out" '"violations":1'
expect_exit 2 "$ddirr" check "$work/text.ddirr"

echo "$checks checks, $failures failures"
if [ "$failures" -ne 0 ]; then
	echo "$((checks - failures)) passed, $failures failed"
	exit 1
fi
echo "$checks passed, 0 failed"
