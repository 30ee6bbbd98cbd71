#!/bin/sh
# Two builds of ddirr-bench-recorder side by side: their `profile` runs
# alternate, N times each, and the caller's ns a call of each run and the
# medians are printed. For a change too small for bench/run.sh's noise:
# build once before and once after, copy the binaries aside, then
#
#   sh bench/ab.sh PAGES CALLS N BIN_A BIN_B
#
# e.g. sh bench/ab.sh 21 500000 6 /tmp/before /tmp/after (21 pages: the
# 256 B payload of bench/run.sh). Writes its traces to $TMPDIR (or /tmp).
set -eu

if [ $# -ne 5 ]; then
	echo "usage: sh bench/ab.sh PAGES CALLS N BIN_A BIN_B" >&2
	exit 2
fi
pages=$1 calls=$2 n=$3
dir=${TMPDIR:-/tmp}
out=$dir/ddirr-ab.$$
trap 'rm -f "$out" "$dir/ddirr-ab.$$.ddirr"' EXIT

i=0
while [ "$i" -lt "$n" ]; do
	for side in A B; do
		if [ "$side" = A ]; then bin=$4; else bin=$5; fi
		ns=$("$bin" profile --variant ddirr --pages "$pages" --calls "$calls" --trace "$dir/ddirr-ab.$$.ddirr" 2>&1 |
			sed -n 's/.*caller \([0-9.]*\) ns.*/\1/p')
		[ -n "$ns" ] || { echo "ab.sh: $bin gave no caller figure" >&2; exit 1; }
		echo "$side $ns" >>"$out"
	done
	i=$((i + 1))
done
for side in A B; do
	grep "^$side " "$out" | awk '{print $2}' | sort -n |
		awk -v s="$side" '{v[NR] = $1; line = line " " $1} END {printf "%s:%s  median %s\n", s, line, v[int((NR + 1) / 2)]}'
done
