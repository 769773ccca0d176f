# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shell helpers of the DAMON selftests written in bash: TAP output, the
# admin directory, and the hot_cold workload.  Source it.

admin=/sys/kernel/mm/damon/admin
kdamonds=$admin/kdamonds
selftest_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

_tap_count=0
_tap_failed=0

# Under an emulator every fork and exec costs dearly: these helpers stay
# within bash builtins.  nap sleeps by reading a silent pipe with a timeout.
exec {_quiet_fd}<> <(:)
nap() { read -r -t "$1" -u "$_quiet_fd"; }

# readv VAR FILE: the first line of FILE into VAR ("" if unreadable).
readv()
{
	local -n _dst=$1

	_dst=
	read -r _dst < "$2" 2>/dev/null
}

# put FILE VALUE: write VALUE to FILE; 0 on success, else the error message
# is in $put_error.
_errfile=${TMPDIR:-/tmp}/damon-selftest-err.$$
put()
{
	put_error=
	{ echo "$2" > "$1"; } 2> "$_errfile" && return 0
	read -r put_error < "$_errfile"
	put_error=${put_error:-failed}
	return 1
}

# check_put DESCRIPTION FILE VALUE: a TAP check of put.
check_put()
{
	put "$2" "$3"
	ok $? "$1" "$put_error"
}

tap_begin()	# tap_begin TITLE
{
	echo "TAP version 13"
	echo "# $1"
}

ok()		# ok STATUS DESCRIPTION [DETAIL]: STATUS 0 passes
{
	_tap_count=$((_tap_count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_count $2"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_count $2"
		[ -n "${3:-}" ] && echo "# $3"
	fi
	return "$1"
}

check()		# check DESCRIPTION CMD...: passes if CMD succeeds
{
	local desc=$1 out rc

	shift
	out=$("$@" 2>&1)
	rc=$?
	ok $rc "$desc" "$out"
}

expect()	# expect DESCRIPTION WANTED GOT
{
	[ "$2" = "$3" ]
	ok $? "$1" "got '$3', want '$2'"
}

tap_end()
{
	rm -f "$_errfile"
	echo "1..$_tap_count"
	[ "$_tap_failed" -eq 0 ] && exit 0
	echo "# $_tap_failed of $_tap_count checks failed"
	exit 1
}

skip_all()
{
	echo "1..0 # SKIP $*"
	exit 4
}

# Whether some kdamond is on while we are not meant to own them all.
damon_in_use()
{
	local d

	[ "${DAMON_VM:-}" = 1 ] && return 1
	[ "${DAMON_SELFTEST_FORCE:-}" = 1 ] && return 1
	for d in "$kdamonds"/[0-9]*; do
		[ "$(cat "$d/state" 2>/dev/null)" = on ] && return 0
	done
	return 1
}

# The tests remove every kdamond: refuse where one is on already, unless in
# the test VM (DAMON_VM=1) or told to go ahead (DAMON_SELFTEST_FORCE=1).
require_admin()
{
	[ "$(id -u)" -eq 0 ] || skip_all "must run as root"
	[ -d "$kdamonds" ] || skip_all "$admin not found (CONFIG_DAMON_SYSFS?)"
	! damon_in_use || skip_all "a kdamond is already on; not touching it" \
		"(set DAMON_SELFTEST_FORCE=1 to run anyway)"
}

# Turn every kdamond off and remove them all.
reset_all()
{
	local d

	for d in "$kdamonds"/[0-9]*; do
		[ -d "$d" ] && echo off > "$d/state" 2>/dev/null
	done
	echo 0 > "$kdamonds/nr_kdamonds"
}

# Path of the hot_cold program, compiled into $TMPDIR if need be.
hot_cold_bin()
{
	local out=${TMPDIR:-/tmp}/damon-selftests/hot_cold

	if [ -n "${DAMON_HOT_COLD:-}" ] && [ -x "$DAMON_HOT_COLD" ]; then
		echo "$DAMON_HOT_COLD"
	elif [ -x "$selftest_dir/hot_cold" ]; then
		echo "$selftest_dir/hot_cold"
	else
		if [ ! -x "$out" ]; then
			mkdir -p "$(dirname "$out")" &&
				gcc -O1 -Wall -o "$out" "$selftest_dir/hot_cold.c" >&2 ||
				return 1
		fi
		echo "$out"
	fi
}

# Wait up to $2 seconds for process $1 to be gone; 0 if it is.
wait_gone()
{
	local i

	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		nap 0.1
	done
	return 1
}
