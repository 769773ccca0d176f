#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What filters, quotas, watermarks and the state commands do to schemes.

Three "stat" schemes watch a hot_cold process:

  0  an "addr" filter that filters out the hot buffer: no region the
     scheme tried may overlap it (the documentation says that regions
     filtered out by addr filters do not count as tried);
  1  a size quota of 1 MiB per second: the quota must be exceeded, and
     effective_bytes must read 1 MiB;
  2  free_mem_rate watermarks that can not be met (high 1 permil): the
     scheme must stay inactive, trying nothing, until "commit" sets its
     metric to none.

Also checks clear_schemes_tried_regions, update_schemes_tried_bytes and
commit_schemes_quota_goals.
"""

import os
import time

import damon_admin as da

MIB = 1 << 20

tap = da.Tap('scheme_controls: filters, quotas, watermarks, state commands')
da.require_admin()
da.reset()

with da.Workload(hot_kib=2048, cold_kib=16384) as wl:
    kd = da.Kdamond(0).setup('vaddr', [{'pid': wl.pid}], sample_us=5000,
                             aggr_us=50000, schemes=[{}, {}, {}])
    f = kd.scheme(0, 'filters')
    da.write(os.path.join(f, 'nr_filters'), 1)
    da.write(os.path.join(f, '0', 'type'), 'addr')
    da.write(os.path.join(f, '0', 'addr_start'), wl.hot[0])
    da.write(os.path.join(f, '0', 'addr_end'), wl.hot[1])
    da.write(os.path.join(f, '0', 'matching'), 'Y')
    da.write(kd.scheme(1, 'quotas', 'bytes'), MIB)
    da.write(kd.scheme(1, 'quotas', 'reset_interval_ms'), 1000)
    wm = kd.scheme(2, 'watermarks')
    da.write(os.path.join(wm, 'metric'), 'free_mem_rate')
    da.write(os.path.join(wm, 'interval_us'), 100000)
    da.write(os.path.join(wm, 'high'), 1)
    da.write(os.path.join(wm, 'mid'), 0)
    da.write(os.path.join(wm, 'low'), 0)

    err = kd.try_cmd('on')
    if not tap.ok(not err, 'turn on with the three schemes',
                  'errno %s' % err):
        tap.finish()

    def stats():
        if kd.try_cmd('update_schemes_stats'):
            return None
        return [kd.stats(i) for i in range(3)]

    def stats_when(cond):
        """Poll the stats until @cond holds for them; the last ones."""
        last = None
        end = time.monotonic() + 60
        while time.monotonic() < end:
            last = stats()
            if last and cond(last):
                break
            time.sleep(1)
        return last

    st = stats_when(lambda s: s[0]['nr_tried'] and s[1]['qt_exceeds'])
    tap.diag('stats: %s' % st)
    tap.ok(st and st[0]['nr_tried'] > 0, 'scheme 0 tried regions')
    tap.ok(st and st[1]['qt_exceeds'] > 0,
           'scheme 1 exceeded its 1 MiB quota (qt_exceeds > 0)')
    tap.ok(st and st[2]['nr_tried'] == 0 and st[2]['sz_tried'] == 0,
           'scheme 2, held off by its watermarks, tried nothing')

    err = kd.try_cmd('update_schemes_effective_quotas')
    eff = int(da.read(kd.scheme(1, 'quotas', 'effective_bytes')))
    tap.ok(not err and eff == MIB,
           'effective_bytes of scheme 1 reads its size quota, 1 MiB',
           'errno %s, %d' % (err, eff))

    err = kd.try_cmd('update_schemes_tried_regions')
    total0, tried0 = kd.tried_regions(0)
    tap.ok(not err and tried0, 'scheme 0 has tried regions')
    inside = [r for r in tried0 if da.overlap(r[:2], wl.hot)]
    tap.ok(tried0 and not inside,
           'none of them overlaps the hot buffer its addr filter excludes',
           'overlapping: %s' % [(hex(s), hex(e)) for s, e, _, _ in
                                inside[:3]])
    tap.eq(total0, sum(e - s for s, e, _, _ in tried0),
           'scheme 0 total_bytes is the sum of its tried regions')
    total2, tried2 = kd.tried_regions(2)
    tap.ok(not tried2 and total2 == 0,
           'the inactive scheme 2 has no tried regions')

    err = kd.try_cmd('clear_schemes_tried_regions')
    tap.ok(not err and not da.numbered(kd.scheme(0, 'tried_regions')),
           'clear_schemes_tried_regions removes the region directories',
           'errno %s' % err)
    err = kd.try_cmd('update_schemes_tried_bytes')
    total0 = int(da.read(kd.scheme(0, 'tried_regions', 'total_bytes')))
    tap.ok(not err and total0 > 0 and
           not da.numbered(kd.scheme(0, 'tried_regions')),
           'update_schemes_tried_bytes sets total_bytes only',
           'errno %s, total_bytes %d' % (err, total0))

    goals = kd.scheme(1, 'quotas', 'goals')
    da.write(os.path.join(goals, 'nr_goals'), 1)
    da.write(os.path.join(goals, '0', 'target_metric'), 'user_input')
    da.write(os.path.join(goals, '0', 'target_value'), 10000)
    da.write(os.path.join(goals, '0', 'current_value'), 5000)
    err = kd.try_cmd('commit_schemes_quota_goals')
    tap.ok(not err, 'commit_schemes_quota_goals with a user_input goal',
           'errno %s' % err)

    kpid = kd.pid()
    da.write(os.path.join(wm, 'metric'), 'none')
    err = kd.try_cmd('commit')
    tap.ok(not err and kd.pid() == kpid,
           'commit lifting scheme 2\'s watermarks, same kdamond',
           'errno %s' % err)
    st = stats_when(lambda s: s[2]['nr_tried'])
    tap.ok(st and st[2]['nr_tried'] > 0,
           'scheme 2 tries regions once its watermarks are gone',
           'stats: %s' % st)
    tap.ok(not kd.try_cmd('off') and kd.state() == 'off', 'turn it off')
da.reset()
tap.finish()
