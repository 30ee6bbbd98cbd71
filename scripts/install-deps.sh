#!/bin/sh
# Installs the Debian 12 packages ddirr builds, tests and runs with.
# Run as root. Safe to run again.
set -eu
PACKAGES="build-essential cmake pkg-config
  libprotobuf-c-dev protobuf-c-compiler protobuf-compiler
  libzstd-dev zstd
  liblttng-ust-dev lttng-tools babeltrace2 procps util-linux
  libcmocka-dev nettle-dev
  clang libclang-rt-14-dev"
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
