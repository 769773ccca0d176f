#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""reclaim_seed_example: the damon_reclaim example of the seed document.

    # cd /sys/module/damon_reclaim/parameters
    # echo 30000000 > min_age
    # echo $((1 * 1024 * 1024 * 1024)) > quota_sz
    # echo 1000 > quota_reset_interval_ms
    # echo 500 > wmarks_high
    # echo 400 > wmarks_mid
    # echo 200 > wmarks_low
    # echo Y > enabled

typed as written, except for two things the test guest needs:

  * the watermarks: the example wants reclaim to work while free memory is
    under 40% (and stop under 20% or over 50%), and the guest has much more
    free memory than that.  So they are scaled around the guest's free
    memory rate at the start (free pages per thousand of all, as DAMON's
    free_mem_rate metric computes it from MemFree and MemTotal) for the
    scheme to be active, with room above for what reclaim frees;
  * the time quota: the example leaves quota_ms at its default, 10 ms per
    second, which on real hardware lets DAMON_RECLAIM go through hundreds
    of MiB a second.  In the emulated debug kernel (KASAN, lockdep) the
    same 10 ms cover about 3 MiB, and two passes over the guest's RAM would
    take most of an hour.  So "echo 0 > quota_ms" comes first: no time
    limit, leaving the example's own limit, 1 GiB per second.

On zram swap, a process with a big cold buffer (written once) and a small
hot one (written all the time, its TLB flushed so that the emulator sets
Accessed bits).  DAMON_RECLAIM watches physical memory in ranges (regions),
and a region of a few hundred MiB that holds one hot page of anyone is not
idle, so no page in it gets old enough to be paged out: on the guest's
shared node the cold buffer's fate would hang on where the allocator put
it.  So it is taken from the emptiest node (the guest has two fake NUMA
nodes, and the kernel and processes fill the first one first), where
mostly free memory keeps it company, as a big cold data set would on a
real machine:
  * nothing is paged out before min_age has passed;
  * then, within a few min_age (a page is paged out by the second pass that
    finds it unaccessed, and a region's age restarts after each pass), most
    of the cold buffer is swapped out (VmSwap, and the swap bits of its
    pagemap entries), and bytes_reclaimed_regions shows it;
  * the hot buffer stays resident (present bits of its pagemap entries).
Then, with another process and a min_age of one second: with watermarks that
put the free memory rate above wmarks_high nothing is reclaimed for a while
(the statistics stay zero); committing active watermarks starts reclaim,
which shows the first half could have failed.
"""

import time

import damon_admin as da
import damon_measure as dm
import damon_modules_lib as ml

MIN_AGE_US = 30000000
HOT_KIB = 8 * 1024
# Paging out to zram runs at about 1.5 MiB/s in the emulated debug guest,
# and DAMON_RECLAIM's regions there are ~150 MiB each (everything idle
# merges): a pass over one takes minutes.  64 MiB keeps the test to a few.
COLD_KIB = 64 * 1024
# a pass that only makes pages old, one that pages them out, each after a
# full min_age, and room for the regions to settle: in the kdamond's time
RECLAIM_MIN_AGES = 3
MARGIN_US = 20000000
# and a limit of wall clock time, whatever the kdamond does
WALL_LIMIT = 420
SWAPPED_ENOUGH = 0.8
# an action over one ~150 MiB region at ~1.5 MiB/s, with room
STATS_WAIT = 150


def watch_reclaim(tap, m, w, clock, started, limit_aggrs):
    """Poll until most of the cold buffer is swapped out or the time is up.
    Returns the interval count at which swapping out was first seen, and
    the last (seconds, intervals, VmSwap, stats)."""
    cold_sz = w.cold[1] - w.cold[0]
    first_swap = last = None
    next_report = 0
    while True:
        time.sleep(3)
        now = time.monotonic() - started
        aggrs = clock.count()
        swap = w.status()['VmSwap']
        stats = m.stats()
        if first_swap is None and swap > cold_sz // 100:
            first_swap = aggrs
        last = (now, aggrs, swap, stats)
        if now >= next_report:
            tap.diag('%5.0fs, %4d intervals: VmSwap %s, '
                     'bytes_reclaimed_regions %s, free %d permil' %
                     (now, aggrs, ml.mib(swap),
                      ml.mib(stats['bytes_reclaimed_regions']),
                      ml.free_permil()))
            next_report = now + 15
        if swap >= SWAPPED_ENOUGH * cold_sz or aggrs >= limit_aggrs or \
                now >= WALL_LIMIT:
            return first_swap, last


def scaled_wmarks(permil, rise):
    """Watermarks around @permil, the seed's shape kept: start below mid,
    stop below low or above high.  @rise: how much reclaim may add."""
    mid = min(1000, permil + 50)
    high = min(1000, max(mid, permil + rise + 100))
    low = max(0, permil - 200)
    return high, mid, low


def seed_phase(tap, m):
    node = ml.quiet_node()
    tap.diag('the cold buffer on NUMA node %s (%s)' % (
        node, 'the emptiest one' if node is not None
        else 'a single node: anywhere'))
    w = ml.Workload(HOT_KIB, COLD_KIB, thp=True, cold_node=node)
    # counting from before the start: the default range is the biggest
    # System RAM, whose start is the first region's
    clock = ml.AggregationClock(da.biggest_system_ram()[0] & ~4095)
    try:
        run_seed(tap, m, w, clock)
    finally:
        m.off()
        clock.remove()
        w.stop()


def run_seed(tap, m, w, clock):
    cold_sz = w.cold[1] - w.cold[0]
    tap.diag('workload %d: hot %s (huge pages where possible), cold %s' %
             (w.pid, ml.mib(w.hot[1] - w.hot[0]), ml.mib(cold_sz)))
    mi = ml.meminfo()
    permil = ml.free_permil()
    rise = cold_sz * 1000 // mi['MemTotal']
    high, mid, low = scaled_wmarks(permil, rise)
    tap.diag('free memory rate: MemFree %s / MemTotal %s = %d permil; with '
             'the seed\'s 500/400/200 the scheme would %s' %
             (ml.mib(mi['MemFree']), ml.mib(mi['MemTotal']), permil,
              'be active' if 200 < permil < 400 else 'stay inactive'))
    tap.diag('so the watermarks are scaled to it: wmarks_high %d, '
             'wmarks_mid %d, wmarks_low %d (reclaiming the cold buffer '
             'adds about %d permil)' % (high, mid, low, rise))

    tap.diag('echo 0 > quota_ms   (not in the example: no time quota in '
             'the emulator, see above)')
    m.set('quota_ms', 0)
    commands = [('min_age', MIN_AGE_US),
                ('quota_sz', 1 * 1024 * 1024 * 1024),
                ('quota_reset_interval_ms', 1000),
                ('wmarks_high', high), ('wmarks_mid', mid),
                ('wmarks_low', low), ('enabled', 'Y')]
    tap.diag('cd %s' % m.dir)
    started = time.monotonic()
    typed = m.cd_and_type(commands, tap)
    for fname, value in commands:
        tap.eq(m.get(fname), str(value), '%s reads back %s' % (fname, value))
    pid = m.pid()
    tap.ok(ml.is_kdamond(pid), 'kdamond_pid %d is a kdamond' % pid,
           'comm %s' % da.thread_name(pid))
    if not typed:
        return

    aggr_us = m.num('aggr_interval')
    min_age_aggrs = MIN_AGE_US // aggr_us
    limit_aggrs = RECLAIM_MIN_AGES * min_age_aggrs + MARGIN_US // aggr_us
    tap.diag('waiting for up to %d aggregation intervals of the kdamond '
             '(%d x min_age + %ds; counted with the damon:damon_aggregated '
             'event, since in the emulator an interval lasts longer than '
             'aggr_interval), at most %ds' % (
                 limit_aggrs, RECLAIM_MIN_AGES, MARGIN_US // 1000000,
                 WALL_LIMIT))
    first_swap, last = watch_reclaim(tap, m, w, clock, started, limit_aggrs)
    now, aggrs, swap, stats = last
    tap.diag('after %.0fs, %d aggregation intervals (%.0f ms each): VmSwap '
             '%s, %s' % (now, aggrs, now * 1000 / max(aggrs, 1),
                         ml.mib(swap), stats))
    tap.ok(first_swap is None or first_swap >= 0.95 * min_age_aggrs,
           'nothing is paged out before min_age (%d intervals)' %
           min_age_aggrs, 'VmSwap passed 1%% of the cold buffer by interval '
           '%s' % first_swap)
    tap.ok(swap >= SWAPPED_ENOUGH * cold_sz,
           'VmSwap reaches %d%% of the cold buffer within %d x min_age + '
           '%ds of the kdamond (%s of %s after %d intervals, %.0fs)' %
           (SWAPPED_ENOUGH * 100, RECLAIM_MIN_AGES, MARGIN_US // 1000000,
            ml.mib(swap), ml.mib(cold_sz), aggrs, now))
    cold = w.pages('cold', step=8)
    tap.ok(cold.frac('swapped') >= SWAPPED_ENOUGH * 0.9,
           'the cold buffer\'s pages are swapped out (pagemap)',
           'cold: %s' % cold)
    tap.diag('cold (every 8th page): %s' % cold)
    # a region's bytes are added when the action over the whole region
    # ends, and one region can hold all of the cold buffer: VmSwap may
    # pass the threshold while the action is halfway through it
    poll = dm.Poll(m.stats,
                   lambda st: st['bytes_reclaimed_regions'] >= 0.9 * swap,
                   STATS_WAIT)
    stats = poll.value
    tap.diag('statistics read %.0fs after VmSwap: %s' % (poll.seconds, stats))
    reclaimed = stats['bytes_reclaimed_regions']
    tap.ok(reclaimed >= 0.9 * swap and stats['nr_reclaimed_regions'] > 0,
           'bytes_reclaimed_regions (%s) accounts for VmSwap' %
           ml.mib(reclaimed), 'VmSwap %s' % ml.mib(swap))
    hot = w.pages('hot')
    tap.ok(hot.frac('present') >= 0.95 and hot.swapped <= hot.total // 20,
           'the hot buffer stays resident', 'hot: %s' % hot)
    tap.diag('hot: %s' % hot)
    tap.ok(m.pid() == pid and m.enabled(), 'the same kdamond still runs')
    err = m.try_set('enabled', 'N')
    tap.ok(err == 0, 'enabled=N', ml.errname(err))
    da.wait_until(lambda: not ml.kdamonds(), 10)
    tap.ok(not ml.kdamonds() and m.pid() == -1, 'the kdamond is gone')


def inactive_phase(tap, m):
    """Free memory above wmarks_high: no reclaim; then a commit of active
    watermarks: reclaim.  min_age 1s, so that an active scheme would act
    almost at once."""
    m.restore_defaults()
    w = ml.Workload(2048, 64 * 1024, thp=True)
    try:
        permil = ml.free_permil()
        high = max(0, permil - 100)
        mid, low = max(0, high - 100), max(0, high - 300)
        tap.diag('free memory rate %d permil; wmarks_high %d, mid %d, low '
                 '%d; min_age 1s' % (permil, high, mid, low))
        for p, v in (('min_age', 1000000), ('quota_sz', 1 << 30),
                     ('quota_ms', 0),
                     ('wmarks_high', high), ('wmarks_mid', mid),
                     ('wmarks_low', low)):
            m.set(p, v)
        err = m.try_set('enabled', 'Y')
        tap.ok(err == 0, 'enabled=Y with free memory above wmarks_high',
               ml.errname(err))
        pid = m.pid()
        t0 = time.monotonic()
        seen = []
        while time.monotonic() - t0 < 25:
            time.sleep(5)
            seen.append((m.num('bytes_reclaimed_regions'),
                         m.num('nr_reclaim_tried_regions'),
                         w.status()['VmSwap'], ml.free_permil()))
        tap.diag('every 5s: (bytes_reclaimed, nr_tried, VmSwap, free '
                 'permil): %s' % seen)
        tap.ok(all(s[0] == 0 and s[1] == 0 for s in seen),
               'nothing is tried or reclaimed for 25s')
        tap.ok(all(s[2] == 0 for s in seen), 'the workload keeps its memory')
        tap.ok(m.enabled() and m.pid() == pid, 'the module is on all along')

        m.set('wmarks_high', 1000)
        m.set('wmarks_mid', 1000)
        m.set('wmarks_low', 0)
        err = m.try_set('commit_inputs', 'Y')
        tap.ok(err == 0, 'commit_inputs=Y of watermarks 1000/1000/0',
               ml.errname(err))
        (got, swap), took = ml.poll(
            lambda: (m.num('bytes_reclaimed_regions'),
                     w.status()['VmSwap']),
            lambda v: v[0] > 0 and v[1] > 0, 90, 3)
        tap.ok(got > 0 and swap > 0,
               'then reclaim starts (control): %s reclaimed, VmSwap %s '
               'after %.0fs' % (ml.mib(got), ml.mib(swap), took))
        tap.ok(m.pid() == pid, 'by the same kdamond')
    finally:
        m.off()
        w.stop()


def main():
    tap = da.Tap('reclaim_seed_example: the seed\'s damon_reclaim example, '
                 'judged by the swap usage of a workload')
    da.require_admin()
    m = ml.Module('damon_reclaim')
    if not m.present():
        da.Tap.skip_all('%s not found' % m.dir)
    if not ml.ZramSwap.available():
        da.Tap.skip_all('no /dev/zram0 for swap')
    ml.both_off()
    da.reset()
    m.restore_defaults()
    try:
        with ml.ZramSwap(1024 * ml.MIB):
            tap.diag('zram swap of 1 GiB on /dev/zram0')
            seed_phase(tap, m)
            inactive_phase(tap, m)
    finally:
        ml.both_off()
        bad = m.restore_defaults()
        if bad:
            tap.diag('could not restore %s' % bad)
    tap.ok(not ml.kdamonds(), 'no kdamond is left', ml.kdamonds())
    tap.ok(ml.ZramSwap.DEV not in ml.swap_devices(), 'the swap is off again')
    tap.finish()


if __name__ == '__main__':
    main()
