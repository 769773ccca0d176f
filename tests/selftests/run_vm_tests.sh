#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_vm_tests.sh: run the DAMON selftests, one after the other, as TAP.
#
# Usage: run_vm_tests.sh [-l | --prepare] [NAME...]
#   -l         list the tests and their time limits, run nothing
#   --prepare  on the host: build the workloads (every *.c here) where a
#              later run in the VM finds them (compiling in the emulated
#              guest is slow); prints their paths
#   NAME       run only these tests (names as listed, without extension)
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
# The hot_cold workload (hot_cold.c) is taken from where --prepare put it
# (${DAMON_CACHE:-~/.cache/damon-6.12}/selftests/, if built from the same
# source) or else compiled once into ${TMPDIR:-/tmp}/damon-selftests/, and
# passed to the tests in DAMON_HOT_COLD.

case "${1:-}" in
-h|--help)
	# the header comment is the help
	sed -n '3,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"
	exit 0;;
esac

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# name, time limit in seconds
tests=(
	"sysfs_hierarchy 240"
	"sysfs_bad_input 300"
	"seed_example 120"
	"vaddr_hot_cold 240"
	"paddr_range 180"
	"commit_intervals 270"
	"tracepoints 150"
	"scheme_controls 180"
	"onoff_loop 300"
	"target_exit 180"
	"shrink_while_on 180"
	"concurrent_writers 180"
	"tried_regions_vs_off 240"
	"damos_vaddr_actions 240"
	"damos_paddr_actions 240"
	"damos_engine 240"
	"damos_filters 180"
	"damos_goals_wmarks 150"
	"damo_tool 360"
	"region_adaptation 300"
	"liveness 150"
	"fuzz_admin 540"
	"race_stress 240"
	"dbgfs_guide_example 240"
	"dbgfs_bad_input 240"
	"dbgfs_hot_cold 240"
	"dbgfs_pageout 300"
	"module_params 300"
	"module_storms 600"
	"lru_sort_seed_example 480"
	"reclaim_seed_example 660"
)

# Kernel log lines that mean trouble, whichever test provoked them.
kernel_trouble='BUG:|WARNING:|Oops|KASAN|possible circular locking|possible recursive locking|lockdep|UBSAN|general protection fault|sleeping function called from invalid context|kernel BUG at|list_(add|del) corruption|soft lockup|hard LOCKUP|blocked for more than'

list_only=0
prepare=0
case "${1:-}" in
-l)		list_only=1; shift;;
--prepare)	prepare=1; shift;;
esac
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

# Under an emulator every fork and exec is expensive: the runner sticks to
# bash builtins where it can (a read with a timeout on a silent pipe as its
# sleep, $EPOCHSECONDS as its clock).
exec {quiet_fd}<> <(:)
nap() { read -r -t "$1" -u "$quiet_fd"; }
now() { echo "$EPOCHSECONDS"; }

# Wait up to $2 seconds for process $1 to end; 0 if it did.
wait_for()
{
	local end=$((EPOCHSECONDS + $2))

	# by the clock: naps overshoot on a loaded emulator
	while [ "$EPOCHSECONDS" -lt "$end" ]; do
		kill -0 "$1" 2>/dev/null || return 0
		nap 0.2
	done
	! kill -0 "$1" 2>/dev/null
}

# Turn every kdamond off (sysfs, and the debugfs contexts if there are
# any) and remove the sysfs ones.  In a subshell with a time limit: a hung
# write must not hang the runner.
reset_damon()
{
	local pid

	(
		f=/sys/kernel/debug/damon/monitor_on_DEPRECATED
		[ -f $f ] && echo off > $f
		k=/sys/kernel/mm/damon/admin/kdamonds
		[ -d $k ] || exit 0
		for d in $k/[0-9]*; do
			[ -d "$d" ] && echo off > "$d/state"
		done
		echo 0 > $k/nr_kdamonds
	) 2>/dev/null &
	pid=$!
	if wait_for $pid 60; then
		wait $pid
	else
		echo "# could not reset DAMON within 60s"
		disown $pid 2>/dev/null
	fi
}

kmsg() { echo "damon-selftest: $*" > /dev/kmsg 2>/dev/null; }

# Kernel log lines from the "begin $1" mark on that show trouble.
kernel_trouble_since()
{
	local line mark="damon-selftest: begin $1" seen=0 n=0

	while IFS= read -r line; do
		if [ $seen = 0 ]; then
			[[ "$line" == *"$mark" ]] && seen=1
			continue
		fi
		if [[ "$line" =~ $kernel_trouble ]]; then
			echo "$line"
			n=$((n + 1))
			[ $n -ge 20 ] && break
		fi
	done < <(dmesg 2>/dev/null)
}

# Run $2 (a path) with interpreter $1 in its own process group, for at most
# $3 seconds; output to $4.  Sets $rc: the exit status, or 124 on timeout.
run_limited()
{
	local interp=$1 file=$2 limit=$3 log=$4 pid

	setsid "$interp" "$file" > "$log" 2>&1 < /dev/null &
	pid=$!
	if wait_for $pid "$limit"; then
		wait $pid
		rc=$?
		return
	fi
	kill -TERM -- -$pid $pid 2>/dev/null
	nap 3
	kill -KILL -- -$pid $pid 2>/dev/null
	# a process stuck in the kernel can not die; do not wait forever
	if wait_for $pid 10; then
		wait $pid 2>/dev/null
	else
		echo "(still there after SIGKILL: stuck in the kernel?)" >> "$log"
		disown $pid 2>/dev/null
	fi
	rc=124
}

# Copy $1 to our output, each line as a TAP comment.
comment_out()
{
	local line

	while IFS= read -r line || [ -n "$line" ]; do
		echo "# $line"
	done < "$1"
}

workdir=${TMPDIR:-/tmp}/damon-selftests
hostbin=${DAMON_CACHE:-${HOME:-/root}/.cache/damon-6.12}/selftests

# hot_cold built by --prepare from the same source, if there is one
prebuilt_hot_cold()
{
	[ -x "$hostbin/hot_cold" ] && cmp -s "$hostbin/hot_cold.c" "$here/hot_cold.c" &&
		echo "$hostbin/hot_cold"
}

# --prepare: build every workload (*.c here) on the host, where compiling
# is fast, next to a copy of its source, for a later run in the VM (which
# sees the host's files) to pick up when the sources still match.
if [ $prepare = 1 ]; then
	mkdir -p "$hostbin" || exit
	for src in "$here"/*.c; do
		prog=$(basename "$src" .c)
		gcc -O1 -Wall -o "$hostbin/$prog.new" "$src" &&
		cp "$src" "$hostbin/$prog.c" &&
		mv "$hostbin/$prog.new" "$hostbin/$prog" &&
		echo "$hostbin/$prog" || exit
	done
	# damo's modules compiled to bytecode here, where it is quick: in the
	# guest, whose /tmp is new at every boot, Python would compile them
	# all again for the first damo command (minutes under emulation).
	# damo_tool.py points PYTHONPYCACHEPREFIX at this directory.
	for damo in "${DAMO:-}" /work/shared/damo/damo "$here/../../../shared/damo/damo"; do
		[ -n "$damo" ] && [ -f "$damo" ] || continue
		PYTHONPYCACHEPREFIX=$hostbin/pycache python3 -m compileall -q \
			"$(dirname "$(readlink -f "$damo")")" > /dev/null &&
			echo "$hostbin/pycache"
		break
	done
	exit
fi
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

# The workload, compiled once for every test, unless the host did it.
prebuilt=$(prebuilt_hot_cold)
if [ -n "${DAMON_HOT_COLD:-}" ]; then
	:
elif [ -n "$prebuilt" ]; then
	export DAMON_HOT_COLD=$prebuilt
	echo "# using hot_cold prebuilt on the host: $prebuilt"
else
	t0=$(now)
	if gcc -O1 -Wall -o "$workdir/hot_cold" "$here/hot_cold.c" \
			> "$workdir/gcc.log" 2>&1; then
		export DAMON_HOT_COLD=$workdir/hot_cold
		echo "# built hot_cold in $(( $(now) - t0 ))s"
	else
		echo "# could not build hot_cold:"
		comment_out "$workdir/gcc.log"
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
	# DAMON_TEST_LIMIT: one limit for every test (long soak runs)
	limit=${DAMON_TEST_LIMIT:-${entry##* }}
	if [ -f "$here/$name.py" ]; then
		interp=$py file=$here/$name.py
	else
		interp=bash file=$here/$name.sh
	fi
	log=$workdir/$name.log

	reset_damon
	kmsg "begin $name"
	t0=$(now)
	run_limited "$interp" "$file" "$limit" "$log"
	took=$(( $(now) - t0 ))
	kmsg "end $name"

	comment_out "$log"
	trouble=$(kernel_trouble_since "$name")
	if [ -n "$trouble" ]; then
		echo "# the kernel log shows trouble during $name:"
		while IFS= read -r line; do
			echo "#   kernel: $line"
		done <<< "$trouble"
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
