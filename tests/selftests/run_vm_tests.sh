#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_vm_tests.sh: run the DAMON selftests, one after the other, as TAP.
#
# Usage: run_vm_tests.sh [-l] [NAME...]
#   -l     list the tests and their time limits, run nothing
#   NAME   run only these tests (names as listed, without extension)
#
# Meant for the test VM (scripts/vm/run ... -- tests/selftests/run_vm_tests.sh)
# but works on any machine with DAMON sysfs, as root.  Prints a TAP plan,
# then per test its own output indented as "# " comments followed by
# "ok N NAME" or "not ok N NAME".  Exits non-zero if any test failed.
#
# Each test runs with a time limit of its own, in its own process group; one
# that overruns it is killed and reported as failed, and the next test runs.
# Between tests every kdamond is turned off and removed.  A test also fails
# if the kernel log gained lines that show a kernel problem while it ran.
# A test that skips itself is reported "ok ... # SKIP", except inside the
# test VM (DAMON_VM=1), where everything it needs must be there, so a skip
# is a failure.
#
# The hot_cold workload (hot_cold.c) is compiled once, into
# ${TMPDIR:-/tmp}/damon-selftests/, and passed to the tests in DAMON_HOT_COLD.

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# name, time limit in seconds
tests=(
	"sysfs_hierarchy 240"
	"sysfs_bad_input 300"
	"seed_example 120"
	"vaddr_hot_cold 240"
	"paddr_range 180"
	"commit_intervals 180"
	"tracepoints 150"
	"onoff_loop 300"
	"target_exit 180"
	"shrink_while_on 180"
	"concurrent_writers 180"
	"tried_regions_vs_off 240"
)

# Kernel log lines that mean trouble, whichever test provoked them.
kernel_trouble='BUG:|WARNING:|Oops|KASAN|possible circular locking|possible recursive locking|lockdep|UBSAN|general protection fault|sleeping function called from invalid context|kernel BUG at|list_(add|del) corruption|soft lockup|hard LOCKUP|blocked for more than'

list_only=0
if [ "${1:-}" = -l ]; then
	list_only=1
	shift
fi
if [ $# -gt 0 ]; then
	selected=()
	for want in "$@"; do
		found=
		for t in "${tests[@]}"; do
			[ "${t%% *}" = "$want" ] && found=$t
		done
		[ -n "$found" ] || { echo "run_vm_tests: no test '$want'" >&2; exit 2; }
		selected+=("$found")
	done
	tests=("${selected[@]}")
fi
if [ $list_only = 1 ]; then
	printf '%s\n' "${tests[@]}"
	exit 0
fi

# /usr/bin/python3 starts faster than a version manager's shim
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)

now() { date +%s; }

# Turn every kdamond off and remove them; bounded, in case sysfs hangs.
reset_damon()
{
	timeout 60 bash -c '
		k=/sys/kernel/mm/damon/admin/kdamonds
		[ -d $k ] || exit 0
		for d in $k/[0-9]*; do
			[ -d $d ] && echo off > $d/state
		done 2>/dev/null
		echo 0 > $k/nr_kdamonds' 2>/dev/null
}

kmsg() { echo "damon-selftest: $*" > /dev/kmsg 2>/dev/null; }

# Run $2 (a path) with interpreter $1 in its own process group, for at most
# $3 seconds; output to $4.  Sets $rc: the exit status, or 124 on timeout.
run_limited()
{
	local interp=$1 file=$2 limit=$3 log=$4 pid i

	setsid "$interp" "$file" > "$log" 2>&1 < /dev/null &
	pid=$!
	for ((i = 0; i < limit * 5; i++)); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 $pid 2>/dev/null; then
		kill -TERM -- -$pid $pid 2>/dev/null
		sleep 3
		kill -KILL -- -$pid $pid 2>/dev/null
		# a process stuck in the kernel can not die; do not wait forever
		for ((i = 0; i < 50; i++)); do
			kill -0 $pid 2>/dev/null || break
			sleep 0.2
		done
		if kill -0 $pid 2>/dev/null; then
			echo "(still not dead after SIGKILL: stuck in the kernel?)" >> "$log"
			disown $pid 2>/dev/null
		else
			wait $pid 2>/dev/null
		fi
		rc=124
		return
	fi
	wait $pid
	rc=$?
}

workdir=${TMPDIR:-/tmp}/damon-selftests
mkdir -p "$workdir"
suite_start=$(now)

echo "TAP version 13"
echo "# DAMON selftests on $(uname -r), $(nproc) CPUs"
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP must run as root"
	exit 4
fi
# Every kdamond gets removed: leave a machine that uses DAMON alone.
if [ "${DAMON_VM:-}" != 1 ] && [ "${DAMON_SELFTEST_FORCE:-}" != 1 ] &&
		grep -qx on /sys/kernel/mm/damon/admin/kdamonds/*/state 2>/dev/null; then
	echo "1..0 # SKIP a kdamond is already on here; not touching it (set DAMON_SELFTEST_FORCE=1 to run anyway)"
	exit 4
fi
export DAMON_SELFTEST_FORCE=1

# The workload, compiled once for every test.
if [ -z "${DAMON_HOT_COLD:-}" ]; then
	t0=$(now)
	if gcc -O1 -Wall -o "$workdir/hot_cold" "$here/hot_cold.c" \
			> "$workdir/gcc.log" 2>&1; then
		export DAMON_HOT_COLD=$workdir/hot_cold
		echo "# built hot_cold in $(( $(now) - t0 ))s"
	else
		echo "# could not build hot_cold:"
		sed 's/^/#   /' "$workdir/gcc.log"
	fi
fi

echo "1..${#tests[@]}"
n=0
passed=0
failed=0
skipped=0
for entry in "${tests[@]}"; do
	n=$((n + 1))
	name=${entry%% *}
	limit=${entry##* }
	if [ -f "$here/$name.py" ]; then
		interp=$py file=$here/$name.py
	else
		interp=bash file=$here/$name.sh
	fi
	log=$workdir/$name.log

	reset_damon
	before=$(dmesg 2>/dev/null | wc -l)
	kmsg "begin $name"
	t0=$(now)
	run_limited "$interp" "$file" "$limit" "$log"
	took=$(( $(now) - t0 ))
	kmsg "end $name"

	sed 's/^/# /' "$log"
	trouble=$(dmesg 2>/dev/null | tail -n +$((before + 1)) |
		grep -E "$kernel_trouble" | head -n 20)
	if [ -n "$trouble" ]; then
		echo "# the kernel log shows trouble during $name:"
		echo "$trouble" | sed 's/^/#   kernel: /'
	fi

	verdict=ok
	note=
	case $rc in
	0)	;;
	4)	if [ "${DAMON_VM:-}" = 1 ]; then
			verdict="not ok"
			note=" # skipped, but nothing may be missing in the test VM"
		else
			note=" # SKIP"
		fi;;
	124)	verdict="not ok"
		note=" # TIMEOUT after ${limit}s";;
	*)	verdict="not ok";;
	esac
	[ -n "$trouble" ] && verdict="not ok"
	echo "# $name: exit status $rc, ${took}s"
	echo "$verdict $n $name$note"
	case "$verdict$note" in
	"ok # SKIP")	skipped=$((skipped + 1));;
	ok)		passed=$((passed + 1));;
	*)		failed=$((failed + 1));;
	esac
done
reset_damon

echo "# $passed passed, $failed failed, $skipped skipped in $(( $(now) - suite_start ))s"
[ "$failed" -eq 0 ]
