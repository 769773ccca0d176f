#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The damon:damon_aggregated and damon:damos_before_apply tracepoints.

Monitors hot_cold with vaddr and two "stat" schemes: scheme 0 matches
every region, scheme 1 none (it wants more accesses than an aggregation
interval can hold).  Both events are traced in a tracefs instance of our
own; every line must have the documented format,

  damon_aggregated:   target_id=%lu nr_regions=%u %lu-%lu: %u %u
  damos_before_apply: ctx_idx=%u scheme_idx=%u target_idx=%lu nr_regions=%u
                      %lu-%lu: %u %u

and the values must be consistent with the setup: one target, sorted
regions, nr_accesses within bounds, only scheme 0 applied, to regions that
damon_aggregated reported.
"""

import time

import damon_admin as da

SAMPLE_US = 10000
AGGR_US = 100000
MAX_NR = AGGR_US // SAMPLE_US

tap = da.Tap('tracepoints: damon_aggregated and damos_before_apply')
da.require_admin()
da.reset()
if da.tracefs() is None:
    da.Tap.skip_all('tracefs is not mounted')

with da.Workload(hot_kib=2048, cold_kib=16384, seconds=600) as wl, \
        da.TraceInstance('damon_selftest_tp', ['damon_aggregated',
                                               'damos_before_apply']) as tr:
    kd = da.Kdamond(0).setup(
        'vaddr', [{'pid': wl.pid}], sample_us=SAMPLE_US, aggr_us=AGGR_US,
        schemes=[{}, {'nr_accesses': (MAX_NR + 1, da.UINT_MAX)}])
    tr.enable()
    tr.clear()
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'turn on with two stat schemes', 'errno %s' % err):
        tap.finish()
    time.sleep(5)
    tap.ok(not kd.try_cmd('off'), 'turn it off')
    tr.enable(False)
    lines = tr.lines()

agg = [(ts, text) for ts, ev, text in lines if ev == 'damon_aggregated']
app = [(ts, text) for ts, ev, text in lines if ev == 'damos_before_apply']
tap.diag('%d damon_aggregated and %d damos_before_apply lines' %
         (len(agg), len(app)))
for ts, text in (agg[:2] + app[:2]):
    tap.diag('  e.g. %s' % text)

tap.ok(len(agg) > 0, 'damon_aggregated fired')
bad = [t for _, t in agg if not da.AGGREGATED.match(t)]
tap.ok(not bad, 'every damon_aggregated line has the documented format',
       'first bad: %r' % (bad[:1],))
parsed = [tuple(int(x) for x in da.AGGREGATED.match(t).groups())
          for _, t in agg if da.AGGREGATED.match(t)]
tap.ok(parsed and all(p[0] == 0 for p in parsed),
       'damon_aggregated: target_id is 0 (the only target)')
tap.ok(parsed and all(p[2] < p[3] for p in parsed),
       'damon_aggregated: start < end')
tap.ok(parsed and all(p[4] <= MAX_NR for p in parsed),
       'damon_aggregated: nr_accesses <= aggr_us / sample_us')

# Split the lines into aggregation intervals: a new one starts when a
# region does not come after the previous one.
rounds, cur = [], []
for p in parsed:
    if cur and p[2] < cur[-1][3]:
        rounds.append(cur)
        cur = []
    cur.append(p)
if cur:
    rounds.append(cur)
full_rounds = [r for r in rounds if len(r) == r[0][1]]
tap.ok(len(rounds) >= 3, 'several aggregation intervals traced',
       str(len(rounds)))
tap.ok(full_rounds and all(all(p[1] == r[0][1] for p in r)
                           for r in full_rounds),
       'one line per region per interval, as many as nr_regions says',
       '%d complete intervals of %d' % (len(full_rounds), len(rounds)))
hot_seen = [p[4] for p in parsed if da.overlap((p[2], p[3]), wl.hot)]
tap.ok(hot_seen and max(hot_seen) > 0,
       'some region over the hot buffer was seen accessed',
       'max %s' % (max(hot_seen) if hot_seen else None))

tap.ok(len(app) > 0, 'damos_before_apply fired')
bad = [t for _, t in app if not da.BEFORE_APPLY.match(t)]
tap.ok(not bad, 'every damos_before_apply line has the documented format',
       'first bad: %r' % (bad[:1],))
aparsed = [tuple(int(x) for x in da.BEFORE_APPLY.match(t).groups())
           for _, t in app if da.BEFORE_APPLY.match(t)]
tap.ok(aparsed and all(p[0] == 0 and p[2] == 0 for p in aparsed),
       'damos_before_apply: ctx_idx 0 and target_idx 0')
tap.ok(aparsed and all(p[1] == 0 for p in aparsed),
       'damos_before_apply: only scheme 0 applied (scheme 1 matches nothing)',
       'scheme indexes seen: %s' % sorted({p[1] for p in aparsed}))
known = {(p[2], p[3]) for p in parsed}
matched = [p for p in aparsed if (p[4], p[5]) in known]
tap.ok(aparsed and len(matched) >= 0.9 * len(aparsed),
       'damos_before_apply regions are regions damon_aggregated reported',
       '%d of %d' % (len(matched), len(aparsed)))
tap.ok(aparsed and all(p[6] <= MAX_NR and p[4] < p[5] for p in aparsed),
       'damos_before_apply: sane range and nr_accesses')
da.reset()
tap.finish()
