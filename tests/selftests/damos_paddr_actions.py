#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The paddr DAMOS actions do to physical memory what their names say.

Each part runs an access_mix workload, finds the physical span of its
buffers in /proc/PID/pagemap, and points a paddr kdamond at that span.
The effects are measured outside DAMON:

  target_nid  migrate_hot and migrate_cold refuse a target_nid that is no
              memory node (5, -1): "on" and "commit" fail with EINVAL,
              and a running kdamond keeps running
  migrate     (workload bound to node 0) migrate_cold with target_nid 1
              moves the cold buffer to node 1 while the hot one stays on
              node 0; then migrate_hot moves the hot buffer to node 1
              (N0=/N1= of /proc/PID/numa_maps)
  lru         lru_prio makes the hot buffer (inactive, fresh anonymous
              memory) active, lru_deprio makes the cold buffer (made
              active by reading it twice via /proc/PID/mem) inactive
              (/proc/kpageflags of the pfns)
  pageout     a 16 MiB buffer with one hot page in 16: the regions are
              judged cold, yet pageout must skip the pages accessed since
              their last check (a young check, as upstream): the cold
              pages are swapped out (pagemap), the hot ones never are,
              and the workload takes next to no major faults;
              stats/sz_applied counts reclaimed bytes, not region sizes
"""

import errno
import os
import time

import damon_admin as da
import damon_measure as dm

SAMPLE_US = 10000
AGGR_US = 200000
MAX_NR = AGGR_US // SAMPLE_US

tap = da.Tap('damos_paddr_actions: migrate_hot/cold, lru_prio/deprio, '
             'pageout young check')
da.require_admin()
dm.exit_on_sigterm()
if not os.path.isdir('/sys/devices/system/node/node1'):
    da.Tap.skip_all('needs two NUMA nodes (numa=fake=2)')
if not dm.Swap.available():
    da.Tap.skip_all('no /dev/zram0 (CONFIG_ZRAM) for swap')
da.reset()


def paddr_kdamond(span, nr_regions=(20, 200)):
    return da.Kdamond(0).setup('paddr', [{'regions': [span]}],
                               sample_us=SAMPLE_US, aggr_us=AGGR_US,
                               nr_regions=nr_regions, schemes=[{}])


def turn_on(kd, what):
    err = kd.try_cmd('on')
    return tap.ok(not err, 'turn on paddr monitoring of %s' % what,
                  'errno %s' % err)


def commit(kd, schemes, what):
    dm.set_schemes(kd, [{}] + schemes)
    err = kd.try_cmd('commit')
    return tap.ok(not err, 'commit %s' % what, 'errno %s' % err)


def wait_hot(kd, wl, name):
    pfns = dm.Pages(wl.pid, wl[name]).pfns
    huge = sum(1 for w in dm.kpageflags(pfns) if w >> dm.KPF_THP & 1)
    tap.diag('%d of the %d pages of the %s buffer are in huge pages' %
             (huge, len(pfns), name))
    t0 = time.monotonic()
    found = da.wait_until(lambda: dm.hot_found_phys(kd, 0, pfns,
                                                    MAX_NR // 2, 0.9), 90, 1)
    tap.ok(found, 'DAMON finds >= 90%% of the hot buffer\'s physical pages '
           '(nr_accesses >= %d of %d)' % (MAX_NR // 2, MAX_NR))
    tap.diag('after %.0fs' % (time.monotonic() - t0))


def node_frac(wl, name, node):
    pages = dm.numa_pages(wl.pid, wl[name])
    return dm.frac(pages.get(node, 0), sum(pages.values())), pages


def part_target_nid():
    """Invalid target nodes of the migrate actions are refused."""
    with dm.Mix(['-H', 1024, '-C', 1024]) as wl:
        span = dm.phys_span(wl.pid, [wl['hot'], wl['cold']])
        kd = paddr_kdamond(span)
        for action in ('migrate_hot', 'migrate_cold'):
            for nid in (5, -1):
                dm.set_schemes(kd, [dict(action=action, target_nid=nid)])
                err = kd.try_cmd('on')
                tap.errno_is(err, errno.EINVAL,
                             '"on" with a %s scheme, target_nid %d' %
                             (action, nid))
                if not err:
                    kd.try_cmd('off')
                tap.eq(kd.state(), 'off', 'and the kdamond stays off')
        dm.set_schemes(kd, [dict(action='migrate_cold', target_nid=1,
                                 nr_accesses=(0, 0))])
        err = kd.try_cmd('on')
        tap.ok(not err, '"on" with a migrate_cold scheme, target_nid 1',
               'errno %s' % err)
        if err:
            return
        kpid = kd.pid()
        dm.set_schemes(kd, [dict(action='migrate_cold', target_nid=5,
                                 nr_accesses=(0, 0))])
        err = kd.try_cmd('commit')
        tap.errno_is(err, errno.EINVAL, '"commit" of target_nid 5')
        tap.ok(kd.state() == 'on' and kd.pid() == kpid,
               'the same kdamond still runs after the refused commit')
        kd.try_cmd('off')


def part_migrate():
    # -A: a huge page keeps the hot buffer physically contiguous, so that
    # paddr regions can hold it alone
    with dm.Mix(['-H', 2048, '-C', 16384, '-b', 0, '-A']) as wl:
        tap.diag('workload %d: %s' % (wl.pid, wl.describe()))
        hot0, _ = node_frac(wl, 'hot', 0)
        cold0, _ = node_frac(wl, 'cold', 0)
        tap.ok(hot0 >= 0.95 and cold0 >= 0.95,
               'setup: the workload\'s buffers are on node 0',
               'node 0 fractions: hot %.2f cold %.2f' % (hot0, cold0))
        span = dm.phys_span(wl.pid, [wl['hot'], wl['cold']])
        tap.diag('physical span %#x-%#x (%s)' % (span[0], span[1],
                                                 dm.mib(span[1] - span[0])))
        kd = paddr_kdamond(span)
        if not turn_on(kd, 'the workload\'s span'):
            return
        wait_hot(kd, wl, 'hot')

        if commit(kd, [dict(action='migrate_cold', target_nid=1,
                            nr_accesses=(0, 0), age=(3, da.UINT_MAX))],
                  'migrate_cold to node 1 for idle regions'):
            poll = dm.Poll(lambda: node_frac(wl, 'cold', 1),
                           lambda v: v[0] >= 0.9, 90)
            hot, hot_pages = node_frac(wl, 'hot', 0)
            st = dm.all_stats(kd, 2)
            tap.diag('after %.0fs: cold buffer %s, hot buffer %s; stats %s'
                     % (poll.seconds, poll.value[1], hot_pages,
                        st and st[1]))
            tap.ok(poll.value[0] >= 0.9,
                   'migrate_cold: >= 90% of the cold buffer is on node 1',
                   'fraction %.2f' % poll.value[0])
            tap.ok(hot >= 0.8,
                   'migrate_cold: the hot buffer stays on node 0 (control)',
                   'fraction on node 0: %.2f' % hot)
            tap.ok(st and st[1]['sz_applied'] >= 0.8 * wl.size('cold'),
                   'migrate_cold: sz_applied counts at least the bytes of '
                   'the cold buffer moved')

        if commit(kd, [dict(action='migrate_hot', target_nid=1,
                            nr_accesses=(MAX_NR // 4, da.UINT_MAX))],
                  'migrate_hot to node 1 for hot regions'):
            poll = dm.Poll(lambda: node_frac(wl, 'hot', 1),
                           lambda v: v[0] >= 0.9, 90)
            tap.diag('after %.0fs: hot buffer %s' % (poll.seconds,
                                                    poll.value[1]))
            tap.ok(poll.value[0] >= 0.9,
                   'migrate_hot: >= 90% of the hot buffer is on node 1',
                   'fraction %.2f' % poll.value[0])
        kd.try_cmd('off')


def part_lru():
    with dm.Mix(['-H', 2048, '-C', 16384, '-A']) as wl:
        tap.diag('workload %d: %s' % (wl.pid, wl.describe()))
        dm.touch_twice(wl.pid, wl['cold'])
        hot0 = dm.LruState(wl.pid, wl['hot'])
        cold0 = dm.LruState(wl.pid, wl['cold'])
        tap.diag('before: hot buffer %s; cold buffer %s' % (hot0, cold0))
        tap.ok(hot0.active_frac <= 0.3 and cold0.active_frac >= 0.7,
               'setup: the hot buffer starts inactive, the cold one active',
               'active: hot %.2f cold %.2f' % (hot0.active_frac,
                                              cold0.active_frac))
        span = dm.phys_span(wl.pid, [wl['hot'], wl['cold']])
        kd = paddr_kdamond(span)
        if not turn_on(kd, 'the workload\'s span'):
            return
        wait_hot(kd, wl, 'hot')
        if not commit(kd, [dict(action='lru_prio',
                                nr_accesses=(MAX_NR // 4, da.UINT_MAX)),
                           dict(action='lru_deprio', nr_accesses=(0, 0),
                                age=(3, da.UINT_MAX))],
                      'lru_prio for hot and lru_deprio for idle regions'):
            return

        def probe():
            return (dm.LruState(wl.pid, wl['hot']),
                    dm.LruState(wl.pid, wl['cold']))
        poll = dm.Poll(probe, lambda v: v[0].active_frac >= 0.9 and
                       v[1].active_frac <= 0.1, 60)
        hot, cold = poll.value
        st = dm.all_stats(kd, 3)
        tap.diag('after %.0fs: hot buffer %s; cold buffer %s' %
                 (poll.seconds, hot, cold))
        tap.diag('stats: lru_prio %s; lru_deprio %s' %
                 (st and st[1], st and st[2]))
        tap.ok(hot.active_frac >= 0.9,
               'lru_prio: >= 90% of the hot buffer is active',
               'fraction %.2f' % hot.active_frac)
        tap.ok(cold.active_frac <= 0.1,
               'lru_deprio: <= 10% of the cold buffer is still active',
               'fraction %.2f' % cold.active_frac)
        tap.ok(hot.present == hot.total and cold.present >= 0.95 *
               cold.total, 'both buffers are still in memory',
               'hot %s; cold %s' % (hot, cold))
        kd.try_cmd('off')


def part_pageout():
    with dm.Mix(['-M', 16384, '-s', 16]) as wl:
        tap.diag('workload %d: %s, stride %d' % (wl.pid, wl.describe(),
                                                wl.stride))
        mixed = wl['mixed']
        span = dm.phys_span(wl.pid, [mixed])
        tap.diag('physical span %#x-%#x (%s)' % (span[0], span[1],
                                                 dm.mib(span[1] - span[0])))
        nr_hot = dm.Pages(wl.pid, mixed, wl.hot_page).total
        cold_bytes = dm.Pages(wl.pid, mixed, wl.cold_page).total * dm.PAGE
        kd = paddr_kdamond(span, nr_regions=(10, 40))
        dm.set_schemes(kd, [dict(action='pageout',
                                 nr_accesses=(0, MAX_NR // 4))])
        flt0 = dm.majflt(wl.pid)
        if not turn_on(kd, 'the mixed buffer with a pageout scheme for '
                       'regions of nr_accesses <= %d' % (MAX_NR // 4)):
            return
        worst = {'swapped': 0}

        def probe():
            hot = dm.Pages(wl.pid, mixed, wl.hot_page)
            worst['swapped'] = max(worst['swapped'], hot.swapped)
            return dm.Pages(wl.pid, mixed, wl.cold_page)
        poll = dm.Poll(probe, lambda p: p.swapped_frac >= 0.9, 120)
        # a few more passes over the hot pages
        for _ in range(4):
            probe()
            time.sleep(1)
        hot = dm.Pages(wl.pid, mixed, wl.hot_page)
        flts = dm.majflt(wl.pid) - flt0
        st = dm.all_stats(kd, 1)
        tap.diag('after %.0fs: cold pages %s; hot pages %s; at worst %d hot '
                 'pages swapped; %d major faults' %
                 (poll.seconds, poll.value, hot, worst['swapped'], flts))
        tap.diag('stats %s' % (st and st[0]))
        tap.ok(poll.value.swapped_frac >= 0.9,
               'pageout: >= 90% of the idle pages of the mixed buffer are '
               'swapped out', str(poll.value))
        tap.ok(worst['swapped'] <= nr_hot // 20 and
               hot.present_frac >= 0.95,
               'pageout: the hot pages of the same regions are never seen '
               'swapped out and stay present',
               'at worst %d of %d swapped' % (worst['swapped'], nr_hot))
        tap.ok(flts <= nr_hot // 10,
               'pageout: the workload took <= %d major faults (hot pages '
               'not paged out and back)' % (nr_hot // 10),
               '%d major faults' % flts)
        span_sz = span[1] - span[0]
        tap.ok(st and 0.8 * cold_bytes <= st[0]['sz_applied'] <= 2 * span_sz,
               'pageout: sz_applied counts the reclaimed bytes, not the '
               'sizes of the regions tried',
               'sz_applied %s, idle pages %s, span %s' %
               (st and dm.mib(st[0]['sz_applied']), dm.mib(cold_bytes),
                dm.mib(span_sz)))
        kd.try_cmd('off')


with dm.Swap():
    for part in (part_target_nid, part_migrate, part_lru, part_pageout):
        da.kmsg('damos_paddr_actions: %s' % part.__name__)
        try:
            part()
        finally:
            da.reset()
tap.finish()
