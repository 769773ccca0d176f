#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
""""commit" changes the intervals of a running kdamond.

The damon_aggregated tracepoint fires once per region at the end of every
aggregation interval, so the spacing of its bursts measures the
aggregation interval and its nr_accesses values are bounded by
aggr_us / sample_us.  Three phases, switched with "commit":

  1. sample 5 ms, aggr 50 ms:  bound 10
  2. sample 5 ms, aggr 200 ms: bound 40, bursts about 4 times further apart,
     and the hot buffer of hot_cold shows more than 10
  3. sample 10 ms, aggr 200 ms: bound 20

The kdamond (its pid) must stay the same throughout.
"""

import os
import time

import damon_admin as da

PHASE_SECONDS = 8

tap = da.Tap('commit_intervals: commit changes the intervals of a running '
             'kdamond')
da.require_admin()
da.reset()
if da.tracefs() is None:
    da.Tap.skip_all('tracefs is not mounted')


def phase(tr, seconds):
    """(burst start times, max nr_accesses, events) traced for @seconds."""
    time.sleep(seconds)
    events = [(ts, da.AGGREGATED.match(text)) for ts, ev, text in tr.lines()
              if ev == 'damon_aggregated']
    bad = [ts for ts, m in events if not m]
    stamps = sorted(ts for ts, m in events if m)
    nrs = [int(m.group(5)) for _, m in events if m]
    return stamps, (max(nrs) if nrs else None), len(events), len(bad)


def spacing(stamps):
    starts = [b[0] for b in da.batches(stamps, 0.015)]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    return da.median(gaps), len(starts)


with da.Workload(hot_kib=2048, cold_kib=16384, seconds=600) as wl, \
        da.TraceInstance('damon_selftest_commit',
                         ['damon_aggregated']) as tr:
    kd = da.Kdamond(0).setup('vaddr', [{'pid': wl.pid}], sample_us=5000,
                             aggr_us=50000, nr_regions=(100, 1000))
    iv = kd.p('monitoring_attrs', 'intervals')
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'turn on with sample 5ms aggr 50ms',
                  'errno %s' % err):
        tap.finish()
    kpid = kd.pid()

    # Before measuring, let DAMON find the hot buffer (a region over it
    # accessed in most samples), so that phase 2 can show more than 10.
    def hot_found():
        if kd.try_cmd('update_schemes_tried_regions'):
            return False
        return any(nr >= 5 and da.overlap((s, e), wl.hot)
                   for s, e, nr, _ in kd.tried_regions(0)[1])

    t0 = time.monotonic()
    found = da.wait_until(hot_found, 150, 1)
    tap.ok(found, 'DAMON finds the hot buffer (nr_accesses >= 5 of 10)')
    tap.diag('found after %.1fs' % (time.monotonic() - t0))
    tr.enable()
    tr.clear()

    stamps1, max1, n1, bad1 = phase(tr, PHASE_SECONDS)
    gap1, bursts1 = spacing(stamps1)
    tap.diag('phase 1: %d events, %d bursts, median spacing %s s, max '
             'nr_accesses %s' % (n1, bursts1, gap1, max1))
    tap.ok(bursts1 >= 5, 'phase 1 traced several aggregations', str(bursts1))
    tap.ok(max1 is not None and max1 <= 10, 'phase 1: nr_accesses <= 10',
           str(max1))

    # Clear the trace once the commit returned, when the kdamond has taken
    # the new intervals: an aggregation that ends between a clear and the
    # commit is still one of the old intervals.
    da.write(os.path.join(iv, 'aggr_us'), 200000)
    err = kd.try_cmd('commit')
    tr.clear()
    tap.ok(not err, 'commit aggr_us 200000', 'errno %s' % err)
    tap.ok(kd.state() == 'on' and kd.pid() == kpid,
           'still on with the same kdamond after the commit',
           'state %s pid %d (was %d)' % (kd.state(), kd.pid(), kpid))

    stamps2, max2, n2, bad2 = phase(tr, PHASE_SECONDS)
    gap2, bursts2 = spacing(stamps2)
    tap.diag('phase 2: %d events, %d bursts, median spacing %s s, max '
             'nr_accesses %s' % (n2, bursts2, gap2, max2))
    tap.ok(bursts2 >= 3, 'phase 2 traced several aggregations', str(bursts2))
    tap.ok(gap1 and gap2 and gap2 >= 2 * gap1,
           'aggregations are at least twice as far apart after aggr_us '
           'went from 50 to 200 ms', '%s -> %s' % (gap1, gap2))
    tap.ok(max2 is not None and 10 < max2 <= 40,
           'phase 2: the hot buffer shows nr_accesses above the old bound '
           '10, none above 40', str(max2))

    da.write(os.path.join(iv, 'sample_us'), 10000)
    err = kd.try_cmd('commit')
    tr.clear()
    tap.ok(not err, 'commit sample_us 10000', 'errno %s' % err)
    stamps3, max3, n3, bad3 = phase(tr, PHASE_SECONDS)
    tap.diag('phase 3: %d events, max nr_accesses %s' % (n3, max3))
    tap.ok(n3 > 0 and max3 is not None and max3 <= 20,
           'phase 3: nr_accesses <= 20', str(max3))
    tap.eq(bad1 + bad2 + bad3, 0, 'every damon_aggregated line parses')

    tap.ok(kd.state() == 'on' and kd.pid() == kpid and wl.alive(),
           'the same kdamond ran through all three phases')
    tap.ok(not kd.try_cmd('off'), 'turn it off')
da.reset()
tap.finish()
