#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""paddr monitoring of the biggest System RAM range.

The range comes from /proc/iomem.  With a "stat" scheme matching every
region, the tried regions must tile the monitored range, the scheme's
statistics must move, and "off" must end the kdamond thread.
"""

import os
import time

import damon_admin as da

tap = da.Tap('paddr_range: monitor the biggest System RAM range')
da.require_admin()
da.reset()

kd = da.Kdamond(0)
ram = da.biggest_system_ram()
if ram is None:
    da.Tap.skip_all('no System RAM range readable in /proc/iomem')
tap.diag('System RAM %#x-%#x (%d MiB)' % (ram[0], ram[1],
                                          (ram[1] - ram[0]) >> 20))

with da.Workload(hot_kib=1024, cold_kib=8192, seconds=600) as wl:
    kd.setup('paddr', [{'regions': [ram]}], sample_us=10000, aggr_us=200000,
             nr_regions=(10, 200))
    if 'paddr' not in da.read(kd.p('avail_operations')).split():
        da.Tap.skip_all('paddr operations not available')
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'turn on paddr monitoring', 'errno %s' % err):
        tap.finish()
    tap.eq(kd.state(), 'on', 'state reads on')
    kpid = kd.pid()
    tap.ok(kpid > 0 and (da.thread_name(kpid) or '').startswith('kdamond'),
           'pid names a live kdamond thread',
           '%d %s' % (kpid, da.thread_name(kpid)))

    def snapshot():
        if kd.try_cmd('update_schemes_tried_regions'):
            return None
        total, regions = kd.tried_regions(0)
        return (total, regions) if regions else None

    snap = da.wait_until(snapshot, 60, 1)
    if not tap.ok(snap, 'tried regions appear within 60s'):
        kd.try_cmd('off')
        tap.finish()
    total, regions = snap
    tap.diag('%d tried regions, %d bytes, max nr_accesses %d' %
             (len(regions), total, max(r[2] for r in regions)))
    tap.eq(total, sum(e - s for s, e, _, _ in regions),
           'total_bytes is the sum of the region sizes')
    tap.ok(all(ram[0] <= s < e <= ram[1] for s, e, _, _ in regions),
           'every tried region lies in the monitored range')
    tap.ok(all(a[1] <= b[0] for a, b in zip(regions, regions[1:])),
           'tried regions are sorted and do not overlap')
    covered = sum(e - s for s, e, _, _ in regions)
    tap.ok(covered >= (ram[1] - ram[0]) * 0.99,
           'the tried regions cover the monitored range',
           '%d of %d bytes' % (covered, ram[1] - ram[0]))
    tap.ok(len(regions) <= 200, 'no more regions than nr_regions/max',
           str(len(regions)))
    tap.ok(all(nr <= 20 for _, _, nr, _ in regions),
           'no nr_accesses above aggr_us / sample_us')

    time.sleep(1)
    err = kd.try_cmd('update_schemes_stats')
    st = kd.stats(0)
    tap.ok(not err and st['nr_tried'] > 0 and st['sz_tried'] > 0,
           'update_schemes_stats shows the scheme tried regions', repr(st))
    tap.eq(kd.pid(), kpid, 'the same kdamond still runs')

    tap.ok(not kd.try_cmd('off'), 'turn it off')
    tap.ok(kd.state() == 'off' and kd.pid() == -1,
           'state off and pid -1 after off')
    gone = da.wait_until(
        lambda: not (da.thread_name(kpid) or '').startswith('kdamond'), 10)
    tap.ok(gone, 'the kdamond thread is gone')
da.reset()
tap.finish()
