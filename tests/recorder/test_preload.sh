#!/bin/sh
# Preload: the fixture host, unchanged, run under LD_PRELOAD=libddirr_shim.so,
# produces a trace with every call; `ddirr info` says it is complete. A
# child of a fork is not recorded and leaves its parent's trace alone, and
# an exec closes the trace first.
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
# The driver's build-id and file hash, as the standard tools give them.
build=$(readelf -n "$driver" | sed -n 's/.*Build ID: *//p')
grep -q "build $build\$" "$dir/info.txt" || { cat "$dir/info.txt"; echo "driver build $build missing"; exit 1; }
sum=$(sha256sum "$driver" | cut -d' ' -f1)
grep -q "^driver sha256  $sum\$" "$dir/info.txt" || { cat "$dir/info.txt"; echo "driver sha256 $sum missing"; exit 1; }
grep -q "process fixture_host pid" "$dir/info.txt" || { cat "$dir/info.txt"; echo "process name missing"; exit 1; }

# A bad setting: one line naming the variable, and the host still runs.
DDIRR_OUTPUT="$dir/bad-%p.ddirr" DDIRR_MODE=fast LD_PRELOAD="$shim" \
	"$host" run "$driver" 2 "$dir/counts2" 2> "$dir/stderr.txt"
grep -q "DDIRR_MODE=fast" "$dir/stderr.txt" || { cat "$dir/stderr.txt"; echo "no error line"; exit 1; }
[ "$(wc -l < "$dir/stderr.txt")" -eq 1 ] || { cat "$dir/stderr.txt"; echo "more than one line"; exit 1; }
if ls "$dir"/bad-*.ddirr >/dev/null 2>&1; then echo "a trace was written despite the bad setting"; exit 1; fi
# A fork: the child's calls are not recorded, and however the child ends
# (exit, a crash, the flight signal), the parent's trace has its own calls
# exactly once and is complete. Each child ends within 30 s (fixture_host
# fails otherwise), and one that exits says in one line that it was not
# recorded. Flight mode for the signal: SIGUSR2 is its trigger.
for end in exit abort usr2; do
	sub="$dir/fork-$end"
	mkdir -p "$sub"
	mode=block
	[ "$end" = usr2 ] && mode=flight
	DDIRR_OUTPUT="$sub/trace-%p.ddirr" DDIRR_PRIVACY=full DDIRR_MODE=$mode LD_PRELOAD="$shim" \
		"$host" run-fork "$driver" 20 "$sub/counts" "$end" 2> "$sub/stderr.txt" ||
		{ cat "$sub/stderr.txt"; echo "fork ($end): the host failed"; exit 1; }
	[ "$(ls "$sub"/trace-*.ddirr | wc -l)" -eq 1 ] || { ls "$sub"; echo "fork ($end): not one trace"; exit 1; }
	"$host" check "$sub"/trace-*.ddirr "$sub/counts" ||
		{ echo "fork ($end): the parent's trace is not its calls exactly"; exit 1; }
	case $end in
	abort) want=0 ;;
	*) want=1 ;;
	esac
	n=$(grep -c "a fork of pid .* was not recorded" "$sub/stderr.txt" || true)
	[ "$n" -eq "$want" ] || { cat "$sub/stderr.txt"; echo "fork ($end): $n lines saying so, not $want"; exit 1; }
	# The trailer notes the fork: after the calls made before it, with
	# the child's pid (the shim's fork() learns it).
	read -r pid issued < "$sub/counts.fork"
	"$ddirr" info "$sub"/trace-*.ddirr > "$sub/info.txt"
	grep -q "^forks          1 (their children were not recorded)\$" "$sub/info.txt" &&
		grep -q "^  after seq $issued, child pid $pid\$" "$sub/info.txt" ||
		{ cat "$sub/info.txt"; echo "fork ($end): no note of the fork after seq $issued, child pid $pid"; exit 1; }
done
# exec: the recorder closes before the process replaces itself, so the
# trace has every call and its trailer (complete, no problem). With an exec
# that fails, the process goes on unrecorded and one line says so.
for how in execl execvp fail; do
	sub="$dir/exec-$how"
	mkdir -p "$sub"
	DDIRR_OUTPUT="$sub/trace-%p.ddirr" DDIRR_PRIVACY=full LD_PRELOAD="$shim" \
		"$host" run-exec "$driver" 20 "$sub/counts" "$how" "$sub/marker" 2> "$sub/stderr.txt" ||
		{ cat "$sub/stderr.txt"; echo "exec ($how): the host failed"; exit 1; }
	"$host" check "$sub"/trace-*.ddirr "$sub/counts" ||
		{ echo "exec ($how): the trace is not every call, complete"; exit 1; }
	if [ "$how" = fail ]; then
		[ ! -e "$sub/marker" ] && [ "$(grep -c "exec of .* failed" "$sub/stderr.txt")" -eq 1 ] ||
			{ cat "$sub/stderr.txt"; echo "exec (fail): no line saying so"; exit 1; }
	else
		[ "$(cat "$sub/marker")" = exec ] || { echo "exec ($how): the new image did not run"; exit 1; }
		[ ! -s "$sub/stderr.txt" ] || { cat "$sub/stderr.txt"; echo "exec ($how): unexpected output"; exit 1; }
	fi
done
echo "preload: ok"
