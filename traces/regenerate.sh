#!/bin/sh
# Recaptures every trace traces/manifest.tsv lists, from the driver build it
# names, with its scenario, seed and chaos; then replays the corpus against
# the model and every driver build and writes the verdicts into the
# manifest. Review the diff of the manifest like code: every changed cell
# is a changed behaviour.
# usage: traces/regenerate.sh [BUILD_DIR]   (default: build)
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
ddirr=$build/cli/ddirr
tab=$(printf '\t')
grep -v '^#' traces/manifest.tsv | grep -v '^trace' | grep -v '^$' |
while IFS=$tab read -r trace scenario seed chaos from rest; do
	rc=0
	"$ddirr" capture --driver "$build/drivers/$from.so" --scenario "$scenario" --seed "$seed" --chaos "$chaos" \
		-o "traces/$trace" >/dev/null 2>&1 || rc=$?
	# 1: captured, and the driver misbehaved (expected of bug traces).
	[ $rc -le 1 ] || { echo "regenerate: capturing $trace failed ($rc)" >&2; exit 1; }
	echo "regenerate: $trace ($(wc -c <"traces/$trace") bytes)"
done
"$ddirr" corpus traces --driver model --driver "$build/drivers" -j 2 --update-manifest >/dev/null
echo "regenerate: verdicts written into traces/manifest.tsv"
