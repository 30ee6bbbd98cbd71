# Sourced by the shell tests: fail counts a failed check and says which;
# finish ends the test (its status is the test's); fresh_dir makes an empty
# work folder.
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

finish() {
	[ $fails -eq 0 ] && echo "$1: every check passed"
	[ $fails -eq 0 ]
}

fresh_dir() {
	rm -rf "$1"
	mkdir -p "$1"
}
