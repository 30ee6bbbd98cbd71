#!/bin/sh
# Replay on the model vs babeltrace2 reading the LTTng trace of the same
# calls (issue #5), and replay vs decode on the same real capture.
#
#   sh bench/replay-vs-babeltrace.sh [BUILD_DIR]     (default: build-bench)
#
# Builds ddirr in Release, starts a private LTTng session daemon
# (scripts/lttng-session.sh) with a blocking channel for the ddirr:* events,
# and captures `texture-streaming --scale $BENCH_SCALE` (default 2600: about
# a million records) from samplekmd-1.0 with `ddirr capture --lttng`, so one
# run writes a .ddirr trace and a CTF trace of the very same calls. Then, in
# $BENCH_ROUNDS rounds (default 5) in alternating order, it takes the CPU
# time (user + system, of the command and its children) of:
#   ddirr info TRACE                       decodes every record
#   ddirr replay TRACE --target model      the replay
#   babeltrace2 -c sink.utils.dummy CTF    reads every event, prints nothing
#   babeltrace2 on the CTF of a `boot` capture (192 events): its start-up
# and prints medians and ratios as a Markdown report (BUILD_DIR/bench-bt/report.md).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)

if [ "${1:-}" != --in-session ]; then
	build=${1:-$src/build-bench}
	cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
	cmake --build "$build" -j2 --target ddirr samplekmd-1.0 >/dev/null
	build=$(cd "$build" && pwd)
	out=$build/bench-bt
	rm -rf "$out"
	mkdir -p "$out"
	exec "$src/scripts/lttng-session.sh" "$out/lttng" sh "$src/bench/replay-vs-babeltrace.sh" --in-session "$build" "$out"
fi

build=$2
out=$3
ddirr=$build/cli/ddirr
driver=$build/drivers/samplekmd-1.0.so
scale=${BENCH_SCALE:-2600}
rounds=${BENCH_ROUNDS:-5}
L="lttng --no-sessiond"

for tool in babeltrace2 lttng; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "replay-vs-babeltrace: $tool not found: install it (scripts/install-deps.sh)" >&2
		exit 2
	}
done

# capture NAME SCENARIO SCALE: NAME.ddirr and ctf-NAME/ of the same calls.
capture() {
	$L create "bt-$1" --output="$out/ctf-$1" >/dev/null
	$L enable-channel -u ch --blocking-timeout=inf --subbuf-size=1M --num-subbuf=8 >/dev/null
	$L enable-event -u -c ch 'ddirr:*' >/dev/null
	$L start >/dev/null
	LTTNG_UST_ALLOW_BLOCKING=1 LTTNG_UST_REGISTER_TIMEOUT=20000 \
		"$ddirr" capture --driver "$driver" --scenario "$2" --scale "$3" --lttng -o "$out/$1.ddirr" >"$out/$1.log"
	$L stop >/dev/null
	discarded=$($L list "bt-$1" | sed -n 's/.*Discarded events: *//p' | awk '{ s += $1 } END { print s + 0 }')
	$L destroy >/dev/null
	if [ "$discarded" != 0 ]; then
		echo "replay-vs-babeltrace: LTTng discarded $discarded events of $1" >&2
		exit 1
	fi
}

# cpu COMMAND...: the CPU seconds (user + system) COMMAND and its children took.
cpu() {
	(
		"$@" >/dev/null 2>"$out/cmd.err" || {
			echo "replay-vs-babeltrace: failed: $* ($(tail -n 3 "$out/cmd.err"))" >&2
			exit 1
		}
		times
	) | tail -n 1 | awk '{
		t = 0
		for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
		printf "%.3f\n", t
	}'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== capturing texture-streaming x$scale and boot with LTTng on" >&2
capture big texture-streaming "$scale"
capture small boot 1
records=$("$ddirr" info --json "$out/big.ddirr" | sed -n 's/.*"records":\([0-9]*\),"calls".*/\1/p')
events=$(babeltrace2 "$out/ctf-big" | wc -l)
small_events=$(babeltrace2 "$out/ctf-small" | wc -l)
if [ "$records" != "$events" ]; then
	echo "replay-vs-babeltrace: the ddirr trace holds $records records, the CTF trace $events events" >&2
	exit 1
fi
"$ddirr" replay "$out/big.ddirr" --target model >"$out/replay.txt" || {
	echo "replay-vs-babeltrace: the replay does not pass: $(cat "$out/replay.txt")" >&2
	exit 1
}

: >"$out/decode" ; : >"$out/replay" ; : >"$out/bt" ; : >"$out/bt0"
r=0
while [ $r -lt "$rounds" ]; do
	echo "== round $((r + 1)) of $rounds" >&2
	if [ $((r % 2)) = 0 ]; then
		cpu "$ddirr" info "$out/big.ddirr" >>"$out/decode"
		cpu "$ddirr" replay "$out/big.ddirr" --target model >>"$out/replay"
		cpu babeltrace2 -c sink.utils.dummy "$out/ctf-big" >>"$out/bt"
		cpu babeltrace2 -c sink.utils.dummy "$out/ctf-small" >>"$out/bt0"
	else
		cpu babeltrace2 -c sink.utils.dummy "$out/ctf-small" >>"$out/bt0"
		cpu babeltrace2 -c sink.utils.dummy "$out/ctf-big" >>"$out/bt"
		cpu "$ddirr" replay "$out/big.ddirr" --target model >>"$out/replay"
		cpu "$ddirr" info "$out/big.ddirr" >>"$out/decode"
	fi
	r=$((r + 1))
done

decode=$(median <"$out/decode")
replay=$(median <"$out/replay")
bt=$(median <"$out/bt")
bt0=$(median <"$out/bt0")
ctf_bytes=$(du -sb "$out/ctf-big" | cut -f1)
ddirr_bytes=$(wc -c <"$out/big.ddirr")
report=$out/report.md
awk -v rec="$records" -v ev="$events" -v ev0="$small_events" -v d="$decode" -v rp="$replay" -v bt="$bt" \
	-v bt0="$bt0" -v cb="$ctf_bytes" -v db="$ddirr_bytes" -v rounds="$rounds" -v scale="$scale" '
function ns(t, n) { return sprintf("%.0f", t * 1e9 / n) }
BEGIN {
	printf "Run: `sh bench/replay-vs-babeltrace.sh` (texture-streaming x%d from samplekmd-1.0, %d rounds, medians of CPU time)\n\n", scale, rounds
	printf "| what | CPU s | ns per record / event |\n|---|---|---|\n"
	printf "| `ddirr info` (decode), %d records, %d bytes | %.3f | %s |\n", rec, db, d, ns(d, rec)
	printf "| `ddirr replay --target model` | %.3f | %s |\n", rp, ns(rp, rec)
	printf "| `babeltrace2 -c sink.utils.dummy`, %d events, %d bytes of CTF | %.3f | %s |\n", ev, cb, bt, ns(bt, ev)
	printf "| same, on %d events (start-up) | %.3f | |\n\n", ev0, bt0
	printf "- replay / decode: **%.2f** (target <= 2)\n", rp / d
	printf "- babeltrace2 / replay: **%.2f** (target >= 10); without babeltrace2 start-up: %.2f\n", bt / rp, (bt - bt0) / rp
	printf "- babeltrace2 / decode: %.2f\n", bt / d
}' >"$report"
cat "$report"
