#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""debugfs monitoring of a process tells its hot buffer from its cold one.

hot_cold keeps writing a 2 MiB buffer and leaves a 64 MiB one alone.  It is
monitored through <debugfs>/damon/ (attrs, target_ids, a "stat" scheme for
every region, monitor_on_DEPRECATED), and what DAMON sees is read from the
damon:damon_aggregated tracepoint, in a tracefs instance of our own.  Within
a time limit, one complete aggregation interval must show most of the hot
buffer at a high access frequency and most of the cold one at zero.

While it runs, the scheme's statistics grow (the schemes file is read from
the kdamond), the parameters cannot change (EBUSY) and kdamond_pid names a
kdamond; after "off", the process target is gone, as it always was.
"""

import errno
import time

import damon_admin as da
import damon_dbgfs as dd

SAMPLE_US = 10000
AGGR_US = 200000
MAX_NR = AGGR_US // SAMPLE_US
TIME_LIMIT = 150

tap = da.Tap('dbgfs_hot_cold: debugfs monitoring finds the hot buffer')
dd.require()
dd.reset()
if da.tracefs() is None:
    da.Tap.skip_all('tracefs is not mounted')


def rounds_of(lines):
    """Complete aggregation intervals in trace @lines: lists of
    (nr_regions, start, end, nr_accesses, age)."""
    rounds, cur = [], []
    for _, ev, text in lines:
        m = da.AGGREGATED.match(text) if ev == 'damon_aggregated' else None
        if not m:
            continue
        v = tuple(int(x) for x in m.groups())[1:]
        if cur and v[1] < cur[-1][2]:
            rounds.append(cur)
            cur = []
        cur.append(v)
    if cur:
        rounds.append(cur)
    return [r for r in rounds if len(r) == r[0][0]]


def judge(regions, hot, cold):
    hot_high = sum(da.overlap((s, e), hot) for _, s, e, nr, _ in regions
                   if nr * 2 >= MAX_NR)
    cold_zero = sum(da.overlap((s, e), cold) for _, s, e, nr, _ in regions
                    if nr == 0)
    return (hot_high / (hot[1] - hot[0]), cold_zero / (cold[1] - cold[0]))


with da.Workload(hot_kib=2048, cold_kib=65536, seconds=600) as wl, \
        da.TraceInstance('damon_selftest_dbgfs', ['damon_aggregated']) as tr:
    tap.diag('hot buffer  %#x-%#x' % wl.hot)
    tap.diag('cold buffer %#x-%#x' % wl.cold)
    dd.write('%d %d 1000000 10 1000' % (SAMPLE_US, AGGR_US), 'attrs')
    dd.write(wl.pid, 'target_ids')
    dd.write(dd.scheme_line('stat'), 'schemes')
    tr.enable()
    tr.clear()
    err = dd.try_write('on', 'monitor_on_DEPRECATED')
    if not tap.ok(not err, 'turn on debugfs monitoring of hot_cold',
                  'errno %s' % err):
        dd.reset()
        tap.finish()
    tap.eq(dd.monitor_on(), 'on', 'monitor_on_DEPRECATED reads on')
    kpid = int(dd.read('kdamond_pid'))
    tap.ok((da.thread_name(kpid) or '').startswith('kdamond'),
           'kdamond_pid names a kdamond thread',
           '%d %s' % (kpid, da.thread_name(kpid)))

    tap.errno_is(dd.try_write('5000 100000 1000000 10 1000', 'attrs'),
                 errno.EBUSY, 'attrs while on')
    tap.errno_is(dd.try_write(wl.pid, 'target_ids'), errno.EBUSY,
                 'target_ids while on')
    tap.errno_is(dd.try_write('', 'schemes'), errno.EBUSY,
                 'schemes while on')
    tap.errno_is(dd.try_read('init_regions')[1], errno.EBUSY,
                 'reading init_regions while on')
    tap.eq(dd.read('target_ids'), '%d\n' % wl.pid,
           'target_ids reads the pid while on')

    start = time.monotonic()
    best, verdict, seen = None, (0, 0), 0
    while time.monotonic() - start < TIME_LIMIT:
        time.sleep(2)
        lines = tr.lines()
        tr.clear()
        for r in rounds_of(lines):
            seen += 1
            v = judge(r, wl.hot, wl.cold)
            if best is None or v >= verdict:
                best, verdict = r, v
        if verdict[0] >= 0.5 and verdict[1] >= 0.8:
            break
    tap.diag('%d complete aggregation intervals traced in %.0fs; best: '
             'hot buffer %.2f at nr_accesses >= %d, cold buffer %.2f at 0' %
             (seen, time.monotonic() - start, verdict[0],
              (MAX_NR + 1) // 2, verdict[1]))
    for line in da.region_table([(s, e, nr, age) for _, s, e, nr, age in
                                 best or []],
                                (('HOT', wl.hot), ('COLD', wl.cold))):
        if 'HOT' in line or 'COLD' in line:
            tap.diag(line)
    tap.ok(seen > 0, 'damon_aggregated traced complete intervals')
    tap.ok(verdict[0] >= 0.5, 'at least half of the hot buffer is in '
           'regions with nr_accesses >= %d' % ((MAX_NR + 1) // 2),
           'fraction %.2f' % verdict[0])
    tap.ok(verdict[1] >= 0.8, 'at least 80% of the cold buffer is in '
           'regions with nr_accesses 0', 'fraction %.2f' % verdict[1])

    stats = dd.scheme_stats(dd.read('schemes'))
    tap.ok(len(stats) == 1 and stats[0]['nr_tried'] > 0 and
           stats[0]['sz_tried'] >= (wl.cold[1] - wl.cold[0]),
           'the stat scheme tried regions, as read while on', str(stats))
    tap.ok(wl.alive() and int(dd.read('kdamond_pid')) == kpid,
           'the workload and the same kdamond still run')

    tap.ok(not dd.try_write('off', 'monitor_on_DEPRECATED'), 'turn it off')
    tap.eq(dd.monitor_on(), 'off', 'monitor_on_DEPRECATED reads off')
    tap.eq(dd.read('kdamond_pid'), 'none\n', 'kdamond_pid reads none')
    tap.eq(dd.read('target_ids'), '\n', 'the process target is gone')
    after = dd.scheme_stats(dd.read('schemes'))
    tap.ok(after and stats and after[0]['nr_tried'] >= stats[0]['nr_tried'],
           'the statistics stay after off', str(after))
    tap.errno_is(dd.try_write('on', 'monitor_on_DEPRECATED'), errno.EINVAL,
                 '"on" again without a target')
dd.reset()
tap.finish()
