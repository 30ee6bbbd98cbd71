#!/bin/sh
# The main job, the whole story in one command: install, build; capture the
# texture-streaming scenario against a good build of the sample driver
# (samplekmd 1.0); replay the trace against the aperture model and against
# the newest build (1.7), which diverges; bisect the eight builds to the one
# that brought the bug; show the bug; and check the whole trace corpus the
# way CI does.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)"
ddirr=build/cli/ddirr
drivers=build/drivers
mkdir -p build/demo
trace=build/demo/texture-streaming.ddirr

say() {
	echo
	echo "\$ $*"
}

say ddirr capture --driver $drivers/samplekmd-1.0.so --scenario texture-streaming --seed 42 -o $trace
$ddirr capture --driver $drivers/samplekmd-1.0.so --scenario texture-streaming --seed 42 -o $trace
say "ddirr info $trace | head -n 12"
$ddirr info $trace | head -n 12

say ddirr replay $trace --target model
$ddirr replay $trace --target model
say ddirr replay $trace --target driver:$drivers/samplekmd-1.0.so
$ddirr replay $trace --target driver:$drivers/samplekmd-1.0.so
say ddirr replay $trace --target driver:$drivers/samplekmd-1.7.so
out=build/demo/replay-1.7.txt
$ddirr replay $trace --target driver:$drivers/samplekmd-1.7.so >$out && rc=0 || rc=$?
cat $out
echo "(exit $rc: the newest build diverges from the trace of a good one)"

say ddirr bisect --trace $trace $drivers
$ddirr bisect --trace $trace $drivers && rc=0 || rc=$?
echo "(exit $rc)"

# The caught bug: the call the replay stopped at, and what VERSIONS.md says.
seq=$(sed -n 's/^divergence at seq \([0-9]*\) .*/\1/p' $out | head -n 1)
say ddirr dump $trace --range $seq:$seq
$ddirr dump $trace --range "$seq:$seq"
echo
echo "drivers/VERSIONS.md:"
sed -n '/^### R3/,/^### R4/p' drivers/VERSIONS.md | sed '$d'

say ddirr corpus traces --driver model --driver $drivers -j 2 "| tail -n 1"
$ddirr corpus traces --driver model --driver $drivers -j 2 | tail -n 1

say "zstd -t $trace && zstd -dc $trace | protoc --decode=ddirr.EventBatch schema/ddirr.proto | head -n 8"
zstd -q -t $trace && echo "zstd: $trace is a valid zstd stream"
zstd -q -dc $trace | protoc --decode=ddirr.EventBatch schema/ddirr.proto | head -n 8
