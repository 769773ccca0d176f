#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS filters change what an action really does, and the filter
counters add up.

  counters  two paddr "stat" schemes over the physical span of a workload
            with 9 MiB of anonymous and 8 MiB of file-backed (tmpfs)
            memory; one filters anonymous pages out ("anon", matching
            Y), the other everything else (matching N).  The
            sz_filter_passed files of their tried regions must add up to
            at least the workload's file-backed resp. anonymous bytes,
            and at most the span minus the other kind;
            stats/sz_ops_filter_passed grows, and stays below sz_tried
  anon      paddr pageout with the anon filter (matching Y) pages out
            the file-backed buffer (pagemap present bits) and leaves the
            anonymous one alone (no swapped pages)
  memcg     paddr pageout over two workloads, one in a cgroup of its own,
            with a memcg filter (matching N: what is NOT in that cgroup
            is filtered out): only that workload's cold buffer is paged
            out
  young     paddr pageout of a buffer with one hot page in 16, with a
            young filter (matching Y): the idle pages are paged out, the
            hot ones stay and the workload takes next to no major faults
  addr,     one vaddr context with two workloads; pageout with a
  target    "target" filter for target 0 and an "addr" filter for the
            first half of target 1's cold buffer (both matching Y): only
            the second half is paged out; then with the addr filter
            matching N, the first half goes too, target 0 never
"""

import os
import time

import damon_admin as da
import damon_measure as dm

PA_SAMPLE_US, PA_AGGR_US = 10000, 200000
PA_MAX_NR = PA_AGGR_US // PA_SAMPLE_US
VA_SAMPLE_US, VA_AGGR_US = 5000, 100000

tap = da.Tap('damos_filters: anon, memcg, young, addr and target filters '
             'and their counters')
da.require_admin()
dm.exit_on_sigterm()
if not dm.Swap.available():
    da.Tap.skip_all('no /dev/zram0 (CONFIG_ZRAM) for swap')
if not dm.Cgroup.available():
    da.Tap.skip_all('no memory controller in /sys/fs/cgroup')
da.reset()

CGROUP = 'damon_selftest_filters'


def paddr_kdamond(span, schemes):
    kd = da.Kdamond(0).setup('paddr', [{'regions': [span]}],
                             sample_us=PA_SAMPLE_US, aggr_us=PA_AGGR_US,
                             nr_regions=(10, 100), schemes=[{}])
    dm.set_schemes(kd, schemes)
    return kd


def turn_on(kd, what):
    err = kd.try_cmd('on')
    return tap.ok(not err, 'turn on %s' % what, 'errno %s' % err)


def union(*spans):
    return min(s[0] for s in spans), max(s[1] for s in spans)


def anon_filter(matching):
    return {'type': 'anon', 'matching': matching}


def part_counters_and_anon():
    with dm.Mix(['-H', 1024, '-C', 8192, '-F', 8192]) as wl:
        tap.diag('workload %d: %s' % (wl.pid, wl.describe()))
        span = dm.phys_span(wl.pid, [wl['hot'], wl['cold'], wl['file']])
        span_sz = span[1] - span[0]
        anon_sz = wl.size('hot') + wl.size('cold')
        file_sz = wl.size('file')
        tap.diag('physical span %s' % dm.mib(span_sz))
        kd = paddr_kdamond(span, [dict(filters=[anon_filter(True)]),
                                  dict(filters=[anon_filter(False)])])
        if not turn_on(kd, 'paddr with two stat schemes and anon filters'):
            return
        time.sleep(3)
        st0 = dm.all_stats(kd, 2)
        err = kd.try_cmd('update_schemes_tried_regions')
        regions = [dm.tried_regions(kd, i) for i in range(2)]
        st1 = dm.all_stats(kd, 2)
        tap.ok(not err and regions[0] and regions[1],
               'both stat schemes have tried regions')
        have = all('sz_filter_passed' in r for rr in regions for r in rr)
        tap.ok(have, 'every tried region has a sz_filter_passed file')
        if have:
            passed = [sum(r['sz_filter_passed'] for r in rr)
                      for rr in regions]
            tap.diag('sz_filter_passed: %s with anon filtered out, %s with '
                     'non-anon filtered out; anon %s, file %s, span %s' %
                     (dm.mib(passed[0]), dm.mib(passed[1]), dm.mib(anon_sz),
                      dm.mib(file_sz), dm.mib(span_sz)))
            tap.ok(0.8 * file_sz <= passed[0] <= span_sz - 0.8 * anon_sz,
                   'anon filter Y: the tried regions passed about the '
                   'file-backed bytes')
            tap.ok(0.8 * anon_sz <= passed[1] <= span_sz - 0.8 * file_sz,
                   'anon filter N: the tried regions passed about the '
                   'anonymous bytes')
            tap.ok(all(r['sz_filter_passed'] <= r['end'] - r['start']
                       for rr in regions for r in rr),
                   'no region passed more bytes than it has')
        ok = st0 and st1 and 'sz_ops_filter_passed' in st1[0]
        tap.ok(ok, 'stats/sz_ops_filter_passed exists')
        if ok:
            tap.diag('stats: %s; %s' % (st1[0], st1[1]))
            for i, what in ((0, 'anon filter Y'), (1, 'anon filter N')):
                grew = st1[i]['sz_ops_filter_passed'] - \
                    st0[i]['sz_ops_filter_passed']
                tap.ok(grew > 0 and st1[i]['sz_ops_filter_passed'] <=
                       st1[i]['sz_tried'],
                       '%s: sz_ops_filter_passed grows and stays below '
                       'sz_tried' % what, 'grew by %d' % grew)
            share = st1[1]['sz_ops_filter_passed'] / st1[1]['sz_tried']
            tap.ok(share >= 0.8 * anon_sz / span_sz,
                   'anon filter N: the passed share of the tried bytes is '
                   'at least the anonymous share of the span',
                   'share %.2f, anonymous %.2f' % (share, anon_sz / span_sz))

        # now pageout, anonymous pages filtered out
        dm.set_schemes(kd, [dict(action='pageout', nr_accesses=(0, 0),
                                 filters=[anon_filter(True)])])
        err = kd.try_cmd('commit')
        if not tap.ok(not err, 'commit a pageout scheme with the anon '
                      'filter (matching Y)', 'errno %s' % err):
            return
        poll = dm.Poll(lambda: dm.Pages(wl.pid, wl['file']),
                       lambda p: p.present_frac <= 0.1, 60)
        cold = dm.Pages(wl.pid, wl['cold'])
        st = dm.all_stats(kd, 1)
        tap.diag('after %.0fs: file buffer %s; anonymous cold buffer %s; '
                 'stats %s' % (poll.seconds, poll.value, cold, st and st[0]))
        tap.ok(poll.ok, 'anon Y: >= 90% of the file-backed buffer left '
               'memory', str(poll.value))
        tap.ok(cold.swapped == 0 and cold.present_frac >= 0.99,
               'anon Y: the anonymous cold buffer was not paged out '
               '(control)', str(cold))
        tap.ok(st and st[0].get('sz_ops_filter_passed', 0) >= 0.8 * file_sz,
               'anon Y: sz_ops_filter_passed counts at least the file-backed '
               'bytes paged out')
        kd.try_cmd('off')


def part_memcg(cg):
    with dm.Mix(['-C', 8192], cgroup=cg) as wa, dm.Mix(['-C', 8192]) as wb:
        tap.diag('in %s: %d %s; outside: %d %s' % (cg.path, wa.pid,
                                                   wa.describe(), wb.pid,
                                                   wb.describe()))
        span = union(dm.phys_span(wa.pid, [wa['cold']]),
                     dm.phys_span(wb.pid, [wb['cold']]))
        tap.diag('physical span %s' % dm.mib(span[1] - span[0]))
        kd = paddr_kdamond(span, [dict(
            action='pageout', nr_accesses=(0, 0),
            filters=[{'type': 'memcg', 'memcg_path': cg.path,
                      'matching': False}])])
        if not turn_on(kd, 'paddr pageout with a memcg filter (matching '
                       'N) for %s' % cg.path):
            return
        poll = dm.Poll(lambda: dm.Pages(wa.pid, wa['cold']),
                       lambda p: p.swapped_frac >= 0.9, 60)
        other = dm.Pages(wb.pid, wb['cold'])
        st = dm.all_stats(kd, 1)
        tap.diag('after %.0fs: in the cgroup %s; outside %s; stats %s' %
                 (poll.seconds, poll.value, other, st and st[0]))
        tap.ok(poll.ok, 'memcg N: >= 90% of the cold buffer of the process '
               'in the cgroup is swapped out', str(poll.value))
        tap.ok(other.swapped == 0 and other.present_frac >= 0.99,
               'memcg N: the cold buffer of the process outside it is not '
               '(control)', str(other))
        kd.try_cmd('off')


def part_young():
    with dm.Mix(['-M', 8192, '-s', 16]) as wl:
        mixed = wl['mixed']
        span = dm.phys_span(wl.pid, [mixed])
        nr_hot = dm.Pages(wl.pid, mixed, wl.hot_page).total
        kd = paddr_kdamond(span, [dict(
            action='pageout', nr_accesses=(0, PA_MAX_NR // 4),
            filters=[{'type': 'young', 'matching': True}])])
        flt0 = dm.majflt(wl.pid)
        if not turn_on(kd, 'paddr pageout with a young filter (matching '
                       'Y) over a buffer with one hot page in 16'):
            return
        worst = {'swapped': 0}

        def probe():
            hot = dm.Pages(wl.pid, mixed, wl.hot_page)
            worst['swapped'] = max(worst['swapped'], hot.swapped)
            return dm.Pages(wl.pid, mixed, wl.cold_page)
        poll = dm.Poll(probe, lambda p: p.swapped_frac >= 0.9, 90)
        for _ in range(3):
            probe()
            time.sleep(1)
        hot = dm.Pages(wl.pid, mixed, wl.hot_page)
        flts = dm.majflt(wl.pid) - flt0
        st = dm.all_stats(kd, 1)
        tap.diag('after %.0fs: idle pages %s; hot pages %s, at worst %d '
                 'swapped; %d major faults; stats %s' %
                 (poll.seconds, poll.value, hot, worst['swapped'], flts,
                  st and st[0]))
        tap.ok(poll.ok, 'young Y: >= 90% of the idle pages are swapped out',
               str(poll.value))
        tap.ok(worst['swapped'] <= nr_hot // 20 and
               flts <= nr_hot // 10 and hot.present_frac >= 0.95,
               'young Y: the hot pages stay (never seen swapped, few major '
               'faults)', '%d major faults' % flts)
        kd.try_cmd('off')


def part_addr_target():
    with dm.Mix(['-H', 1024, '-C', 8192]) as w0, \
            dm.Mix(['-H', 1024, '-C', 8192]) as w1:
        cold = w1['cold']
        half = cold[0] + (cold[1] - cold[0]) // 2
        first, second = (cold[0], half), (half, cold[1])
        tap.diag('target 0: %d %s; target 1: %d %s' %
                 (w0.pid, w0.describe(), w1.pid, w1.describe()))
        kd = da.Kdamond(0).setup('vaddr', [{'pid': w0.pid}, {'pid': w1.pid}],
                                 sample_us=VA_SAMPLE_US, aggr_us=VA_AGGR_US,
                                 nr_regions=(20, 1000), schemes=[{}])

        def scheme(addr_matching):
            return [dict(action='pageout', nr_accesses=(0, 0),
                         age=(5, da.UINT_MAX),
                         filters=[{'type': 'target', 'damon_target_idx': 0,
                                   'matching': True},
                                  {'type': 'addr', 'addr_start': first[0],
                                   'addr_end': first[1],
                                   'matching': addr_matching}])]
        dm.set_schemes(kd, scheme(True))
        if not turn_on(kd, 'vaddr pageout of two processes with a target '
                       'filter (0, Y) and an addr filter (Y)'):
            return

        def probe():
            return (dm.Pages(w1.pid, second), dm.Pages(w1.pid, first),
                    dm.Pages(w0.pid, w0['cold']))
        poll = dm.Poll(probe, lambda v: v[0].swapped_frac >= 0.9, 60)
        sec, fir, t0 = poll.value
        tap.diag('after %.0fs: target 1 second half %s, first half %s; '
                 'target 0 %s' % (poll.seconds, sec, fir, t0))
        tap.ok(poll.ok, 'addr Y: >= 90% of the half of target 1\'s cold '
               'buffer outside the range is swapped out', str(sec))
        tap.ok(fir.swapped_frac <= 0.05,
               'addr Y: the half inside the range is not (control)',
               str(fir))
        tap.ok(t0.swapped_frac <= 0.05,
               'target Y: target 0\'s cold buffer is not paged out', str(t0))

        dm.set_schemes(kd, scheme(False))
        err = kd.try_cmd('commit')
        if not tap.ok(not err, 'commit the addr filter with matching N',
                      'errno %s' % err):
            return
        poll = dm.Poll(probe, lambda v: v[1].swapped_frac >= 0.9, 60)
        sec, fir, t0 = poll.value
        tap.diag('after %.0fs: target 1 first half %s; target 0 %s' %
                 (poll.seconds, fir, t0))
        tap.ok(poll.ok, 'addr N: now the half inside the range is swapped '
               'out too', str(fir))
        tap.ok(t0.swapped_frac <= 0.05,
               'target Y: target 0\'s cold buffer still is not', str(t0))
        kd.try_cmd('off')


with dm.Swap(), dm.Cgroup(CGROUP) as cgroup:
    for part in (part_counters_and_anon, part_memcg, part_young,
                 part_addr_target):
        da.kmsg('damos_filters: %s' % part.__name__)
        try:
            if part is part_memcg:
                part(cgroup)
            else:
                part()
        finally:
            da.reset()
tap.finish()
