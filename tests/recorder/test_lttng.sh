#!/bin/sh
# The recorder's LTTng-UST tracepoints carry the same calls as its trace.
#
#   test_lttng.sh WORKDIR DDIRR DDI_DEF SESSION_SCRIPT -- CAPTURE_COMMAND...
#
# Under a private LTTng session daemon (SESSION_SCRIPT, scripts/lttng-session.sh)
# it creates a session writing to WORKDIR/ctf, enables the `ddirr:*`
# userspace events and starts it; runs CAPTURE_COMMAND (a capture through the
# recorder, e.g. the fixture host under LD_PRELOAD=libddirr_shim.so) with
# DDIRR_LTTNG=1 and DDIRR_OUTPUT=WORKDIR/capture.ddirr; stops and destroys the
# session. Then it reads the ddirr trace with `DDIRR dump --json` and the CTF
# trace with babeltrace2, and checks that both hold the same records: for
# every call its entry and its exit, with the same seq, DDI id (names are
# mapped to ids through DDI_DEF) and thread, the entry's parent seq and key
# (the call's first parameter), and the exit's status and raw return value.
# The ddirr side's key and status come from the dump's args and DDI_DEF, never
# from LTTng: the key is the first parameter (DDIRR_ARG0) as the trace holds
# it, the status the ReturnValue's low 32 bits sign-extended for a call whose
# ret is NTSTATUS, 0 for any other. A first parameter whose spec is REF(...)
# is recorded by what it points at, not as the pointer the tracepoint
# carries, so such a call's key is not compared. It also checks that the
# ddirr trace is complete, that LTTng discarded nothing and that the capture
# made calls at all.
#
# Exit status: 0 pass, 1 fail (with the first differences). A session daemon
# that cannot start is a failure with the reason, never a skip.
set -eu

say() { echo "test_lttng: $*" >&2; }
die() {
	say "FAIL: $*"
	exit 1
}

if [ "${1:-}" != --in-session ]; then
	[ $# -ge 6 ] && [ "$5" = -- ] || {
		echo "usage: $0 WORKDIR DDIRR DDI_DEF SESSION_SCRIPT -- CAPTURE_COMMAND..." >&2
		exit 2
	}
	work=$1 ddirr=$2 ddi_def=$3 session_script=$4
	rm -rf "$work"
	mkdir -p "$work"
	work=$(cd "$work" && pwd)
	self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	shift 4 # "--" and the capture command remain
	set +e
	sh "$session_script" "$work/daemon" sh "$self" --in-session "$work" "$ddirr" "$ddi_def" "$@"
	status=$?
	set -e
	case $status in
	0) say "pass" ;;
	3) die "no LTTng session daemon could be started (the reason is above)" ;;
	*) say "FAIL (status $status)" ;;
	esac
	[ $status = 0 ] && rm -rf "$work"
	[ $status = 0 ] || exit 1
	exit 0
fi

# --- inside the session: $DDIRR_LTTNG_SESSIOND_PID is our daemon ---
# An ASan build: the runtime comes with the executable, after the preloaded shim.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
work=$2 ddirr=$3 ddi_def=$4
shift 5 # --in-session WORKDIR DDIRR DDI_DEF --
for tool in babeltrace2 lttng; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool not found: install it (scripts/install-deps.sh)"
done
L="lttng --no-sessiond"
ctf=$work/ctf
trace=$work/capture.ddirr

$L create ddirr-test --output="$ctf" >"$work/lttng.log" 2>&1 || die "lttng create: $(cat "$work/lttng.log")"
$L enable-event -u 'ddirr:*' >>"$work/lttng.log" 2>&1 || die "lttng enable-event: $(cat "$work/lttng.log")"
$L start >>"$work/lttng.log" 2>&1 || die "lttng start: $(cat "$work/lttng.log")"

# An application registers with the daemon in its constructors and waits (up
# to LTTNG_UST_REGISTER_TIMEOUT ms) until the session's events are enabled in
# it, so the very first call is traced.
set +e
DDIRR_LTTNG=1 DDIRR_OUTPUT=$trace LTTNG_UST_REGISTER_TIMEOUT=20000 "$@" >"$work/capture.log" 2>&1
status=$?
set -e
[ $status = 0 ] || die "the capture exited with status $status: $(tail -n 20 "$work/capture.log")"

$L stop >>"$work/lttng.log" 2>&1 || die "lttng stop: $(cat "$work/lttng.log")"
discarded=$($L list ddirr-test | sed -n 's/.*Discarded events: *//p' | awk '{ s += $1 } END { print s + 0 }')
$L destroy >>"$work/lttng.log" 2>&1 || die "lttng destroy: $(cat "$work/lttng.log")"
[ "$discarded" = 0 ] || die "LTTng discarded $discarded events"

# Both sides become one line per record, sorted:
#   entry SEQ DDI_ID THREAD PARENT_SEQ KEY -      -
#   exit  SEQ DDI_ID THREAD -          -   STATUS RET
# KEY and RET are in lowercase hex without leading zeros; KEY is - for a call
# whose first parameter the ddirr trace does not hold. RET is the raw return
# value (an NTSTATUS, a SIZE_T, a GPU VA; 0 for VOID). STATUS is decimal.

# --- the ddirr side ---
[ -f "$trace" ] || die "the capture wrote no trace at $trace: $(tail -n 20 "$work/capture.log")"
"$ddirr" info "$trace" >"$work/info.txt" 2>&1 || die "the ddirr trace is not complete: $(cat "$work/info.txt")"
"$ddirr" dump --json "$trace" >"$work/dump.json" 2>"$work/dump.err" || die "ddirr dump failed: $(cat "$work/dump.err")"
# Every DDI from its one description, a line each: NAME ID RET FIRST_PARAM
# KEYED. KEYED is 0 when the trace does not hold the first parameter's own
# value: ddi.def records a REF(...) parameter by what it points at.
awk '
	{ sub(/^[ \t]+/, ""); n = split($0, f, /[(), \t]+/) }
	f[1] == "DDIRR_DDI" && n >= 5 { order[++ddis] = f[3]; id[f[3]] = f[2]; ret[f[3]] = f[5] }
	f[1] == "DDIRR_ARG0" && n >= 7 { param[f[2]] = f[5]; keyed[f[2]] = (f[7] != "REF") }
	END {
		for (i = 1; i <= ddis; i++) {
			d = order[i]
			print d, id[d], ret[d], ((d in param) ? param[d] : "-"), ((d in param) ? keyed[d] : 0)
		}
	}' "$ddi_def" >"$work/ddis"
[ -s "$work/ddis" ] || die "no DDIRR_DDI lines in $ddi_def"
# shellcheck disable=SC2016
hexnorm='function hexnorm(h) { h = tolower(h); sub(/^0x0*/, "", h); return h == "" ? "0" : h }'
# What leave() in recorder/wrappers.c makes of an NTSTATUS: (int32_t) of its
# low 32 bits. h: hex digits as hexnorm gives them.
# shellcheck disable=SC2016
ntstatus='function ntstatus(h,    v, i) {
	if (length(h) > 8)
		h = substr(h, length(h) - 7)
	v = 0
	for (i = 1; i <= length(h); i++)
		v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
	return sprintf("%.0f", v >= 2147483648 ? v - 4294967296 : v)
}'
awk "$hexnorm$ntstatus"'
	NR == FNR { id[$1] = $2; rtype[$1] = $3; param[$1] = $4; keyed[$1] = $5; next }
	{
		# {"seq":1,"phase":"entry","ddi":"AddDevice","kind":"ddi","thread":1,"time_ns":..,"parent_seq":0,"args":..}
		if (!match($0, /^\{"seq":[0-9]+,"phase":"(entry|exit)","ddi":"[A-Za-z0-9_]+","kind":"[a-z]+","thread":[0-9]+,"time_ns":[0-9]+,"parent_seq":[0-9]+,/)) {
			print "ddirr dump --json printed a line this test cannot read (format changed?): " $0 > "/dev/stderr"
			bad = 1
			next
		}
		split(substr($0, 1, RLENGTH), f, /[{}":,]+/)
		seq = f[3]; phase = f[5]; name = f[7]; thread = f[11]; parent = f[15]
		if (!(name in id)) {
			print "a DDI the description does not list: " name > "/dev/stderr"
			bad = 1
			next
		}
		if (phase == "entry") {
			# The first parameter opens the args, as a hex string.
			key = "-"
			if (keyed[name]) {
				a = "\"args\":{\"" param[name] "\":\"0x"
				k = index($0, a) ? substr($0, index($0, a) + length(a)) : ""
				if (!match(k, /^[0-9a-fA-F]+"/)) {
					print "seq " seq ": the entry of " name " does not open its args with " param[name] " in hex: " $0 > "/dev/stderr"
					bad = 1
					next
				}
				key = hexnorm("0x" substr(k, 1, RLENGTH - 1))
			}
			print phase, seq, id[name], thread, parent, key, "-", "-"
			next
		}
		ret = ""
		if (match($0, /"ReturnValue":\{"value":"0x[0-9a-fA-F]+"/))
			ret = hexnorm(substr($0, RSTART + 24, RLENGTH - 25))
		else if (match($0, /"ReturnValue":"0x[0-9a-fA-F]+"/))
			ret = hexnorm(substr($0, RSTART + 15, RLENGTH - 16))
		else if (match($0, /"ReturnValue":[0-9]+[,}]/))
			ret = hexnorm(sprintf("%x", substr($0, RSTART + 14, RLENGTH - 15) + 0))
		if (ret == "" && rtype[name] != "VOID") {
			print "seq " seq ": the exit of " name " (returns " rtype[name] ") has no ReturnValue: " $0 > "/dev/stderr"
			bad = 1
			next
		}
		if (ret == "")
			ret = "0"
		print phase, seq, id[name], thread, "-", "-", (rtype[name] == "NTSTATUS" ? ntstatus(ret) : "0"), ret
	}
	END { exit bad }' "$work/ddis" "$work/dump.json" | LC_ALL=C sort >"$work/ddirr.records" ||
	die "the ddirr trace could not be read in full (see above)"

# --- the LTTng side ---
babeltrace2 "$ctf" >"$work/ctf.txt" 2>"$work/babeltrace.err" || die "babeltrace2 failed: $(cat "$work/babeltrace.err")"
# Each line: [time] (+delta) host ddirr:ddi_entry: { cpu_id = 0 }, { seq = 3, ddi = 1, ... }
awk "$hexnorm"'
	NR == FNR { keyed[$2] = $5; next }
	function field(p, name,    m) {
		if (!match(p, "(^|, )" name " = [^,} ]+"))
			return ""
		m = substr(p, RSTART, RLENGTH)
		sub(/.* = /, "", m)
		return m
	}
	/ ddirr:ddi_(entry|exit): / {
		phase = $0 ~ / ddirr:ddi_entry: / ? "entry" : "exit"
		p = $0
		sub(/.*\}, \{ /, "", p)
		seq = field(p, "seq"); ddi = field(p, "ddi"); thread = field(p, "thread")
		parent = phase == "entry" ? field(p, "parent_seq") : "-"
		key = phase == "entry" ? field(p, "key") : "-"
		status = phase == "exit" ? field(p, "status") : "-"
		ret = phase == "exit" ? field(p, "ret") : "-"
		if (seq == "" || ddi == "" || thread == "" || parent == "" || key == "" || status == "" || ret == "") {
			print "an event without seq, ddi, thread, parent_seq, key, status or ret: " $0 > "/dev/stderr"
			bad = 1
			next
		}
		if (phase == "entry")
			print phase, seq, ddi, thread, parent, keyed[ddi] ? hexnorm(key) : "-", "-", "-"
		else
			print phase, seq, ddi, thread, "-", "-", status, hexnorm(ret)
	}
	END { exit bad }' "$work/ddis" "$work/ctf.txt" | LC_ALL=C sort >"$work/lttng.records" ||
	die "the LTTng events lack fields this test compares (see above)"

# --- compare ---
n_ddirr=$(wc -l <"$work/ddirr.records")
n_lttng=$(wc -l <"$work/lttng.records")
entries=$(grep -c '^entry ' "$work/ddirr.records" || true)
exits=$(grep -c '^exit ' "$work/ddirr.records" || true)
[ "$entries" -ge 10 ] || die "the capture recorded only $entries calls: too few to show anything"
[ "$entries" = "$exits" ] || die "the ddirr trace has $entries entries but $exits exits"
[ "$(cut -d' ' -f2 "$work/ddirr.records" | LC_ALL=C sort | uniq -d | wc -l)" = "$entries" ] ||
	die "the ddirr trace's seqs are not one entry and one exit per call"
keys=$(grep -c '^entry \([^ ]* \)\{4\}[0-9a-f]' "$work/ddirr.records" || true)
[ "$keys" -ge 10 ] || die "only $keys entries carry their first parameter in the ddirr trace: too few to compare keys"
if ! cmp -s "$work/ddirr.records" "$work/lttng.records"; then
	say "records (phase seq ddi thread parent key status ret): ddirr $n_ddirr, LTTng $n_lttng; first differences (< only ddirr, > only LTTng):"
	LC_ALL=C comm -3 "$work/ddirr.records" "$work/lttng.records" | head -n 20 | sed 's/^\t/> /; t; s/^/< /' >&2
	# A record both sides hold, with fields that differ: name them.
	awk '
		BEGIN { split("phase seq ddi thread parent key status ret", name, " ") }
		function shown(i, v) { return (name[i] == "key" || name[i] == "ret") && v != "-" ? "0x" v : v }
		NR == FNR { ddirr[$1 " " $2] = $0; next }
		($1 " " $2) in ddirr {
			split(ddirr[$1 " " $2], d, " ")
			for (i = 3; i <= 8; i++)
				if (d[i] != $i)
					print "seq " $2 " " $1 ": " name[i] " " shown(i, d[i]) " in the ddirr trace, " shown(i, $i) " in LTTng"
		}' "$work/ddirr.records" "$work/lttng.records" | sort -k2,2n | head -n 20 >"$work/fields.diff"
	sed 's/^/  /' "$work/fields.diff" >&2
	first=$(head -n 1 "$work/fields.diff")
	die "the LTTng trace does not hold the same calls as the ddirr trace${first:+ (first: $first)} (files in $work)"
fi
say "$entries calls, $n_ddirr records: the same seqs, DDI ids, threads, parents, keys ($keys compared), statuses and return values in the ddirr and LTTng traces"
