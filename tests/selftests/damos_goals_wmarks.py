#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Quota goals tune the effective quota; watermarks switch schemes.

  user_input       a scheme whose quota has one user_input goal (target
                   10000): with current_value 5000 (below the target)
                   quotas/effective_bytes grows; after
                   commit_schemes_quota_goals with current_value 20000
                   (above it) it shrinks
  some_mem_psi_us  a goal of that metric is accepted by "on" and by
                   commit_schemes_quota_goals, and reads back; with no
                   memory pressure in the guest the quota grows
  watermarks       a pageout scheme for idle regions with free_mem_rate
                   watermarks that the current free memory rate (from
                   /proc/meminfo) is above "high", then below "low" of:
                   nothing tried, nothing swapped; then watermarks around
                   the rate: the cold buffer is paged out
"""

import time

import damon_admin as da
import damon_measure as dm

tap = da.Tap('damos_goals_wmarks: quota goals and free_mem_rate watermarks')
da.require_admin()
dm.exit_on_sigterm()
if not dm.Swap.available():
    da.Tap.skip_all('no /dev/zram0 (CONFIG_ZRAM) for swap')
da.reset()

RESET_MS = 100


def goal_scheme(metric, target, current):
    return dict(quota={'reset_interval_ms': RESET_MS},
                goals=[(metric, target, current)])


def trend(kd, seconds):
    """effective_bytes of schemes 0 and 1, read every 0.5s for @seconds."""
    values = ([], [])
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for i in (0, 1):
            v = dm.effective_bytes(kd, i)
            if v is not None:
                values[i].append(v)
        time.sleep(0.5)
    return values


def part_goals(kd):
    values, psi = trend(kd, 4)
    tap.diag('user_input 5000 of 10000: effective_bytes %s' % values)
    tap.diag('some_mem_psi_us: effective_bytes %s' % psi)
    rises = sum(1 for a, b in zip(values, values[1:]) if b > a)
    tap.ok(len(values) >= 4 and values[-1] > values[0] and rises >= 3,
           'user_input below its target: effective_bytes grows')
    tap.eq(da.read(kd.scheme(1, 'quotas', 'goals', '0', 'target_metric')),
           'some_mem_psi_us', 'the some_mem_psi_us goal reads back')
    tap.ok(len(psi) >= 2 and max(psi) > psi[0],
           'some_mem_psi_us with no memory pressure: effective_bytes grows')
    peak = values[-1] if values else 0

    da.write(kd.scheme(0, 'quotas', 'goals', '0', 'current_value'), 20000)
    da.write(kd.scheme(1, 'quotas', 'goals', '0', 'target_value'), 2000)
    err = kd.try_cmd('commit_schemes_quota_goals')
    tap.ok(not err, 'commit_schemes_quota_goals: user_input current_value '
           '20000, some_mem_psi_us target_value 2000', 'errno %s' % err)
    poll = dm.Poll(lambda: dm.effective_bytes(kd, 0),
                   lambda v: v <= peak / 2, 20, 0.5)
    tap.diag('after %.1fs: effective_bytes %s (was %s)' %
             (poll.seconds, poll.value, peak))
    tap.ok(peak > 0 and poll.ok,
           'user_input above its target: effective_bytes falls to half or '
           'less')
    tap.ok(kd.state() == 'on' and dm.effective_bytes(kd, 1) is not None,
           'the kdamond still runs; update_schemes_effective_quotas works')


def wmark_run(kd, wl, wm, seconds):
    """Commit the pageout scheme with watermarks @wm (next to a stat
    scheme for idle regions, which keeps the monitoring going); the
    regions each tried, and the poll of the cold buffer's pages for
    @seconds (or until it is paged out)."""
    set_wmark_schemes(kd, wm)
    err = kd.try_cmd('commit')
    if err:
        return err, None, None
    st0 = dm.all_stats(kd, 2)
    poll = dm.Poll(lambda: dm.Pages(wl.pid, wl['cold']),
                   lambda p: p.swapped_frac >= 0.9, seconds)
    st1 = dm.all_stats(kd, 2)
    if not st0 or not st1:
        return -1, None, poll
    return 0, [b['nr_tried'] - a['nr_tried'] for a, b in zip(st0, st1)], poll


def set_wmark_schemes(kd, wm):
    dm.set_schemes(kd, [dict(action='pageout', nr_accesses=(0, 0),
                             wmarks=wm),
                        dict(nr_accesses=(0, 0))])


def part_wmarks(wl):
    kd = da.Kdamond(0).setup('vaddr', [{'pid': wl.pid}], sample_us=5000,
                             aggr_us=100000, nr_regions=(20, 1000),
                             schemes=[{}])
    # start with a pageout scheme that is off for sure
    set_wmark_schemes(kd, {'metric': 'free_mem_rate', 'interval_us': 100000,
                           'high': 0, 'mid': 0, 'low': 0})
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'turn on a pageout scheme with watermarks',
                  'errno %s' % err):
        return
    time.sleep(3)   # idle regions to be found
    rate = dm.free_mem_permil()
    tap.diag('free memory rate %d permil' % rate)
    above = {'metric': 'free_mem_rate', 'interval_us': 100000,
             'high': rate // 2, 'mid': rate // 4, 'low': 0}
    below = {'metric': 'free_mem_rate', 'interval_us': 100000,
             'high': 1000, 'mid': 1000, 'low': (rate + 1000) // 2}
    inside = {'metric': 'free_mem_rate', 'interval_us': 100000,
              'high': 1000, 'mid': 999, 'low': 0}
    for name, wm in (('above high', above), ('below low', below)):
        err, tried, poll = wmark_run(kd, wl, wm, 6)
        if not tap.ok(not err, 'commit watermarks %s' % wm, 'errno %s' % err):
            continue
        tap.diag('%s: regions tried %s (pageout, stat); cold buffer %s' %
                 (name, tried, poll.value))
        tap.ok(tried and tried[0] == 0 and poll.value.swapped == 0,
               'free memory rate %s: the scheme does nothing (nothing '
               'tried, nothing swapped)' % name)
        tap.ok(tried and tried[1] > 0, 'while the stat scheme next to it, '
               'without watermarks, tries idle regions (control)')
    err, tried, poll = wmark_run(kd, wl, inside, 60)
    if tap.ok(not err, 'commit watermarks %s' % inside, 'errno %s' % err):
        tap.diag('inside: after %.0fs regions tried %s; cold buffer %s' %
                 (poll.seconds, tried, poll.value))
        tap.ok(tried and tried[0] > 0 and poll.ok,
               'free memory rate between low and mid: the scheme pages '
               'out >= 90% of the cold buffer', str(poll.value))
    kd.try_cmd('off')


with dm.Swap(), dm.Mix(['-H', 1024, '-C', 8192]) as wl:
    tap.diag('workload %d: %s' % (wl.pid, wl.describe()))
    kd = da.Kdamond(0).setup('vaddr', [{'pid': wl.pid}], sample_us=5000,
                             aggr_us=100000, schemes=[{}, {}])
    dm.set_schemes(kd, [goal_scheme('user_input', 10000, 5000),
                        goal_scheme('some_mem_psi_us', 1000, 0)])
    err = kd.try_cmd('on')
    if tap.ok(not err, 'turn on with a user_input and a some_mem_psi_us '
              'quota goal', 'errno %s' % err):
        part_goals(kd)
    da.reset()
    part_wmarks(wl)
da.reset()
tap.finish()
