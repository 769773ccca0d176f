#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_upstream_tests.sh: run upstream Linux 6.12's own DAMON kselftests,
# unchanged, against our DAMON, as TAP.
#
# This script is ours (it is not an upstream file).  The tests it runs are
# upstream's: the files of tools/testing/selftests/damon/ in Debian's
# /usr/src/linux-source-6.12.tar.xz (package linux-source-6.12), extracted at
# test time into ${DAMON_CACHE:-~/.cache/damon-6.12}/upstream-selftests/damon/
# and never copied into the repository, modified or shipped.
#
# Usage: run_upstream_tests.sh [-l | --prepare] [NAME...]
#   -l         list the tests (the Makefile's TEST_PROGS) and their time
#              limits, run nothing
#   --prepare  on the host: extract the tests from the tarball (again only if
#              the extracted copy is missing, incomplete, changed, or from
#              another tarball) and build their C helpers (the Makefile's
#              TEST_GEN_FILES) with gcc next to them, as upstream's lib.mk
#              would; prints the directory.  Compiling in the emulated guest
#              would be slow, and what the guest writes does not persist.
#   NAME       run only these tests (e.g. damos_quota.py or damos_quota)
#
# Meant for the test VM, after the preparation on the host:
#   run_upstream_tests.sh --prepare
#   scripts/vm/run -- tests/selftests/run_upstream_tests.sh
# (scripts/test does both, and runs this suite after run_vm_tests.sh in the
# same boot).  On any other machine, as root, it prepares the tests itself.
#
# Every test of TEST_PROGS runs in the order of the Makefile, as root, with
# the extracted directory as its current directory (the tests run
# ./access_memory and import _damon_sysfs from there), by bash (*.sh) or
# /usr/bin/python3 (*.py) as their first lines ask, with a time limit of its
# own, in its own process group: one that overruns is killed and reported
# as failed, and whatever a test leaves running is killed before the next
# one starts.
# Between tests every kdamond is turned off and removed.
#
# Output: a TAP plan, then per test its output as "# " comments and
# "ok N upstream/NAME" or "not ok N upstream/NAME".  Exits non-zero if a
# test failed.  A test also fails if the kernel log gained lines that show
# a kernel problem while it ran (the console log scan of scripts/vm/run
# remains the authority: some upstream tests clear the kernel log with
# "dmesg -C"; when the "begin" mark of a test is gone because of that,
# every line left in the log is newer than the mark and is scanned).
#
# Not run, reported "ok N upstream/NAME # SKIP reason":
#   * reclaim.sh, lru_sort.sh when /sys/module/damon_{reclaim,lru_sort}/
#     parameters is absent (DAMON_RECLAIM / DAMON_LRU_SORT not built);
#   * every debugfs_* test when <debugfs>/damon/ is absent
#     (DAMON_DBGFS_DEPRECATED not built): some of them would "pass"
#     without checking anything.
# A test that skips itself (exit status 4) is "ok ... # SKIP", except in
# the test VM (DAMON_VM=1) where nothing may be missing: there it fails.
#
# One expected failure: sysfs_update_schemes_tried_regions_wss_estimation.py
# wants the working set found within about 2 s of guest time, which QEMU
# TCG emulation with KASAN and lockdep does not give (upstream DAMON fails
# it there too).  When run under TCG (no kvm-clock) and it fails the way
# that shows ("the error rate is not acceptable", exit status 1, clean
# kernel log) it is reported "not ok N ... # TODO expected failure ...",
# which scripts/test counts as neither pass nor fail.  Any other failure of
# it, and any failure of any other test, is a plain failure.

case "${1:-}" in
-h|--help)
	# the header comment is the help
	sed -n '3,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$0"
	exit 0;;
esac

self=${BASH_SOURCE[0]}
cache=${DAMON_CACHE:-${HOME:-/root}/.cache/damon-6.12}
tarball=/usr/src/linux-source-6.12.tar.xz
top=linux-source-6.12		# the tarball's top directory
subdir=tools/testing/selftests/damon
up_root=$cache/upstream-selftests
up_dir=$up_root/damon
# how upstream's lib.mk builds a TEST_GEN_FILES program from its .c
cflags="-D_GNU_SOURCE="

# Time limit of each test, in seconds, for the test VM (TCG with KASAN and
# lockdep; every exec costs 0.4 s or more there).  The comments give the
# time taken there with no other guest running on 2 cores (the whole suite:
# 540 s, 924 s while a kernel build ran beside it); tests not named here
# get the default.
default_limit=300
declare -A limits=(
	[debugfs_attrs.sh]=120
	[debugfs_schemes.sh]=120
	[debugfs_target_ids.sh]=120
	[sysfs.sh]=1500		# 451 s, 844 s beside a build: ~1100 execs of stat
	[sysfs_update_schemes_tried_regions_wss_estimation.py]=180	# 8 s
	[damos_quota.py]=180		# 6 s
	[damos_quota_goal.py]=180	# 7 s
	[damos_apply_interval.py]=180	# 6 s
	[damos_tried_regions.py]=180	# 11 s
	[damon_nr_regions.py]=300	# 22 s
	[reclaim.sh]=120		# 5 s
	[lru_sort.sh]=120		# 4 s
	[debugfs_empty_targets.sh]=120
	[debugfs_huge_count_read_write.sh]=120
	[debugfs_duplicate_context_creation.sh]=120
	[debugfs_rm_non_contexts.sh]=120
	[debugfs_target_ids_read_before_terminate_race.sh]=180
	[debugfs_target_ids_pid_leak.sh]=180
	[sysfs_update_removed_scheme_dir.sh]=120	# 2 s
	[sysfs_update_schemes_tried_regions_hang.py]=120	# 4 s
)

# The one test whose failure under TCG is expected, and why.
xfail_test=sysfs_update_schemes_tried_regions_wss_estimation.py
xfail_sign='the error rate is not acceptable'
xfail_reason='expected failure under TCG emulation: wants the working set within ~2 s of guest time'

# Kernel log lines that mean trouble, whichever test provoked them (as in
# run_vm_tests.sh).
kernel_trouble='BUG:|WARNING:|Oops|KASAN|possible circular locking|possible recursive locking|lockdep|UBSAN|general protection fault|sleeping function called from invalid context|kernel BUG at|list_(add|del) corruption|soft lockup|hard LOCKUP|blocked for more than'

say() { echo "run_upstream_tests: $*" >&2; }

# Words of Makefile variable $1 in file $2 ("=" / ":=" set, "+=" appends;
# backslash continuations joined), one per line.  Builtins only.
make_var()
{
	local line full= words=() w

	while IFS= read -r line || [ -n "$line" ]; do
		if [[ "$line" == *\\ ]]; then
			full+="${line%\\} "
			continue
		fi
		full+=$line
		if [[ "$full" =~ ^$1[[:space:]]*(\+|:)?=(.*)$ ]]; then
			[ "${BASH_REMATCH[1]}" = + ] || words=()
			set -f
			for w in ${BASH_REMATCH[2]}; do
				words+=("$w")
			done
			set +f
		fi
		full=
	done < "$2"
	[ ${#words[@]} -gt 0 ] && printf '%s\n' "${words[@]}"
}

# What the extracted copy was made from: the tarball, its size and mtime.
source_id()
{
	local st

	st=$(stat -c '%s %Y' "$tarball" 2>/dev/null) || return 1
	echo "$tarball $st cflags=$cflags"
}

# 0 if $up_dir holds an intact extraction of the current tarball, with its
# helpers built: the stamp matches and every file matches the manifest.
is_fresh()
{
	local stamp want

	[ -f "$up_root/stamp" ] && [ -f "$up_root/manifest.sha256" ] || return 1
	read -r stamp < "$up_root/stamp" || return 1
	want=$(source_id) || return 1
	[ "$stamp" = "$want" ] || return 1
	(cd "$up_dir" && sha256sum --quiet --strict -c ../manifest.sha256) \
		> /dev/null 2>&1
}

# --prepare: extract into a new directory next to $up_root, build the
# helpers there, record every file's checksum and the stamp, then put it in
# place of the old one.
prepare()
{
	local lock new=$up_root.new gen f

	mkdir -p "$cache" || return 1
	exec {lock}> "$up_root.lock" || return 1
	flock "$lock" || return 1
	if is_fresh; then
		say "up to date: $up_dir"
		echo "$up_dir"
		return 0
	fi
	if [ ! -f "$tarball" ]; then
		say "no $tarball (apt-get install linux-source-6.12)"
		return 1
	fi
	say "extracting $top/$subdir/ from $tarball"
	rm -rf "$new"
	mkdir -p "$new/damon" || return 1
	tar -C "$new/damon" -xJf "$tarball" --strip-components=5 "$top/$subdir/" ||
		{ say "extraction failed"; return 1; }
	[ -f "$new/damon/Makefile" ] || { say "no Makefile extracted"; return 1; }
	gen=$(make_var TEST_GEN_FILES "$new/damon/Makefile")
	for f in $gen; do
		[ -f "$new/damon/$f.c" ] || { say "no source for helper $f"; return 1; }
		say "gcc $cflags $f.c -o $f"
		(cd "$new/damon" && gcc $cflags "$f.c" -o "$f") ||
			{ say "building $f failed"; return 1; }
	done
	(cd "$new/damon" && find . -type f -printf '%P\n' | LC_ALL=C sort |
		xargs -d '\n' sha256sum) > "$new/manifest.sha256" || return 1
	source_id > "$new/stamp" || return 1
	rm -rf "$up_root" && mv "$new" "$up_root" || return 1
	echo "$up_dir"
}

# /usr/bin/python3 starts faster than a version manager's shim
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)

# Under an emulator every fork and exec is expensive (about a second in the
# test VM): the runner sticks to bash builtins where it can (a read with a
# timeout on a silent pipe as its sleep, $EPOCHSECONDS as its clock, no
# command substitution in the loop).
nap() { read -r -t "$1" -u "$quiet_fd"; }

# Wait up to $2 seconds (by the clock, however slowly the loop runs) for
# process $1 to end; 0 if it did.
wait_for()
{
	local end=$((EPOCHSECONDS + $2))

	while [ "$EPOCHSECONDS" -lt "$end" ]; do
		kill -0 "$1" 2>/dev/null || return 0
		nap 0.2
	done
	! kill -0 "$1" 2>/dev/null
}

# Turn every kdamond off (sysfs, debugfs, DAMON_RECLAIM, DAMON_LRU_SORT) and
# remove the sysfs ones.  In a subshell with a time limit: a hung write
# must not hang the runner.
reset_damon()
{
	local pid

	(
		for f in "$debugfs/damon/monitor_on_DEPRECATED" "$debugfs/damon/monitor_on" \
			/sys/module/damon_reclaim/parameters/enabled \
			/sys/module/damon_lru_sort/parameters/enabled; do
			[ -f "$f" ] || continue
			case $f in
			*/enabled) echo N > "$f";;
			*) echo off > "$f";;
			esac
		done
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

kmsg() { echo "damon-selftest: $*" 2>/dev/null > /dev/kmsg; }

# Sets $trouble to the kernel log lines from the "begin $1" mark on that
# show trouble (at most 20).  Some tests run "dmesg -C": when the mark is
# gone, every line left is newer than it (it was written before the test
# started), so all of them are scanned and $log_cleared is set to 1.
kernel_trouble_since()
{
	local line mark="damon-selftest: begin $1" found=()

	log_cleared=1
	while IFS= read -r line; do
		if [[ "$line" == *"$mark" ]]; then
			log_cleared=0
			found=()
			continue
		fi
		[[ "$line" =~ $kernel_trouble ]] && found+=("$line")
	done < <(dmesg 2>/dev/null)
	trouble=("${found[@]:0:20}")
}

# Run $2 (a path) with interpreter $1 in its own process group, for at most
# $3 seconds; output to $4.  Sets $rc: the exit status, or 124 on timeout.
# Then kills what is left of the group (workloads a test left running).
run_limited()
{
	local interp=$1 file=$2 limit=$3 log=$4 pid

	setsid "$interp" "$file" > "$log" 2>&1 < /dev/null &
	pid=$!
	if wait_for $pid "$limit"; then
		wait $pid
		rc=$?
		kill -KILL -- -$pid 2>/dev/null &&
			echo "(the runner killed processes the test left behind)" >> "$log"
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

# Copy $1 to our output, each line as a TAP comment; 0 if a line contains
# $2 (when given).
comment_out()
{
	local line seen=1

	while IFS= read -r line || [ -n "$line" ]; do
		echo "# $line"
		[ -n "${2:-}" ] && [[ "$line" == *"$2"* ]] && seen=0
	done < "$1"
	return $seen
}

# Sets $why to the reason why test $1 is not to be run here, if it is not.
skip_reason()
{
	why=
	case $1 in
	reclaim.sh)
		[ -d /sys/module/damon_reclaim/parameters ] ||
			why="damon_reclaim not built";;
	lru_sort.sh)
		[ -d /sys/module/damon_lru_sort/parameters ] ||
			why="damon_lru_sort not built";;
	debugfs_*)
		if [ -z "$debugfs" ]; then
			why="debugfs not mounted"
		elif [ ! -d "$debugfs/damon" ]; then
			why="$debugfs/damon/ absent (DAMON_DBGFS_DEPRECATED not built)"
		fi;;
	esac
}

# KASAN keeps freed slab objects in a quarantine for a while before they
# really return to their cache.  debugfs_target_ids_pid_leak.sh counts the
# "pid" objects in use before and right after a second of forks, and would
# take the quarantined pids of the exited children for leaked ones.  While
# it runs, the pid cache is shrunk every 0.2 s, which empties the
# quarantine of that cache (kasan_cache_shrink()).  A leaked pid is still
# referenced and never freed, so a leak is still seen.  Sets $flusher.
start_quarantine_flusher()
{
	local shrink=/sys/kernel/slab/pid/shrink

	flusher=
	[ -w "$shrink" ] || return 0
	(
		while :; do
			echo 1 > "$shrink"
			nap 0.2
		done
	) 2>/dev/null &
	flusher=$!
	echo "# shrinking the pid slab cache every 0.2 s while it runs (KASAN quarantine)"
}

stop_quarantine_flusher()
{
	[ -n "$flusher" ] || return 0
	kill "$flusher" 2>/dev/null
	wait "$flusher" 2>/dev/null
	flusher=
}

# Run the tests named in $progs, print TAP.
run_tests()
{
	local n=0 passed=0 failed=0 skipped=0 xfailed=0 tcg=0 suite_start
	local name limit interp log marked t0 took verdict note clocks sign
	local workdir=${TMPDIR:-/tmp}/damon-upstream-selftests release
	local _dev _mnt _fs _

	# the debugfs mount point, as upstream's _chk_dependency.sh finds it
	debugfs=
	while read -r _dev _mnt _fs _; do
		[ "$_fs" = debugfs ] && { debugfs=$_mnt; break; }
	done < /proc/mounts
	# under TCG there is no kvm-clock (kvm_guest.config builds it in)
	if [ "${DAMON_VM:-}" = 1 ]; then
		read -r clocks < /sys/devices/system/clocksource/clocksource0/available_clocksource
		[[ " $clocks " == *" kvm-clock "* ]] || tcg=1
	fi
	exec {quiet_fd}<> <(:)
	mkdir -p "$workdir"
	suite_start=$EPOCHSECONDS
	read -r release < /proc/sys/kernel/osrelease

	echo "TAP version 13"
	echo "# upstream DAMON selftests: $top/$subdir/ of $tarball, unchanged, run by our run_upstream_tests.sh"
	[ $tcg = 1 ] && release+=" (TCG)"
	echo "# in $up_dir, on $release"
	if [ "$EUID" -ne 0 ]; then
		echo "1..0 # SKIP must run as root"
		return 4
	fi
	# Every kdamond gets removed: leave a machine that uses DAMON alone.
	if [ "${DAMON_VM:-}" != 1 ] && [ "${DAMON_SELFTEST_FORCE:-}" != 1 ] &&
			grep -qx on /sys/kernel/mm/damon/admin/kdamonds/*/state 2>/dev/null; then
		echo "1..0 # SKIP a kdamond is already on here; not touching it (set DAMON_SELFTEST_FORCE=1 to run anyway)"
		return 4
	fi

	echo "1..${#progs[@]}"
	for name in "${progs[@]}"; do
		n=$((n + 1))
		limit=${limits[$name]:-$default_limit}
		skip_reason "$name"
		if [ -n "$why" ]; then
			echo "ok $n upstream/$name # SKIP $why"
			skipped=$((skipped + 1))
			continue
		fi
		case $name in
		*.py)	interp=$py;;
		*)	interp=bash;;
		esac
		log=$workdir/$name.log

		reset_damon
		kmsg "begin upstream/$name" && marked=1 || marked=0
		t0=$EPOCHSECONDS
		flusher=
		[ "$name" = debugfs_target_ids_pid_leak.sh ] && start_quarantine_flusher
		run_limited "$interp" "./$name" "$limit" "$log"
		stop_quarantine_flusher
		took=$((EPOCHSECONDS - t0))
		kmsg "end upstream/$name"

		sign=
		[ "$name" = "$xfail_test" ] && sign=$xfail_sign
		comment_out "$log" "$sign" && sign=seen || sign=
		trouble=()
		if [ $marked = 1 ]; then
			kernel_trouble_since "upstream/$name"
			[ "$log_cleared" = 1 ] &&
				echo "# (the kernel log was cleared while $name ran: all that is left of it was scanned)"
		else
			echo "# (could not mark the kernel log: not scanned for $name)"
		fi
		if [ ${#trouble[@]} -gt 0 ]; then
			echo "# the kernel log shows trouble during $name:"
			printf '#   kernel: %s\n' "${trouble[@]}"
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
		[ ${#trouble[@]} -gt 0 ] && verdict="not ok"
		# the one expected failure, failing the expected way
		if [ $tcg = 1 ] && [ $rc = 1 ] && [ "$sign" = seen ] &&
				[ ${#trouble[@]} -eq 0 ]; then
			note=" # TODO $xfail_reason"
		fi
		echo "# $name: exit status $rc, ${took}s"
		echo "$verdict $n upstream/$name$note"
		case "$verdict$note" in
		"ok # SKIP")	skipped=$((skipped + 1));;
		ok)		passed=$((passed + 1));;
		"not ok # TODO"*) xfailed=$((xfailed + 1));;
		*)		failed=$((failed + 1));;
		esac
	done
	reset_damon

	echo "# upstream: $passed passed, $failed failed, $skipped skipped, $xfailed expected failures (TODO) in $((EPOCHSECONDS - suite_start))s"
	[ "$failed" -eq 0 ]
}

main()
{
	local list_only=0 want found t selected

	case "${1:-}" in
	-l)		list_only=1; shift;;
	--prepare)	prepare; return;;
	esac

	if ! is_fresh; then
		if [ "${DAMON_VM:-}" = 1 ]; then
			echo "TAP version 13"
			echo "Bail out! upstream selftests not prepared in $up_dir (run $self --prepare on the host first)"
			return 1
		fi
		prepare > /dev/null ||
			{ echo "Bail out! could not prepare the upstream selftests"; return 1; }
	fi
	cd "$up_dir" || { echo "Bail out! cannot cd to $up_dir"; return 1; }

	mapfile -t progs < <(make_var TEST_PROGS Makefile)
	if [ ${#progs[@]} -eq 0 ]; then
		echo "Bail out! no TEST_PROGS in $up_dir/Makefile"
		return 1
	fi
	if [ $# -gt 0 ]; then
		selected=()
		for want in "$@"; do
			found=
			for t in "${progs[@]}"; do
				[ "$t" = "$want" ] || [ "${t%.*}" = "$want" ] && found=$t
			done
			[ -n "$found" ] || { say "no test '$want'"; return 2; }
			selected+=("$found")
		done
		progs=("${selected[@]}")
	fi
	if [ $list_only = 1 ]; then
		for t in "${progs[@]}"; do
			echo "$t ${limits[$t]:-$default_limit}"
		done
		return 0
	fi
	run_tests
}

# All of the file is read before anything runs: editing it meanwhile (it is
# read from the host over 9p in the VM) can not derail a run.
main "$@"; exit
