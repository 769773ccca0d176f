#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A pageout scheme written through the debugfs schemes file pages out the
cold buffer of a process.

hot_cold keeps writing a 2 MiB buffer and leaves a 64 MiB one alone.  With
zram swap (set up on /dev/zram0 here, and taken down at the end), the
process is monitored through <debugfs>/damon/ with one scheme: page out
regions of at least a page that were not accessed for a second.  Within a
time limit the cold buffer must be mostly out of memory (its Rss in
/proc/PID/smaps below a quarter of its size, the rest in swap), the hot
buffer mostly in, and the scheme's statistics must show what it applied.
"""

import time

import damon_admin as da
import damon_dbgfs as dd
import damon_measure as dm

SAMPLE_US = 10000
AGGR_US = 200000
MIN_AGE = 5			# aggregation intervals: one second
TIME_LIMIT = 150
HOT_KIB = 2048
COLD_KIB = 65536


tap = da.Tap('dbgfs_pageout: a debugfs pageout scheme pages out the cold '
             'buffer')
dd.require()
dd.reset()

try:
    swap = dd.Swap()
except Exception as e:  # pylint: disable=broad-except
    tap.ok(False, 'set up zram swap', str(e))
    tap.finish()
tap.ok(swap.active(), 'zram swap is on')

try:
    with da.Workload(hot_kib=HOT_KIB, cold_kib=COLD_KIB, seconds=600) as wl:
        cold0 = dd.smaps_kib(wl.pid, wl.cold[0])
        hot0 = dd.smaps_kib(wl.pid, wl.hot[0])
        tap.diag('before: cold %s, hot %s' % (cold0, hot0))
        tap.ok(cold0.get('Rss', 0) >= COLD_KIB * 0.9,
               'setup: the cold buffer is in memory', str(cold0))

        dd.write('%d %d 1000000 10 1000' % (SAMPLE_US, AGGR_US), 'attrs')
        dd.write(wl.pid, 'target_ids')
        line = dd.scheme_line('pageout', sz=(4096, da.ULONG_MAX),
                              nr_accesses=(0, 0),
                              age=(MIN_AGE, da.UINT_MAX))
        tap.diag('scheme: %s' % line)
        tap.ok(not dd.try_write(line, 'schemes'),
               'write the pageout scheme to schemes')
        err = dd.try_write('on', 'monitor_on_DEPRECATED')
        tap.ok(not err, 'turn monitoring on', 'errno %s' % err)

        start = time.monotonic()
        cold = hot = {}
        while not err and time.monotonic() - start < TIME_LIMIT:
            time.sleep(2)
            cold = dd.smaps_kib(wl.pid, wl.cold[0])
            if cold.get('Rss', COLD_KIB) * 4 <= COLD_KIB:
                break
        hot = dd.smaps_kib(wl.pid, wl.hot[0])
        tap.diag('after %.0fs: cold %s, hot %s' %
                 (time.monotonic() - start, cold, hot))
        # the statistics count a region when the action over it ends,
        # which may be a little after its pages left memory
        stats = dm.Poll(lambda: dd.scheme_stats(dd.read('schemes')),
                        lambda st: len(st) == 1 and
                        st[0]['sz_applied'] * 2 >= COLD_KIB * 1024, 30).value
        tap.diag('scheme statistics: %s' % stats)

        tap.ok(cold.get('Rss', COLD_KIB) * 4 <= COLD_KIB,
               'less than a quarter of the cold buffer is left in memory',
               str(cold))
        tap.ok(cold.get('Swap', 0) * 2 >= COLD_KIB,
               'at least half of the cold buffer is in swap', str(cold))
        tap.ok(hot.get('Rss', 0) * 2 >= HOT_KIB,
               'at least half of the hot buffer is in memory', str(hot))
        tap.ok(len(stats) == 1 and stats[0]['nr_applied'] > 0 and
               stats[0]['sz_applied'] * 2 >= COLD_KIB * 1024,
               'the scheme statistics show the pageout applied', str(stats))
        tap.ok(wl.alive(), 'the workload still runs')
        tap.ok(not dd.try_write('off', 'monitor_on_DEPRECATED'),
               'turn monitoring off')
finally:
    dd.reset()
    ours = swap.ours
    swap.remove()
if ours:
    tap.ok(not swap.active(), 'zram swap is off again')
tap.finish()
