#!/bin/sh
# A real ENOSPC: mounts a small tmpfs in a private mount namespace and runs
# test_enospc (a capture until the disk is full, then its checks), then
# asks `ddirr info` for the verdict of the trace it left.
#   test_enospc.sh TEST_ENOSPC DDIRR WORKDIR
# Exits 77 (ctest's SKIP_RETURN_CODE), with the reason, where mounting is
# not permitted (no root, no user namespaces).
set -eu
bin=$1 ddirr=$2 dir=$3
size=${DDIRR_TEST_TMPFS_SIZE:-1m}
rm -rf "$dir" && mkdir -p "$dir/fs" "$dir/out"

# root, or an unprivileged user namespace in which we are root
if unshare -m true 2>/dev/null; then
	ns="unshare -m"
elif unshare -rm true 2>/dev/null; then
	ns="unshare -rm"
else
	echo "SKIP: cannot create a mount namespace (unshare -m and unshare -rm refused): not root and no user namespaces"
	exit 77
fi
# Inside the namespace: mount the tmpfs (its own exit code 77 if refused),
# run the capture, and copy the trace out before the namespace, and the
# tmpfs with it, goes away.
set +e
$ns sh -c '
	mount -t tmpfs -o size="$1" ddirr-enospc "$2/fs" 2>"$2/out/mount.err" || exit 77
	DDIRR_TEST_TMP="$2/fs" DDIRR_TEST_OUT="$2/out" "$3"
	rc=$?
	df -k "$2/fs" | tail -1 > "$2/out/df.txt"
	cp "$2/fs/enospc.ddirr" "$2/out/" 2>/dev/null
	exit $rc
' sh "$size" "$dir" "$bin"
rc=$?
set -e
if [ $rc -eq 77 ]; then
	echo "SKIP: mount -t tmpfs is not permitted here: $(cat "$dir/out/mount.err")"
	exit 77
fi
[ $rc -eq 0 ] || { echo "test_enospc failed ($rc)"; exit 1; }
cat "$dir/out/df.txt"
# info exits 1 for a trace that is not complete, as this one is not.
rc=0
"$ddirr" info "$dir/out/enospc.ddirr" > "$dir/out/info.txt" || rc=$?
[ $rc -eq 1 ] || { cat "$dir/out/info.txt"; echo "ddirr info exited $rc, not 1 (not complete)"; exit 1; }
verdict=$(grep '^verdict' "$dir/out/info.txt")
echo "$verdict"
case $verdict in
*"truncated after seq"*"recording stopped early"*"stopped: "*"No space left on device (ENOSPC)"*) ;;
*) cat "$dir/out/info.txt"; echo "ddirr info's verdict does not name ENOSPC"; exit 1 ;;
esac
grep -q "problems" "$dir/out/info.txt" && { cat "$dir/out/info.txt"; echo "problems reported"; exit 1; }
echo "enospc: ok"
