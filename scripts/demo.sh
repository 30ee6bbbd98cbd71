#!/bin/sh
# The main job: install, build, write a sample trace through the writer API,
# and show what `ddirr info` and the start of `ddirr dump` make of it.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)"
trace=build/sample.ddirr
build/examples/ddirr-sample-trace "$trace"
echo
echo "\$ ddirr info $trace"
build/cli/ddirr info "$trace"
echo
echo "\$ ddirr dump $trace | head -n 12"
build/cli/ddirr dump "$trace" | head -n 12
echo
echo "\$ ddirr check $trace"
build/cli/ddirr check "$trace"
build/examples/ddirr-sample-trace --bug double-map build/sample-bug.ddirr
echo
echo "\$ ddirr check build/sample-bug.ddirr    # the same calls with a double map"
build/cli/ddirr check build/sample-bug.ddirr || echo "(exit $?: an invariant is broken)"
echo
echo "\$ zstd -t $trace && zstd -dc $trace | protoc --decode=ddirr.EventBatch schema/ddirr.proto | head -n 12"
zstd -q -t "$trace" && echo "zstd: $trace is a valid zstd stream"
zstd -q -dc "$trace" | protoc --decode=ddirr.EventBatch schema/ddirr.proto | head -n 12
