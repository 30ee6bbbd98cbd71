#!/bin/sh
# Runs a command beside a private LTTng session daemon, then stops the daemon.
#
#   scripts/lttng-session.sh WORKDIR COMMAND [ARG...]
#
# The daemon (lttng-sessiond --no-kernel) and its consumer daemons belong to
# this run only: they never meet a session daemon of the system or of another
# run, and they are stopped when COMMAND ends, whatever the way it ends.
# COMMAND runs with:
#   LTTNG_HOME                the daemon's home (WORKDIR/lttng-home); `lttng`
#                             and traced applications find the daemon there
#   DDIRR_LTTNG_SESSIOND_PID  the daemon's pid
#   DDIRR_LTTNG_RUNDIR        the daemon's run directory (sockets, pid file)
# Use `lttng --no-sessiond ...` in COMMAND, so that a dead daemon is an error
# rather than silently replaced by a new one.
#
# How the daemon is kept private:
#   - as a normal user, a per-user daemon lives in $LTTNG_HOME/.lttng, which
#     is private to this run;
#   - as root, the daemon's run directory is fixed (/var/run/lttng), so the
#     run re-executes itself in new mount and pid namespaces (unshare) with
#     private /run and /dev/shm; when COMMAND ends, the kernel ends every
#     process of the namespace.
# When no daemon can be started, it says why and exits with status 3
# (COMMAND is not run). Otherwise it exits with COMMAND's status.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 WORKDIR COMMAND [ARG...]" >&2
	exit 2
fi

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
workdir=$1
shift

fail() {
	echo "lttng-session: $*" >&2
	exit 3
}

for tool in lttng-sessiond lttng; do
	command -v "$tool" >/dev/null 2>&1 || fail "$tool not found: install lttng-tools (scripts/install-deps.sh)"
done

if [ "$(id -u)" = 0 ] && [ "${DDIRR_LTTNG_IN_NAMESPACE:-}" != 1 ]; then
	command -v unshare >/dev/null 2>&1 || fail "unshare not found (util-linux): needed to run a private root session daemon"
	unshare --mount --pid --fork --kill-child --mount-proc --propagation private true 2>/dev/null ||
		fail "cannot create mount and pid namespaces (unshare: $(unshare --mount --pid --fork true 2>&1 | head -n 1));" \
			"as root, a private session daemon needs CAP_SYS_ADMIN; run as a normal user instead"
	DDIRR_LTTNG_IN_NAMESPACE=1 exec unshare --mount --pid --fork --kill-child --mount-proc --propagation private \
		sh -c 'mount -t tmpfs -o mode=0755 ddirr-run /run && mount -t tmpfs -o mode=1777 ddirr-shm /dev/shm &&
		       exec "$@"' sh "$self" "$workdir" "$@"
fi

mkdir -p "$workdir"
workdir=$(cd "$workdir" && pwd)
LTTNG_HOME=$workdir/lttng-home
rm -rf "$LTTNG_HOME"
mkdir -p "$LTTNG_HOME"
export LTTNG_HOME
if [ "$(id -u)" = 0 ]; then
	DDIRR_LTTNG_RUNDIR=/var/run/lttng
else
	DDIRR_LTTNG_RUNDIR=$LTTNG_HOME/.lttng
fi
export DDIRR_LTTNG_RUNDIR
log=$workdir/lttng-sessiond.log

sessiond_pid=
# Every pid below the daemon (consumer daemons and their helpers).
descendants() {
	for child in $(pgrep -P "$1" 2>/dev/null || true); do
		echo "$child"
		descendants "$child"
	done
}
stop_daemon() {
	[ -n "$sessiond_pid" ] || return 0
	pids=$(descendants "$sessiond_pid")
	kill -TERM "$sessiond_pid" 2>/dev/null || true
	i=0
	while kill -0 "$sessiond_pid" 2>/dev/null && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	for pid in $sessiond_pid $pids; do
		# only processes that are still LTTng's (a pid may have been reused)
		case $(cat "/proc/$pid/comm" 2>/dev/null || true) in
		lttng-*) kill -KILL "$pid" 2>/dev/null || true ;;
		esac
	done
	sessiond_pid=
}
trap 'stop_daemon' EXIT
trap 'stop_daemon; exit 130' INT
trap 'stop_daemon; exit 143' TERM
trap 'stop_daemon; exit 129' HUP

if ! lttng-sessiond --background --no-kernel >"$log" 2>&1; then
	cat "$log" >&2
	fail "lttng-sessiond failed to start (log above, in $log)"
fi
i=0
while [ ! -s "$DDIRR_LTTNG_RUNDIR/lttng-sessiond.pid" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$DDIRR_LTTNG_RUNDIR/lttng-sessiond.pid" ] || fail "lttng-sessiond started but wrote no pid file in $DDIRR_LTTNG_RUNDIR"
sessiond_pid=$(cat "$DDIRR_LTTNG_RUNDIR/lttng-sessiond.pid")
kill -0 "$sessiond_pid" 2>/dev/null || fail "lttng-sessiond (pid $sessiond_pid) is not running; log: $log"
DDIRR_LTTNG_SESSIOND_PID=$sessiond_pid
export DDIRR_LTTNG_SESSIOND_PID

set +e
"$@"
status=$?
set -e
stop_daemon
exit $status
