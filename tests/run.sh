#!/bin/bash
# Runs the whole suite: unit tests (cmocka), BPF programs through bpf_prog_test_run_opts,
# and integration tests on network namespaces. Ends with "N passed, N failed".
# Usage: tests/run.sh [BUILD_DIR]   (TESTS="unit integration" selects parts)
set -u
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
parts=${TESTS:-unit integration fuzz}
fuzz_seconds=${FUZZ_SECONDS:-20}
passed=0
failed=0
failures=()

run_cmocka() {
	local t=$1 out p f
	out=$("$t" 2>&1)
	echo "$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	p=${p:-0}
	f=${f:-0}
	# a group setup failure runs nothing: count it
	if ((p + f == 0)); then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	((f)) && failures+=("$(basename "$t")")
}

run_tap() {
	local t=$1 out rc p f
	out=$(VNL_BUILD=$build "$t" 2>&1)
	rc=$?
	echo "$out"
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if ((rc != 0 && f == 0)); then
		f=1
		echo "not ok - $(basename "$t") exited with $rc"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	((f)) && failures+=("$(basename "$t")")
}

if [[ $parts == *unit* ]]; then
	for t in "$build"/tests/test_*; do
		echo "=== $(basename "$t")"
		run_cmocka "$t"
	done
fi
if [[ $parts == *integration* ]]; then
	for t in "$here"/integration/test_*.sh; do
		echo "=== $(basename "$t")"
		run_tap "$t"
	done
fi
# a bounded libFuzzer pass per parser over the committed corpus (new finds go to a temp dir)
if [[ $parts == *fuzz* ]]; then
	for f in "$build"/fuzz/fuzz_*; do
		[[ -x $f ]] || continue
		name=$(basename "$f")
		echo "=== $name (${fuzz_seconds}s)"
		tmp=$(mktemp -d)
		if "$f" -max_total_time="$fuzz_seconds" -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$tmp/" \
			"$tmp" "$here/fuzz/corpus/${name#fuzz_}" >"$tmp.log" 2>&1; then
			grep -E 'stat::number_of_executed_units|Done' "$tmp.log" | tail -2
			echo "ok - $name"
			passed=$((passed + 1))
		else
			tail -40 "$tmp.log"
			echo "not ok - $name (crashing input kept in $tmp)"
			failed=$((failed + 1))
			failures+=("$name")
			continue
		fi
		rm -rf "$tmp" "$tmp.log"
	done
fi
echo
((failed)) && echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed"
((failed == 0))
