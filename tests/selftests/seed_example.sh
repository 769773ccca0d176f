#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The example of the product document (the pageout scheme with quotas and
# watermarks, in the "示例" part of the sysfs interface section), typed as
# written: every command must succeed and every value must read back.  Then
# the scheme is given a target and run for a moment.

. "$(dirname "$0")/damon_lib.sh"

tap_begin "seed_example: the documented pageout scheme example, as written"
require_admin
reset_all

# The commands exactly as the document shows them (without the "# " prompt;
# <sysfs> is where sysfs is mounted).
example=$(cat << 'EOF'
cd <sysfs>/kernel/mm/damon/admin
# populate directories
echo 1 > kdamonds/nr_kdamonds; echo 1 > kdamonds/0/contexts/nr_contexts;
echo 1 > kdamonds/0/contexts/0/schemes/nr_schemes
cd kdamonds/0/contexts/0/schemes/0
# set the basic access pattern and the action
echo 4096 > access_pattern/sz/min
echo 8192 > access_pattern/sz/max
echo 0 > access_pattern/nr_accesses/min
echo 5 > access_pattern/nr_accesses/max
echo 10 > access_pattern/age/min
echo 20 > access_pattern/age/max
echo pageout > action
# set quotas
echo 10 > quotas/ms
echo $((1024*1024*1024)) > quotas/bytes
echo 1000 > quotas/reset_interval_ms
# set watermark
echo free_mem_rate > watermarks/metric
echo 5000000 > watermarks/interval_us
echo 600 > watermarks/high
echo 500 > watermarks/mid
echo 300 > watermarks/low
EOF
)

errfile=${TMPDIR:-/tmp}/damon-seed-example.$$
while IFS= read -r line; do
	case "$line" in
	'#'*|'') continue ;;
	esac
	line=${line//<sysfs>//sys}
	eval "$line" 2> "$errfile"
	rc=$?
	readv err "$errfile"
	[ $rc -eq 0 ] && [ -z "$err" ]
	ok $? "$line" "status $rc: $err"
done <<< "$example"

scheme=$kdamonds/0/contexts/0/schemes/0
readback()	# readback FILE WANTED
{
	local v

	readv v "$scheme/$1"
	expect "$1 reads back $2" "$2" "$v"
}
readback access_pattern/sz/min 4096
readback access_pattern/sz/max 8192
readback access_pattern/nr_accesses/min 0
readback access_pattern/nr_accesses/max 5
readback access_pattern/age/min 10
readback access_pattern/age/max 20
readback action pageout
readback quotas/ms 10
readback quotas/bytes 1073741824
readback quotas/reset_interval_ms 1000
readback watermarks/metric free_mem_rate
readback watermarks/interval_us 5000000
readback watermarks/high 600
readback watermarks/mid 500
readback watermarks/low 300

# Give it something to watch (the operations default to vaddr) and run it.
cd / || exit 1
bin=$(hot_cold_bin) || skip_all "cannot build hot_cold"
"$bin" -H 512 -C 4096 -t 600 > /dev/null &
wl=$!
nap 1
ctx=$kdamonds/0/contexts/0
k0=$kdamonds/0
check_put "one target" "$ctx/targets/nr_targets" 1
check_put "the workload is the target" "$ctx/targets/0/pid_target" "$wl"
check_put "turn the example on" "$k0/state" on
readv v "$k0/state"
expect "state reads on" on "$v"
nap 2
check_put "update_schemes_stats" "$k0/state" update_schemes_stats
check_put "update_schemes_effective_quotas" "$k0/state" \
	update_schemes_effective_quotas
line=
for f in nr_tried sz_tried nr_applied sz_applied qt_exceeds; do
	readv v "$scheme/stats/$f"
	line="$line $f=$v"
done
echo "# stats:$line"
readv v "$scheme/quotas/effective_bytes"
echo "# effective_bytes: $v"
check_put "turn it off" "$k0/state" off
readv v "$k0/state"
expect "state reads off" off "$v"
kill $wl
wait $wl 2> /dev/null
reset_all
rm -f "$errfile"
tap_end
