#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The vaddr DAMOS actions do to a process's memory what their names say.

access_mix runs with a hot buffer (2 MiB, written all the time), a cold
one (24 MiB, written once) and a cold 2 MiB-aligned one for the huge page
checks; every buffer starts with MADV_NOHUGEPAGE.  One kdamond monitors
it with the vaddr operations.  A "stat" scheme runs until DAMON has found
the hot buffer; then "commit" swaps in one action after the other, each
matching idle regions only (nr_accesses 0), and the effect is measured
outside DAMON, with the hot buffer as the control that must stay as it
was:

  cold        the cold buffer, made active beforehand by reading it twice
              through /proc/PID/mem, goes to the inactive LRU
              (/proc/kpageflags ACTIVE of the pfns from pagemap); the hot
              buffer, made active the same way, stays active
  pageout     the cold buffer leaves RAM: pagemap swapped bit, VmSwap
              and RssAnon of /proc/PID/status; the hot buffer stays
              present and the process takes few major faults
  willneed    the swapped-out cold buffer is read back into the swap
              cache (/proc/meminfo SwapCached grows by about its size)
  hugepage    the cold buffers' mappings get VmFlags "hg" and
              THPeligible 1 in /proc/PID/smaps (THP "madvise" mode); the
              hot buffer keeps "nh"
  nohugepage  and back to "nh", THPeligible 0

The guard mappings around the buffers are mlock()ed (access_mix -L), and
MADV_COLD and MADV_PAGEOUT refuse locked VMAs: the actions run over idle
regions that hold both VMAs that take them and VMAs that refuse them, and
the pageout scheme's sz_applied must still count the cold buffer.

Swap is zram on /dev/zram0, set up here and removed at the end.
"""

import time

import damon_admin as da
import damon_measure as dm

SAMPLE_US = 5000
AGGR_US = 100000
MAX_NR = AGGR_US // SAMPLE_US
HOT_KIB = 2048
COLD_KIB = 24576
THP_KIB = 4096

tap = da.Tap('damos_vaddr_actions: cold, pageout, willneed, hugepage and '
             'nohugepage, measured outside DAMON')
da.require_admin()
dm.exit_on_sigterm()
if not dm.Swap.available():
    da.Tap.skip_all('no /dev/zram0 (CONFIG_ZRAM) for swap')
da.reset()

IDLE = {'nr_accesses': (0, 0), 'age': (5, da.UINT_MAX)}


def commit(kd, scheme, what):
    dm.set_schemes(kd, [{}, scheme])
    err = kd.try_cmd('commit')
    return tap.ok(not err, 'commit a "%s" scheme for idle regions' % what,
                  'errno %s' % err)


def stats_line(kd):
    st = dm.all_stats(kd, 2)
    return 'scheme stats: %s' % (st[1] if st else 'unreadable')


def stage_cold(kd, wl):
    dm.touch_twice(wl.pid, wl['cold'])
    dm.touch_twice(wl.pid, wl['hot'])
    cold0, hot0 = dm.LruState(wl.pid, wl['cold']), dm.LruState(wl.pid,
                                                             wl['hot'])
    tap.diag('before: cold buffer %s; hot buffer %s' % (cold0, hot0))
    tap.ok(cold0.active_frac >= 0.7 and hot0.active_frac >= 0.7,
           'setup: reading both buffers twice made them active',
           'active: cold %.2f, hot %.2f' % (cold0.active_frac,
                                          hot0.active_frac))
    if not commit(kd, dict(action='cold', **IDLE), 'cold'):
        return
    poll = dm.Poll(lambda: dm.LruState(wl.pid, wl['cold']),
                   lambda s: s.active_frac <= 0.1, 60)
    cold, hot = poll.value, dm.LruState(wl.pid, wl['hot'])
    tap.diag('after %.0fs: cold buffer %s; hot buffer %s' %
             (poll.seconds, cold, hot))
    tap.diag(stats_line(kd))
    tap.ok(cold.active_frac <= 0.1,
           'cold: at most 10% of the cold buffer is still active',
           'active fraction %.2f' % cold.active_frac)
    tap.ok(cold.present >= 0.95 * cold.total and cold.lru >= 0.9 *
           cold.present, 'cold: the cold buffer is still in memory, on '
           'the LRU lists (deactivated, not reclaimed)', str(cold))
    tap.ok(hot.active_frac >= 0.7,
           'cold: the hot buffer is still active (control)',
           'active fraction %.2f' % hot.active_frac)


def sz_applied(kd):
    st = dm.all_stats(kd, 2)
    return st[1]['sz_applied'] if st else 0


def stage_pageout(kd, wl):
    st0 = dm.proc_status(wl.pid)
    flt0 = dm.majflt(wl.pid)
    if not commit(kd, dict(action='pageout', **IDLE), 'pageout'):
        return
    applied0 = sz_applied(kd)
    poll = dm.Poll(lambda: dm.Pages(wl.pid, wl['cold']),
                   lambda p: p.swapped_frac >= 0.9, 120)
    cold = poll.value
    # a region's bytes are counted when the action over it ends, which may
    # be a little after its last page shows swapped
    applied = dm.Poll(lambda: sz_applied(kd) - applied0,
                      lambda a: a >= 0.9 * wl.size('cold'), 30).value
    hots = []
    for _ in range(3):
        hots.append(dm.Pages(wl.pid, wl['hot']))
        time.sleep(1)
    st = dm.proc_status(wl.pid)
    flts = dm.majflt(wl.pid) - flt0
    tap.diag('after %.0fs: cold buffer %s; hot buffer %s' %
             (poll.seconds, cold, '; '.join(str(h) for h in hots)))
    tap.diag('VmSwap %s -> %s, RssAnon %s -> %s, %d major faults' %
             (dm.mib(st0['VmSwap']), dm.mib(st['VmSwap']),
              dm.mib(st0['RssAnon']), dm.mib(st['RssAnon']), flts))
    tap.diag(stats_line(kd))
    size = wl.size('cold')
    tap.ok(cold.swapped_frac >= 0.9,
           'pageout: pagemap shows >= 90% of the cold buffer swapped out',
           str(cold))
    tap.ok(st['VmSwap'] - st0['VmSwap'] >= 0.9 * size,
           'pageout: VmSwap grew by >= 90% of the cold buffer size')
    tap.ok(st0['RssAnon'] - st['RssAnon'] >= 0.8 * size,
           'pageout: RssAnon shrank by >= 80% of the cold buffer size')
    tap.ok(min(h.present_frac for h in hots) >= 0.95 and
           max(h.swapped for h in hots) <= 0.05 * hots[0].total,
           'pageout: the hot buffer stays resident (control)')
    tap.ok(applied >= 0.9 * size,
           'pageout: sz_applied grew by >= 90% of the cold buffer size',
           '%d bytes' % applied)
    tap.ok(flts <= HOT_KIB * 1024 // dm.PAGE // 4,
           'pageout: the workload took few major faults (the hot buffer '
           'was not paged out and back)', '%d major faults' % flts)


def stage_willneed(kd, wl):
    cached0 = dm.meminfo()['SwapCached']
    if not commit(kd, dict(action='willneed', **IDLE), 'willneed'):
        return
    size = wl.size('cold')
    poll = dm.Poll(lambda: dm.meminfo()['SwapCached'] - cached0,
                   lambda d: d >= 0.8 * size, 60)
    cold = dm.Pages(wl.pid, wl['cold'])
    tap.diag('after %.0fs: SwapCached grew by %s; cold buffer %s' %
             (poll.seconds, dm.mib(poll.value), cold))
    tap.diag(stats_line(kd))
    tap.ok(poll.value >= 0.8 * size,
           'willneed: SwapCached grew by >= 80% of the swapped-out cold '
           'buffer (read back ahead of use)',
           'grew by %s of %s' % (dm.mib(poll.value), dm.mib(size)))


def show_regions(kd, wl):
    """The regions DAMON has over the buffers now, for a failure."""
    if kd.try_cmd('update_schemes_tried_regions'):
        return
    _, regions = kd.tried_regions(0)
    labels = [(n.upper(), r) for n, r in wl.bufs.items()]
    for line in da.region_table(regions, labels):
        if any(n in line for n, _ in labels):
            tap.diag(line)


def thp_state(wl, name):
    """(bytes with hg, bytes with nh, bytes THPeligible) of buffer @name."""
    vmas = [v for v in dm.smaps(wl.pid)
            if da.overlap((v['start'], v['end']), wl[name])]

    def part(pred):
        return sum(da.overlap((v['start'], v['end']), wl[name])
                   for v in vmas if pred(v))
    return (part(lambda v: 'hg' in v['flags']),
            part(lambda v: 'nh' in v['flags']),
            part(lambda v: v.get('THPeligible') == 1))


def stage_thp(kd, wl):
    size = wl.size('thp')
    hg, nh, elig = thp_state(wl, 'thp')
    tap.ok(nh == size and not hg and not elig,
           'setup: the 2 MiB-aligned cold buffer starts as "nh", not '
           'THPeligible', 'hg %d nh %d eligible %d bytes' % (hg, nh, elig))
    for action, flag, want_elig in (('hugepage', 'hg', True),
                                    ('nohugepage', 'nh', False)):
        if not commit(kd, dict(action=action, **IDLE), action):
            continue

        def done(v, flag=flag, want_elig=want_elig):
            hg, nh, elig = v
            have = hg if flag == 'hg' else nh
            other = nh if flag == 'hg' else hg
            return have >= 0.9 * size and other <= 0.1 * size and \
                (elig >= 0.9 * size if want_elig else elig <= 0.1 * size)
        poll = dm.Poll(lambda: thp_state(wl, 'thp'), done, 45)
        hg, nh, elig = poll.value
        hot = thp_state(wl, 'hot')
        tap.diag('after %.0fs: thp buffer hg %s, nh %s, THPeligible %s; '
                 'hot buffer hg %s nh %s' % (poll.seconds, dm.mib(hg),
                                             dm.mib(nh), dm.mib(elig),
                                             dm.mib(hot[0]), dm.mib(hot[1])))
        tap.ok(poll.ok, '%s: >= 90%% of the idle 2 MiB-aligned buffer is '
               'in mappings with "%s" (and not the other flag) and '
               'THPeligible %d' %
               (action, flag, 1 if want_elig else 0))
        if not tap.ok(hot[1] >= 0.9 * wl.size('hot') and
                      hot[0] <= 0.1 * wl.size('hot'),
                      '%s: >= 90%% of the hot buffer keeps "nh" (control)' %
                      action):
            show_regions(kd, wl)


with dm.Swap(), dm.ThpMode('madvise'), \
        dm.Mix(['-H', HOT_KIB, '-C', COLD_KIB, '-T', THP_KIB, '-L']) as wl:
    tap.diag('workload %d: %s' % (wl.pid, wl.describe()))
    kd = da.Kdamond(0).setup('vaddr', [{'pid': wl.pid}],
                             sample_us=SAMPLE_US, aggr_us=AGGR_US,
                             nr_regions=(100, 1000), schemes=[{}])
    err = kd.try_cmd('on')
    if not tap.ok(not err, 'turn on vaddr monitoring with a stat scheme',
                  'errno %s' % err):
        da.reset()
        tap.finish()
    t0 = time.monotonic()
    found = da.wait_until(lambda: dm.hot_found(kd, 0, wl['hot'],
                                               MAX_NR // 2), 120, 1)
    tap.ok(found, 'DAMON finds the hot buffer (nr_accesses >= %d of %d)' %
           (MAX_NR // 2, MAX_NR))
    tap.diag('after %.0fs' % (time.monotonic() - t0))
    # let the idle regions grow old enough for the schemes' age minimum
    time.sleep(1)

    stage_cold(kd, wl)
    stage_pageout(kd, wl)
    stage_willneed(kd, wl)
    stage_thp(kd, wl)
    tap.ok(wl.alive() and kd.state() == 'on',
           'the workload and the kdamond still run')
    tap.ok(not kd.try_cmd('off'), 'turn it off')
da.reset()
tap.finish()
