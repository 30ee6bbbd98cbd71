#!/bin/sh
# Preload: the fixture host, unchanged, run under LD_PRELOAD=libddirr_shim.so,
# produces a trace with every call; `ddirr info` says it is complete.
#   test_preload.sh SHIM HOST DRIVER DDIRR WORKDIR
set -eu
shim=$1 host=$2 driver=$3 ddirr=$4 dir=$5
rm -rf "$dir" && mkdir -p "$dir"
# An ASan build: the runtime comes with the executable, after the shim.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

DDIRR_OUTPUT="$dir/trace-%p.ddirr" DDIRR_PRIVACY=full LD_PRELOAD="$shim" \
	"$host" run "$driver" 50 "$dir/counts"
trace=$(ls "$dir"/trace-*.ddirr)
"$host" check "$trace" "$dir/counts"
"$ddirr" info "$trace" > "$dir/info.txt"
grep -q "complete" "$dir/info.txt" || { cat "$dir/info.txt"; echo "ddirr info does not say complete"; exit 1; }
grep -q "fixture-driver 1.0" "$dir/info.txt" || { cat "$dir/info.txt"; echo "driver version missing"; exit 1; }
grep -q "libddirr_fixture_driver.so" "$dir/info.txt" || { cat "$dir/info.txt"; echo "driver path missing"; exit 1; }

# A bad setting: one line naming the variable, and the host still runs.
DDIRR_OUTPUT="$dir/bad-%p.ddirr" DDIRR_MODE=fast LD_PRELOAD="$shim" \
	"$host" run "$driver" 2 "$dir/counts2" 2> "$dir/stderr.txt"
grep -q "DDIRR_MODE=fast" "$dir/stderr.txt" || { cat "$dir/stderr.txt"; echo "no error line"; exit 1; }
[ "$(wc -l < "$dir/stderr.txt")" -eq 1 ] || { cat "$dir/stderr.txt"; echo "more than one line"; exit 1; }
if ls "$dir"/bad-*.ddirr >/dev/null 2>&1; then echo "a trace was written despite the bad setting"; exit 1; fi
echo "preload: ok"
