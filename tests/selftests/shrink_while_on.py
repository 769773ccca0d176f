#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Shrinking targets, schemes and regions of a running kdamond.

The counts may change freely while a kdamond runs; "commit" then hands the
new, smaller setup to the running kdamond, which must keep running (same
pid) and act on it:

  - fvaddr with two fixed regions (the hot and the cold buffer of a
    hot_cold process); after shrinking nr_regions to 1 and committing, the
    tried regions must all lie in the region left;
  - vaddr with two processes and three schemes, shrunk to one and one;
  - finally nr_targets 0 and nr_schemes 0, committed: no crash, and "off"
    and a new "on" still work.
"""

import time

import damon_admin as da

tap = da.Tap('shrink_while_on: fewer targets, schemes and regions while on')
da.require_admin()
da.reset()
kd = da.Kdamond(0)


def tried():
    if kd.try_cmd('update_schemes_tried_regions'):
        return None
    return kd.tried_regions(0)[1]


def same_kdamond(kpid, what):
    tap.ok(kd.state() == 'on' and kd.pid() == kpid,
           'same kdamond still on after %s' % what,
           'state %s pid %d (was %d)' % (kd.state(), kd.pid(), kpid))


with da.Workload(hot_kib=1024, cold_kib=8192) as a, \
        da.Workload(hot_kib=512, cold_kib=4096) as b:
    # --- fvaddr: two regions, then one ---
    kd.setup('fvaddr', [{'pid': a.pid, 'regions': [a.hot, a.cold]}],
             sample_us=5000, aggr_us=50000, nr_regions=(10, 200))
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'fvaddr on with two regions', 'errno %s' % err):
        tap.finish()
    kpid = kd.pid()
    regions = da.wait_until(tried, 30, 0.5)
    tap.ok(regions and any(da.overlap((s, e), a.cold) for s, e, _, _ in
                           regions),
           'tried regions cover the cold region before shrinking')
    da.write(kd.target(0, 'regions', 'nr_regions'), 1)
    tap.ok(not kd.try_cmd('commit'), 'commit with nr_regions 2 -> 1')
    same_kdamond(kpid, 'shrinking the regions')
    time.sleep(0.3)
    regions = tried()
    tap.ok(regions and all(a.hot[0] <= s and e <= a.hot[1]
                           for s, e, _, _ in regions),
           'after the commit, every tried region lies in the one region left',
           'regions: %s' % (regions[:4] if regions else regions))
    tap.ok(not kd.try_cmd('off'), 'off')

    # --- vaddr: two targets and three schemes, then one and one ---
    kd.setup('vaddr', [{'pid': a.pid}, {'pid': b.pid}], sample_us=5000,
             aggr_us=50000, nr_regions=(10, 200),
             schemes=[{}, {'nr_accesses': (1, da.UINT_MAX)},
                      {'age': (5, da.UINT_MAX)}])
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'vaddr on with 2 targets and 3 schemes',
                  'errno %s' % err):
        tap.finish()
    kpid = kd.pid()
    time.sleep(1)
    tap.ok(not kd.try_cmd('update_schemes_stats'), 'stats of 3 schemes')
    da.write(kd.p('schemes', 'nr_schemes'), 1)
    tap.ok(not kd.try_cmd('commit'), 'commit with nr_schemes 3 -> 1')
    same_kdamond(kpid, 'shrinking the schemes')
    da.write(kd.p('targets', 'nr_targets'), 1)
    tap.ok(not kd.try_cmd('commit'), 'commit with nr_targets 2 -> 1')
    same_kdamond(kpid, 'shrinking the targets')
    time.sleep(0.5)
    tap.ok(tried() is not None and not kd.try_cmd('update_schemes_stats'),
           'tried regions and stats still work')
    tap.ok(b.alive(), 'the dropped target process is unharmed')

    # grow again, shrink regions of a vaddr target to 0 on the way
    da.write(kd.p('targets', 'nr_targets'), 2)
    da.write(kd.target(1, 'pid_target'), b.pid)
    da.write(kd.p('schemes', 'nr_schemes'), 2)
    kd.set_scheme(1)
    tap.ok(not kd.try_cmd('commit'), 'commit growing back to 2 and 2')
    same_kdamond(kpid, 'growing back')

    # --- down to nothing ---
    da.write(kd.p('schemes', 'nr_schemes'), 0)
    da.write(kd.p('targets', 'nr_targets'), 0)
    err = kd.try_cmd('commit')
    tap.diag('commit with no target and no scheme: errno %s, state %s' %
             (err, kd.state()))
    time.sleep(1)
    kd.try_cmd('off')
    tap.ok(kd.state() == 'off' and kd.pid() == -1,
           'off after committing no target and no scheme')
    kd.setup('vaddr', [{'pid': a.pid}])
    err = kd.try_cmd('on')
    tap.ok(not err and kd.state() == 'on', 'a new "on" works',
           'errno %s' % err)
    tap.ok(not kd.try_cmd('off'), 'off')
da.reset()
tap.finish()
