#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""How the DAMOS engine applies schemes: apply intervals, age reset, and
quota windows that rotate over the whole monitored memory.

One vaddr kdamond watches access_mix (2 MiB hot, 64 MiB cold buffer);
"commit" moves it through three parts:

  apply interval  four "stat" schemes: two matching every region, two
                  matching hot regions only; one of each pair has
                  apply_interval_us = aggr_us / 10, the other 0 (= the
                  aggregation interval).  The first must try about ten
                  times as many bytes (stats/sz_tried) as the second, for
                  both pairs (for the hot pair, matching mid-aggregation
                  needs an estimate of nr_accesses, not the partial count)
  age reset       a "cold" scheme for idle regions of age >= 8 next to a
                  "stat" scheme for idle regions of any age: once the
                  cold action is applied to a region its age restarts
                  from 0, so the stat scheme never sees an idle region of
                  the cold buffer much older than 8, and the cold scheme
                  tries about one region in 9 of what the stat one tries.
                  Before, without the action, the same regions grew old
                  (the control)
  rotation        on a kdamond of its own with the "fvaddr" operations
                  (the vaddr ones without the holes between mappings,
                  which vaddr would count as hundreds of MiB of idle
                  memory), watching just the two buffers: a pageout
                  scheme with a size quota of 4 MiB per 500 ms (weights
                  0/0/0) must page out all of the cold buffer, every
                  eighth of it, within (idle bytes / quota rate) x 3 +
                  30 s, never faster than the quota allows (pagemap
                  swapped bits), and not touch the hot buffer
"""

import os
import time

import damon_admin as da
import damon_measure as dm

SAMPLE_US = 5000
AGGR_US = 100000
MAX_NR = AGGR_US // SAMPLE_US
AGE_MIN = 8
QUOTA = 4 * dm.MIB
RESET_MS = 500

tap = da.Tap('damos_engine: apply intervals, age reset, quota rotation')
da.require_admin()
dm.exit_on_sigterm()
if not dm.Swap.available():
    da.Tap.skip_all('no /dev/zram0 (CONFIG_ZRAM) for swap')
da.reset()


def commit(kd, schemes, what):
    dm.set_schemes(kd, schemes)
    err = kd.try_cmd('commit')
    return tap.ok(not err, 'commit %s' % what, 'errno %s' % err)


def cold_ages(kd, scheme, rng):
    """Ages of the tried regions of @scheme that lie mostly in @rng."""
    if kd.try_cmd('update_schemes_tried_regions'):
        return []
    _, regions = kd.tried_regions(scheme)
    return [age for s, e, nr, age in regions
            if nr == 0 and da.overlap((s, e), rng) * 2 >= e - s]


def avail_ops(kd):
    """The operations sets the kernel offers (the kdamond must exist)."""
    if not os.path.exists(kd.p('avail_operations')):
        kd.setup('vaddr', [])
    return da.read(kd.p('avail_operations')).split()


def deltas(before, after, key='nr_tried'):
    return [b[key] - a[key] for a, b in zip(before, after)]


def part_apply_interval(kd, wl):
    """Compares sz_tried: nr_tried would also count that DAMON splits
    regions right after each aggregation and merges them at its end, so
    mid-aggregation passes see about twice as many regions."""
    hot = (MAX_NR // 2, da.UINT_MAX)
    if not commit(kd, [{}, dict(apply_interval_us=AGGR_US // 10),
                       dict(nr_accesses=hot),
                       dict(nr_accesses=hot,
                            apply_interval_us=AGGR_US // 10)],
                  'four stat schemes, apply_interval_us 0 and %d' %
                  (AGGR_US // 10)):
        return None
    time.sleep(2)
    st0 = dm.all_stats(kd, 4)
    time.sleep(10)
    st1 = dm.all_stats(kd, 4)
    if not tap.ok(st0 and st1, 'update_schemes_stats works'):
        return None
    d = deltas(st0, st1, 'sz_tried')
    n = deltas(st0, st1)
    tap.diag('in 10s, sz_tried (nr_tried): every region %s (%d) with apply '
             'interval 0, %s (%d) with %d us; hot regions %s (%d), %s (%d)'
             % (dm.mib(d[0]), n[0], dm.mib(d[1]), n[1], AGGR_US // 10,
                dm.mib(d[2]), n[2], dm.mib(d[3]), n[3]))
    ratio = d[1] / d[0] if d[0] else 0
    tap.ok(8.5 <= ratio <= 11.5,
           'a scheme with apply_interval_us = aggr_us / 10 tries about 10 '
           'times as many bytes (8.5..11.5)', 'ratio %.2f' % ratio)
    ratio = d[3] / d[2] if d[2] else 0
    tap.ok(d[2] > 0 and 8 <= ratio <= 12,
           'so does one for regions with nr_accesses >= %d: mid-aggregation '
           'it matches by an estimate, not the count so far (8..12)' %
           (MAX_NR // 2), 'ratio %.2f' % ratio)
    # the control of the age reset part: idle regions grow old
    return max(cold_ages(kd, 0, wl['cold']) or [0])


def part_age_reset(kd, wl, control_age):
    tap.diag('without an action, idle regions of the cold buffer reached '
             'age %d' % control_age)
    tap.ok(control_age > 3 * AGE_MIN,
           'control: without an action, idle regions grow older than %d' %
           (3 * AGE_MIN), 'max age %d' % control_age)
    idle = (0, 0)
    if not commit(kd, [dict(nr_accesses=idle),
                       dict(action='cold', nr_accesses=idle,
                            age=(AGE_MIN, da.UINT_MAX))],
                  'a stat scheme for idle regions and a cold scheme for '
                  'idle regions of age >= %d' % AGE_MIN):
        return
    # the old regions get the action once and start again from 0
    time.sleep(3)
    st0 = dm.all_stats(kd, 2)
    ages = []
    end = time.monotonic() + 10
    while time.monotonic() < end:
        ages.extend(cold_ages(kd, 0, wl['cold']))
        time.sleep(1)
    st1 = dm.all_stats(kd, 2)
    if not tap.ok(st0 and st1 and ages,
                  'stats and tried regions of the cold buffer readable'):
        return
    d = deltas(st0, st1)
    ratio = d[1] / d[0] if d[0] else 1
    tap.diag('in 10s: stat scheme tried %d idle regions, cold scheme %d; '
             'ages seen in the cold buffer: max %d, %d samples' %
             (d[0], d[1], max(ages), len(ages)))
    tap.ok(max(ages) <= AGE_MIN + 3,
           'no idle region of the cold buffer gets older than %d + 3: '
           'applying "cold" resets the age' % AGE_MIN,
           'max age %d' % max(ages))
    tap.ok(d[0] > 0 and ratio <= 0.3,
           'the cold scheme tries about one idle region in %d, not every '
           'one every time (ratio <= 0.3)' % (AGE_MIN + 1),
           'ratio %.2f' % ratio)


def part_rotation(wl):
    """On a kdamond of its own: "fvaddr" watches just the two buffers,
    where plain vaddr would also count the holes between the mappings
    as idle memory (hundreds of MiB, too much to go through in a test)."""
    idle = (0, 0)
    da.reset()
    kd = da.Kdamond(0)
    ops = 'fvaddr'
    if ops not in avail_ops(kd):
        ops = 'vaddr'
    kd.setup(ops, [{'pid': wl.pid, 'regions': [wl['hot'], wl['cold']]}],
             sample_us=SAMPLE_US, aggr_us=AGGR_US, nr_regions=(20, 1000),
             schemes=[dict(nr_accesses=idle)])
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'turn on %s monitoring of the two buffers' % ops,
                  'errno %s' % err):
        return
    time.sleep(3)
    if kd.try_cmd('update_schemes_tried_bytes'):
        idle_bytes = 0
    else:
        idle_bytes = int(da.read(kd.scheme(0, 'tried_regions',
                                           'total_bytes')))
    if not tap.ok(idle_bytes >= 0.9 * wl.size('cold'),
                  'DAMON sees the cold buffer as idle',
                  'idle bytes %s' % dm.mib(idle_bytes)):
        idle_bytes = max(idle_bytes, wl.size('cold'))
    rate = QUOTA * 1000 / RESET_MS
    expected = idle_bytes / rate
    # the quota bounds the pace, but paging out to zram under emulation
    # may be slower still on a loaded host: a wide margin on top
    deadline = 3 * expected + 90
    tap.diag('idle %s at %s/s: expect all paged out in ~%.0fs, deadline '
             '%.0fs' % (dm.mib(idle_bytes), dm.mib(rate), expected,
                        deadline))
    if not commit(kd, [dict(nr_accesses=idle),
                       dict(action='pageout', nr_accesses=idle,
                            quota={'bytes': QUOTA,
                                   'reset_interval_ms': RESET_MS})],
                  'a pageout scheme with a quota of %s per %d ms' %
                  (dm.mib(QUOTA), RESET_MS)):
        return
    t0 = time.monotonic()
    size = wl.size('cold')
    too_fast = []
    history = []

    def probe():
        elapsed = time.monotonic() - t0
        pages = dm.Pages(wl.pid, wl['cold'])
        swapped = pages.swapped * dm.PAGE
        history.append((round(elapsed, 1), round(swapped / dm.MIB, 1)))
        # what the quota allows so far, plus the window under way
        allowed = QUOTA * (elapsed * 1000 / RESET_MS + 2)
        if swapped > allowed:
            too_fast.append((elapsed, swapped))
        return pages
    poll = dm.Poll(probe, lambda p: p.swapped_frac >= 0.95, deadline)
    in_time = poll.ok
    if not in_time:
        # slow (a loaded host) or stuck at the low addresses?  Give it
        # another minute before judging where the paged out part lies.
        late = dm.Poll(probe, lambda p: p.swapped_frac >= 0.95, 60)
        tap.diag('%s after another %.0fs' % (
            'done' if late.ok else 'still not done', late.seconds))
    pieces = dm.pieces_swapped(wl.pid, wl['cold'], 8)
    final = dm.Pages(wl.pid, wl['cold'])
    st = dm.all_stats(kd, 2)
    hot = dm.Pages(wl.pid, wl['hot'])
    tap.diag('(seconds, MiB swapped): %s' % history)
    tap.diag('after %.0fs: cold buffer %s; swapped per eighth: %s' %
             (time.monotonic() - t0, final,
              ' '.join('%.2f' % p for p in pieces)))
    tap.diag('pageout scheme stats: %s' % (st and st[1]))
    tap.ok(in_time, '>= 95%% of the %s cold buffer paged out within %.0fs'
           % (dm.mib(size), deadline), str(poll.value))
    tap.ok(min(pieces) >= 0.9,
           'every eighth of the cold buffer is >= 90% paged out (the quota '
           'windows rotate, not stick to the lowest addresses)',
           'per eighth: %s' % pieces)
    tap.ok(not too_fast, 'never faster than the quota allows',
           'too fast at (s, bytes): %s' % too_fast[:5])
    tap.ok(st and st[1]['qt_exceeds'] > 0, 'the quota was exceeded '
           '(qt_exceeds > 0)')
    tap.ok(hot.present_frac >= 0.95, 'the hot buffer stays resident',
           str(hot))


with dm.Swap(), dm.Mix(['-H', 2048, '-C', 65536]) as wl:
    tap.diag('workload %d: %s' % (wl.pid, wl.describe()))
    kd = da.Kdamond(0).setup('vaddr', [{'pid': wl.pid}],
                             sample_us=SAMPLE_US, aggr_us=AGGR_US,
                             nr_regions=(100, 1000), schemes=[{}])
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'turn on vaddr monitoring', 'errno %s' % err):
        da.reset()
        tap.finish()
    t0 = time.monotonic()
    found = da.wait_until(lambda: dm.hot_found(kd, 0, wl['hot'],
                                               MAX_NR // 2), 120, 1)
    tap.ok(found, 'DAMON finds the hot buffer (nr_accesses >= %d of %d)' %
           (MAX_NR // 2, MAX_NR))
    tap.diag('after %.0fs' % (time.monotonic() - t0))
    aged = part_apply_interval(kd, wl)
    part_age_reset(kd, wl, aged or 0)
    tap.ok(wl.alive() and kd.state() == 'on',
           'the workload and the kdamond still run')
    tap.ok(not kd.try_cmd('off'), 'turn it off')
    part_rotation(wl)
    tap.ok(wl.alive(), 'the workload still runs')
da.reset()
tap.finish()
