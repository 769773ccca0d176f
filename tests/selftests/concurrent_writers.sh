#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Several writers at once: for a few seconds, background loops turn the
# kdamond on and off, commit, ask for statistics and tried regions, resize
# every numbered directory, change the intervals, read every file, and
# now and then remove and rebuild the whole kdamond directory.  Most of
# their writes may fail (EBUSY, EINVAL, ENOENT...); what matters is that
# every loop finishes (no hang), that the kernel stays healthy (the runner
# checks its log), and that the interface works normally afterwards.

. "$(dirname "$0")/damon_lib.sh"

seconds=${DAMON_STRESS_SECONDS:-15}

tap_begin "concurrent_writers: $seconds seconds of concurrent writers"
require_admin
reset_all

bin=$(hot_cold_bin) || skip_all "cannot build hot_cold"
"$bin" -H 512 -C 4096 -t 600 > /dev/null &
wl=$!
sleep 600 &
sl=$!
tmp=$(mktemp -d)
trap 'kill $wl $sl 2>/dev/null; rm -rf "$tmp"' EXIT

k0=$kdamonds/0
ctx=$k0/contexts/0

populate()
{
	echo 1 > "$kdamonds/nr_kdamonds" &&
	echo 1 > "$k0/contexts/nr_contexts" &&
	echo vaddr > "$ctx/operations" &&
	echo 5000 > "$ctx/monitoring_attrs/intervals/sample_us" &&
	echo 50000 > "$ctx/monitoring_attrs/intervals/aggr_us" &&
	echo 1 > "$ctx/targets/nr_targets" &&
	echo "$wl" > "$ctx/targets/0/pid_target" &&
	echo 1 > "$ctx/schemes/nr_schemes" &&
	echo stat > "$ctx/schemes/0/action" &&
	# a new scheme's access pattern is all zeros: match every region
	echo 18446744073709551615 > "$ctx/schemes/0/access_pattern/sz/max" &&
	echo 4294967295 > "$ctx/schemes/0/access_pattern/nr_accesses/max" &&
	echo 4294967295 > "$ctx/schemes/0/access_pattern/age/max"
}

# worker NAME: run loop_NAME until the deadline, counting its rounds
worker()
{
	local name=$1 n=0

	exec 2> /dev/null
	while [ "$EPOCHSECONDS" -lt "$deadline" ]; do
		"loop_$name"
		n=$((n + 1))
	done
	echo "$n" > "$tmp/$name"
}

loop_onoff()
{
	echo on > "$k0/state"
	nap 0.05
	echo off > "$k0/state"
}

loop_commit()
{
	echo commit > "$k0/state"
}

loop_updates()
{
	local c

	for c in update_schemes_tried_regions update_schemes_stats \
		update_schemes_tried_bytes clear_schemes_tried_regions \
		update_schemes_effective_quotas commit_schemes_quota_goals; do
		echo "$c" > "$k0/state"
	done
}

loop_schemes()
{
	local s=$ctx/schemes

	echo $((RANDOM % 3 + 1)) > "$s/nr_schemes"
	echo $((RANDOM % 3)) > "$s/0/filters/nr_filters"
	echo addr > "$s/0/filters/0/type"
	echo $((RANDOM % 2)) > "$s/0/quotas/goals/nr_goals"
	echo $((RANDOM % 4096 * 4096)) > "$s/0/quotas/bytes"
	echo $((RANDOM % 3)) > "$s/1/filters/nr_filters"
}

loop_targets()
{
	local t=$ctx/targets

	echo 2 > "$t/nr_targets"
	echo "$sl" > "$t/1/pid_target"
	echo $((RANDOM % 3)) > "$t/0/regions/nr_regions"
	echo 0 > "$t/0/regions/nr_regions"
	echo 1 > "$t/nr_targets"
}

loop_attrs()
{
	local a=$ctx/monitoring_attrs

	echo $((RANDOM % 5 * 1000 + 5000)) > "$a/intervals/sample_us"
	echo $((RANDOM % 5 * 10000 + 50000)) > "$a/intervals/aggr_us"
	echo $((RANDOM % 20 + 3)) > "$a/nr_regions/min"
	echo $((RANDOM % 200 + 30)) > "$a/nr_regions/max"
}

loop_reader()
{
	local f v

	shopt -s globstar nullglob
	for f in "$admin"/**; do
		[ -f "$f" ] && read -r v < "$f"
	done
}

loop_rebuild()
{
	nap 2
	echo off > "$k0/state"
	echo 0 > "$kdamonds/nr_kdamonds"
	populate
}

populate
[ -d "$ctx/schemes/0" ]
ok $? "populate one kdamond"

workers=(onoff commit updates schemes targets attrs reader rebuild)
deadline=$((EPOCHSECONDS + seconds))
pids=()
for w in "${workers[@]}"; do
	worker "$w" &
	pids+=($!)
done

# Every worker must be done shortly after the deadline.
stuck=
for i in "${!pids[@]}"; do
	if ! wait_gone "${pids[$i]}" $((seconds + 60)); then
		stuck="$stuck ${workers[$i]}"
		kill -9 "${pids[$i]}" 2> /dev/null
	fi
done
[ -z "$stuck" ]
ok $? "every writer loop finished" "stuck:$stuck"
summary=
for w in "${workers[@]}"; do
	readv n "$tmp/$w"
	summary="$summary $w=${n:-?}"
done
echo "# rounds:$summary"

# Afterwards everything must work as usual.
echo off > "$k0/state" 2> /dev/null
reset_all 2> /dev/null
ok $? "remove every kdamond afterwards"
populate 2> /dev/null
ok $? "populate again"
check_put "turn on" "$k0/state" on
readv v "$k0/state"
expect "state reads on" on "$v"
readv pid "$k0/pid"
[ "$pid" -gt 0 ] 2> /dev/null
ok $? "pid is positive" "pid $pid"
nap 0.5
check_put "update_schemes_tried_regions" "$k0/state" \
	update_schemes_tried_regions
regions=("$ctx/schemes/0/tried_regions"/[0-9]*)
[ -d "${regions[0]}" ]
ok $? "tried regions are listed" "${#regions[@]} entries"
check_put "turn off" "$k0/state" off
readv v "$k0/state"
expect "state reads off" off "$v"
readv v "$k0/pid"
expect "pid reads -1" -1 "$v"
kill -0 $wl 2> /dev/null
ok $? "the workload is unharmed"
reset_all
tap_end
