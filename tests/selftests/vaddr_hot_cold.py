#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""vaddr monitoring tells a hot buffer from a cold one.

hot_cold keeps writing a 2 MiB buffer and leaves a 64 MiB one alone after
filling it once.  DAMON monitors the process with the vaddr operations and
a "stat" scheme that matches every region; its tried regions (written with
update_schemes_tried_regions) must, within a time limit, show most of the
hot buffer at a high access frequency and most of the cold buffer at zero
with a growing age.
"""

import time

import damon_admin as da

SAMPLE_US = 10000
AGGR_US = 200000
MAX_NR = AGGR_US // SAMPLE_US
TIME_LIMIT = 120

tap = da.Tap('vaddr_hot_cold: DAMON finds the hot and the cold buffer')
da.require_admin()
da.reset()


def judge(regions, hot, cold):
    """What the regions say about the two buffers."""
    hot_sz, cold_sz = hot[1] - hot[0], cold[1] - cold[0]
    hot_high = sum(da.overlap((s, e), hot) for s, e, nr, _ in regions
                   if nr * 2 >= MAX_NR)
    cold_zero = sum(da.overlap((s, e), cold) for s, e, nr, _ in regions
                    if nr == 0)
    cold_aged = sum(da.overlap((s, e), cold) for s, e, nr, age in regions
                    if nr == 0 and age >= 3)
    # regions that are mostly cold buffer (they may reach into the guard)
    inside_cold = [nr for s, e, nr, _ in regions
                   if da.overlap((s, e), cold) * 2 >= e - s]
    return {
        'hot_high': hot_high / hot_sz,
        'cold_zero': cold_zero / cold_sz,
        'cold_aged': cold_aged / cold_sz,
        'cold_max_nr': max(inside_cold) if inside_cold else None,
    }


def good(v):
    return (v['hot_high'] >= 0.5 and v['cold_zero'] >= 0.8 and
            v['cold_aged'] >= 0.5 and v['cold_max_nr'] is not None and
            v['cold_max_nr'] * 4 <= MAX_NR)


with da.Workload(hot_kib=2048, cold_kib=65536, seconds=600) as wl:
    tap.diag('hot buffer  %#x-%#x' % wl.hot)
    tap.diag('cold buffer %#x-%#x' % wl.cold)
    kd = da.Kdamond(0).setup('vaddr', [{'pid': wl.pid}],
                             sample_us=SAMPLE_US, aggr_us=AGGR_US,
                             update_us=1000000, nr_regions=(10, 1000))
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'turn on vaddr monitoring of hot_cold',
                  'errno %s' % err):
        tap.finish()
    kpid = kd.pid()
    tap.ok(kpid > 0 and (da.thread_name(kpid) or '').startswith('kdamond'),
           'pid names a kdamond thread', '%d %s' % (kpid,
                                                   da.thread_name(kpid)))

    start = time.monotonic()
    verdict, regions, total, snapshots, err = None, [], 0, 0, 0
    while time.monotonic() - start < TIME_LIMIT:
        time.sleep(1)
        err = kd.try_cmd('update_schemes_tried_regions')
        if err:
            break
        total, regions = kd.tried_regions(0)
        snapshots += 1
        verdict = judge(regions, wl.hot, wl.cold)
        if good(verdict):
            break
    elapsed = time.monotonic() - start
    tap.ok(not err, 'update_schemes_tried_regions works while on',
           'errno %s' % err)
    tap.diag('%d snapshots in %.1fs; last: %d regions, verdict %s' %
             (snapshots, elapsed, len(regions), verdict))
    for line in da.region_table(regions, (('HOT', wl.hot),
                                          ('COLD', wl.cold))):
        if 'HOT' in line or 'COLD' in line:
            tap.diag(line)

    tap.ok(regions, 'the stat scheme tried some regions')
    tap.eq(total, sum(e - s for s, e, _, _ in regions),
           'total_bytes is the sum of the tried region sizes')
    tap.ok(all(s < e for s, e, _, _ in regions) and
           all(a[1] <= b[0] for a, b in zip(regions, regions[1:])),
           'tried regions are sorted and do not overlap')
    tap.ok(all(nr <= MAX_NR for _, _, nr, _ in regions),
           'no nr_accesses above aggr_us / sample_us = %d' % MAX_NR)
    v = verdict or judge(regions, wl.hot, wl.cold)
    tap.ok(v['hot_high'] >= 0.5,
           'at least half of the hot buffer is in regions with '
           'nr_accesses >= %d' % ((MAX_NR + 1) // 2),
           'fraction %.2f' % v['hot_high'])
    tap.ok(v['cold_zero'] >= 0.8,
           'at least 80% of the cold buffer is in regions with '
           'nr_accesses 0', 'fraction %.2f' % v['cold_zero'])
    tap.ok(v['cold_max_nr'] is not None and v['cold_max_nr'] * 4 <= MAX_NR,
           'no region that is mostly cold buffer looks hot',
           'max nr_accesses of such regions: %s' % v['cold_max_nr'])
    tap.ok(v['cold_aged'] >= 0.5,
           'most of the cold buffer is idle with age >= 3',
           'fraction %.2f' % v['cold_aged'])
    tap.ok(wl.alive() and kd.state() == 'on' and kd.pid() == kpid,
           'the workload and the same kdamond still run')
    tap.ok(not kd.try_cmd('off') and kd.state() == 'off', 'turn it off')
da.reset()
tap.finish()
