#!/bin/sh
# ddirr corpus: shards given as --shard K/N, as GitLab's CI_NODE_INDEX
# (1-based) and as Kubernetes' JOB_COMPLETION_INDEX (0-based) together cover
# every trace x target pair exactly once; the JUnit report has a testcase per
# pair; a verdict other than the manifest's exits 1; usage errors exit 2.
# usage: test_corpus.sh DDIRR TRACES DRIVERS WORKDIR
set -u
ddirr=$1
traces=$2
drivers=$3
work=$4
. "$(dirname "$0")/../support/checks.sh"
fresh_dir "$work"

corpus() {
	"$ddirr" corpus "$traces" --driver model --driver "$drivers" -j 2 "$@"
}

# The pairs a run reports, one line each ("trace target verdict").
pairs() {
	grep -E '^(ok|FAIL) ' | awk '{print $2, $3, $4}'
}

unset CI_NODE_INDEX CI_NODE_TOTAL JOB_COMPLETION_INDEX DDIRR_SHARD_TOTAL
corpus >"$work/all.out" || fail "the whole corpus does not match its manifest: $(grep FAIL "$work/all.out" | head -n 3)"
pairs <"$work/all.out" | sort >"$work/all.pairs"
total=$(wc -l <"$work/all.pairs")
[ "$total" -eq "$(( $(ls "$traces"/*.ddirr | wc -l) * 9 ))" ] || fail "the corpus ran $total pairs"

# Every way of sharding gives back the whole corpus, each pair once.
check_shards() { # name, then the files of every shard's output
	name=$1
	shift
	cat "$@" | pairs | sort >"$work/$name.pairs"
	[ "$(wc -l <"$work/$name.pairs")" -eq "$total" ] || fail "$name: $(wc -l <"$work/$name.pairs") pairs, not $total"
	[ -z "$(uniq -d "$work/$name.pairs")" ] || fail "$name: a pair ran twice: $(uniq -d "$work/$name.pairs" | head -n 1)"
	cmp -s "$work/$name.pairs" "$work/all.pairs" || fail "$name: the shards do not add up to the whole corpus"
}

for n in 1 2 3 5 7; do
	files=""
	k=1
	while [ $k -le $n ]; do
		corpus --shard "$k/$n" >"$work/shard-$k-of-$n.out" || fail "shard $k/$n exited $?"
		grep -q "shard $k/$n ran" "$work/shard-$k-of-$n.out" || fail "shard $k/$n: $(tail -n 1 "$work/shard-$k-of-$n.out")"
		files="$files $work/shard-$k-of-$n.out"
		k=$((k + 1))
	done
	check_shards "shards-$n" $files
done

# GitLab CI: CI_NODE_INDEX counts from 1.
files=""
for k in 1 2 3; do
	CI_NODE_INDEX=$k CI_NODE_TOTAL=3 corpus >"$work/gitlab-$k.out" || fail "CI_NODE_INDEX=$k exited $?"
	grep -q "shard $k/3 from the environment" "$work/gitlab-$k.out" || fail "CI_NODE_INDEX=$k was not read"
	files="$files $work/gitlab-$k.out"
done
check_shards gitlab $files
# Kubernetes indexed jobs: JOB_COMPLETION_INDEX counts from 0.
files=""
for k in 0 1 2 3; do
	JOB_COMPLETION_INDEX=$k DDIRR_SHARD_TOTAL=4 corpus >"$work/k8s-$k.out" || fail "JOB_COMPLETION_INDEX=$k exited $?"
	grep -q "shard $((k + 1))/4 from the environment" "$work/k8s-$k.out" || fail "JOB_COMPLETION_INDEX=$k was not read"
	files="$files $work/k8s-$k.out"
done
check_shards kubernetes $files
# --shard wins over the environment; a bad environment is a usage error.
CI_NODE_INDEX=2 CI_NODE_TOTAL=2 corpus --shard 1/1 >"$work/override.out"
pairs <"$work/override.out" | sort | cmp -s - "$work/all.pairs" || fail "--shard did not win over CI_NODE_INDEX"
JOB_COMPLETION_INDEX=1 corpus >/dev/null 2>&1
[ $? -eq 2 ] || fail "JOB_COMPLETION_INDEX without a total should exit 2"

# JUnit: a testcase per pair of the shard, no failure.
corpus --shard 2/2 --junit "$work/junit.xml" >/dev/null || fail "shard 2/2 with --junit"
[ "$(grep -c '<testcase ' "$work/junit.xml")" -eq $((total / 2)) ] || fail "junit: $(grep -c '<testcase ' "$work/junit.xml") testcases"
grep -q 'failures="0"' "$work/junit.xml" || fail "junit: failures"

# A manifest that expects something else: exit 1, and the pair is named.
sed 's/^boot.ddirr\(.*\)divergence\tpass$/boot.ddirr\1pass\tpass/' "$traces/manifest.tsv" >"$work/wrong.tsv"
cmp -s "$work/wrong.tsv" "$traces/manifest.tsv" && fail "the test could not change the manifest"
corpus --manifest "$work/wrong.tsv" --junit "$work/wrong.xml" >"$work/wrong.out"
[ $? -eq 1 ] || fail "a wrong expectation should exit 1"
grep -q "^FAIL boot.ddirr *samplekmd-1.6 *divergence, expected pass" "$work/wrong.out" || fail "the failing pair: $(grep FAIL "$work/wrong.out")"
grep -q '<failure message="divergence, expected pass">' "$work/wrong.xml" || fail "junit failure"
# Without a manifest every pair must pass: the regressed drivers fail.
corpus --no-manifest >/dev/null
[ $? -eq 1 ] || fail "--no-manifest with regressed drivers should exit 1"
"$ddirr" corpus "$traces" --driver model --driver "$drivers/samplekmd-1.0.so" --no-manifest --shard 1/1 >"$work/good.out" 2>&1
[ $? -eq 1 ] || fail "the bug traces fail even against 1.0 and the model"

# Usage errors.
"$ddirr" corpus "$traces" >/dev/null 2>&1
[ $? -eq 2 ] || fail "no --driver should exit 2"
"$ddirr" corpus "$traces" --driver model --shard 3/2 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--shard 3/2 should exit 2"
"$ddirr" corpus "$work" --driver model >/dev/null 2>&1
[ $? -eq 2 ] || fail "a folder without traces should exit 2"

finish "corpus ($total pairs)"
