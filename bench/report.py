#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""report.py: BENCHMARKS.md, its plots and a summary from one bench/run.

Usage: /usr/bin/python3 bench/report.py RESULTS_DIR [--repo DIR]
                                        [--profiles DIR2] [--reclaim DIR3]

RESULTS_DIR is what bench/run filled: one directory per boot
(<kernel>-<n>/ and <kernel>-mem2-<n>/) holding results.json and the files
bench/guest.py wrote next to it, and "params".  Writes, in the repository:
BENCHMARKS.md, bench/plots/{heatmap-upstream,heatmap-ours,scaling}.png and
bench/results/summary.json (every figure of the tables, per boot).

Needs matplotlib (Debian's python3-matplotlib, hence /usr/bin/python3).
The text around the figures is bench/BENCHMARKS.md.in.

Where it lands: nowhere in the kernel tree; bench/ is developer tooling.
"""

import argparse
import gzip
import json
import math
import os
import re
import statistics
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt        # noqa: E402
import numpy as np                     # noqa: E402

KERNELS = ('upstream', 'ours')
MIB = 1 << 20
GIB = 1 << 30
TRACE_LINE = re.compile(r'\s(\d+\.\d+): damon_aggregated: target_id=\d+ '
                        r'nr_regions=(\d+) (\d+)-(\d+): (\d+) (\d+)\s*$')
SETTLE_S = 3.0          # steady state starts this long after a phase change
DETECT_F1 = 0.8         # a moved hot set is "seen" at this F1


# ---------------------------------------------------------------------------
# Loading

def load(results_dir):
    """{'params': {...}, 'boots': [(name, kernel, mem2, dir, results)]}"""
    params = {}
    try:
        with open(os.path.join(results_dir, 'params')) as f:
            for line in f:
                k, _, v = line.rstrip('\n').partition(' ')
                params[k] = v.strip()
    except OSError:
        pass
    boots = []
    for name in sorted(os.listdir(results_dir)):
        d = os.path.join(results_dir, name)
        if not os.path.isfile(os.path.join(d, 'results.json')):
            continue
        res = load_results(d)
        try:
            with open(os.path.join(d, 'run-status')) as f:
                res['run_status'] = int(f.read().strip() or -1)
        except (OSError, ValueError):
            res['run_status'] = None
        kernel = name.split('-')[0]
        boots.append((name, kernel, '-mem2-' in name, d, res))
    return {'params': params, 'boots': boots}


def stats(values):
    """(median, min, max, n) of the values that are not None."""
    v = [x for x in values if x is not None and not
         (isinstance(x, float) and math.isnan(x))]
    if not v:
        return None
    return (statistics.median(v), min(v), max(v), len(v))


def fmt(st, scale=1.0, digits=1, unit=''):
    if not st:
        return 'n/a'
    med, lo, hi, n = st

    def f(v):
        v *= scale
        if abs(v) < 0.5 * 10 ** -digits:
            v = 0.0         # no "-0"
        return ('%%.%df' % digits) % v
    s = f(med) + unit
    if n > 1:
        s += ' (' + f(lo) + '–' + f(hi) + ')'
    return s


def ratio(a, b, digits=2):
    """ours/upstream of two stats tuples."""
    if not a or not b or a[0] <= 0 or b[0] < 0:
        return 'n/a'        # no ratio of nothing, or of a negative
    return ('%%.%df' % digits) % (b[0] / a[0])


# ---------------------------------------------------------------------------
# Ground truth and traces

def read_truth(path):
    bufs, phases, period = {}, {}, None
    with open(path) as f:
        for line in f:
            t = line.split()
            if not t:
                continue
            if t[0] == 'period_us':
                period = int(t[1])
            elif t[0] == 'buf':
                bufs[t[1]] = {'start': int(t[2], 16), 'end': int(t[3], 16),
                              'kind': t[4], 'pages': int(t[6]) // 4096}
            elif t[0] == 'phase':
                phases[int(t[1])] = {'start': float(t[2]), 'want': {},
                                     'got': {}}
            elif t[0] == 'want':
                phases[int(t[1])]['want'][t[2]] = int(t[3])
            elif t[0] == 'end':
                phases[int(t[1])]['end'] = float(t[2])
            elif t[0] == 'got':
                phases[int(t[1])]['got'][t[2]] = float(t[4])
    return {'bufs': bufs, 'phases': phases, 'period_us': period}


def read_trace(path, aggr_s):
    """Aggregations: [(ts, [(start, end, nr_accesses), ...])], split where
    records are further apart than a third of the aggregation interval."""
    recs = []
    with gzip.open(path, 'rt') as f:
        for line in f:
            m = TRACE_LINE.search(line)
            if m:
                recs.append((float(m.group(1)), int(m.group(3)),
                             int(m.group(4)), int(m.group(5))))
    recs.sort(key=lambda r: r[0])
    aggs = []
    last = None
    for ts, s, e, nr in recs:
        if last is None or ts - last > aggr_s / 3:
            aggs.append((ts, []))
        aggs[-1][1].append((s, e, nr))
        last = ts
    return aggs


def overlap(a0, a1, b0, b1):
    return max(0, min(a1, b1) - max(a0, b0))


def expected_nr(hz, sample_s, aggr_s):
    """nr_accesses a page touched @hz times a second should show."""
    return min(1.0, hz * sample_s) * aggr_s / sample_s


def accuracy_of(run_dir, res):
    """Per group (4k, thp): per-aggregation precision/recall/F1 in steady
    state, and the time to see each moved hot set again."""
    acc = res['accuracy']
    truth = read_truth(os.path.join(run_dir, acc['truth']))
    sample_s, aggr_s = acc['sample_us'] / 1e6, acc['aggr_us'] / 1e6
    aggs = read_trace(os.path.join(run_dir, acc['trace']), aggr_s)
    bufs, phases = truth['bufs'], truth['phases']
    groups = {}
    for name, b in bufs.items():
        g = groups.setdefault(b['kind'], {'start': b['start'],
                                          'end': b['end'], 'bufs': []})
        g['start'] = min(g['start'], b['start'])
        g['end'] = max(g['end'], b['end'])
        g['bufs'].append(name)
    out = {}
    for kind, g in groups.items():
        per_agg = []
        detect = []
        thresholds = []
        for idx in sorted(phases):
            p = phases[idx]
            if idx == 0 or 'end' not in p:
                continue        # phase 0 is the warm-up
            hot = [n for n in g['bufs'] if p['want'].get(n) == 1]
            warm = [n for n in g['bufs'] if p['want'].get(n) == 4]
            if not hot:
                continue
            e_hot = statistics.mean(expected_nr(p['got'][n], sample_s,
                                                aggr_s) for n in hot)
            e_warm = statistics.mean(expected_nr(p['got'][n], sample_s,
                                                 aggr_s) for n in warm) \
                if warm else 0
            # hot: at least the geometric mean of what the hot and the
            # warm buffers should show (at least 1)
            thr = max(1.0, math.sqrt(e_hot * max(e_warm, 0.5)))
            thresholds.append(thr)
            hot_bytes = sum(bufs[n]['end'] - bufs[n]['start'] for n in hot)
            seen = None
            for ts, regions in aggs:
                if ts - aggr_s < p['start'] or ts > p['end']:
                    continue
                pred = tp = 0
                for s, e, nr in regions:
                    ov = overlap(s, e, g['start'], g['end'])
                    if not ov or nr < thr:
                        continue
                    pred += ov
                    tp += sum(overlap(s, e, bufs[n]['start'], bufs[n]['end'])
                              for n in hot)
                prec = tp / pred if pred else 0.0
                rec = tp / hot_bytes
                f1 = 2 * tp / (pred + hot_bytes)
                if seen is None and f1 >= DETECT_F1:
                    seen = ts - p['start']
                if ts - p['start'] >= SETTLE_S:
                    per_agg.append((prec, rec, f1))
            detect.append(seen)
        if not per_agg:
            continue
        out[kind] = {
            'precision': statistics.median(a[0] for a in per_agg),
            'recall': statistics.median(a[1] for a in per_agg),
            'f1': statistics.median(a[2] for a in per_agg),
            'f1_mean': statistics.mean(a[2] for a in per_agg),
            'detect_s': [d for d in detect],
            'threshold': statistics.mean(thresholds),
            'aggregations': len(per_agg),
        }
    # requested vs achieved rates of the hot buffers
    ach = []
    for idx, p in phases.items():
        if idx == 0 or 'end' not in p or not truth['period_us']:
            continue
        for n, d in p['want'].items():
            if d:
                want = 1e6 / (truth['period_us'] * d)
                ach.append(p['got'].get(n, 0) / want)
    out['achieved'] = statistics.median(ach) if ach else None
    return out, truth, aggs


# ---------------------------------------------------------------------------
# Plots

def heatmap(path, kernel, truth, aggs, aggr_s):
    bufs = truth['bufs']
    lo = min(b['start'] for b in bufs.values())
    hi = max(b['end'] for b in bufs.values())
    t0 = truth['phases'][0]['start']
    rows = 256
    edges = np.linspace(lo, hi, rows + 1)
    cols = []
    times = []
    for ts, regions in aggs:
        col = np.zeros(rows)
        for s, e, nr in regions:
            if e <= lo or s >= hi:
                continue
            a = max(0, np.searchsorted(edges, s, 'right') - 1)
            b = min(rows, np.searchsorted(edges, e, 'left'))
            col[a:b] = np.maximum(col[a:b], nr)
        cols.append(col)
        times.append(ts - t0)
    if not cols:
        return
    grid = np.array(cols).T
    tmax = max(times)
    fig, (ax0, ax1) = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True,
                                   gridspec_kw={'height_ratios': [1, 3]})
    # ground truth: requested touches per second per buffer
    tgrid = np.zeros((rows, 1 + int(tmax / aggr_s)))
    for idx, p in truth['phases'].items():
        c0 = int((p['start'] - t0) / aggr_s)
        c1 = int((p.get('end', p['start']) - t0) / aggr_s)
        for n, d in p['want'].items():
            b = bufs[n]
            a = np.searchsorted(edges, b['start'], 'left')
            z = np.searchsorted(edges, b['end'], 'left')
            tgrid[a:z, max(0, c0):max(0, c1)] = (1.0 / d) if d else 0
    mb = (hi - lo) / MIB
    ax0.imshow(tgrid, aspect='auto', origin='lower', cmap='magma',
               extent=[0, tmax, 0, mb], interpolation='nearest')
    ax0.set_ylabel('MiB')
    ax0.set_title('ground truth: share of sweeps touching each buffer',
                  fontsize=9)
    im = ax1.imshow(grid, aspect='auto', origin='lower', cmap='magma',
                    extent=[min(times), tmax, 0, mb],
                    interpolation='nearest',
                    vmin=0, vmax=max(1, grid.max()))
    ax1.set_ylabel('offset in the workload (MiB)')
    ax1.set_xlabel('seconds since the workload started')
    ax1.set_title('%s DAMON: nr_accesses per aggregation (5 ms / 100 ms)'
                  % kernel, fontsize=9)
    split = min(b['start'] for b in bufs.values() if b['kind'] == 'thp')
    for ax in (ax0, ax1):
        ax.axhline((split - lo) / MIB, color='cyan', lw=0.6, ls='--')
        for idx, p in truth['phases'].items():
            ax.axvline(p['start'] - t0, color='white', lw=0.5, ls=':')
    ax1.text(0.5, ((split - lo) / 2) / MIB, '4 KiB pages', color='cyan',
             fontsize=8)
    ax1.text(0.5, ((split - lo) + (hi - split) / 2) / MIB, 'THP',
             color='cyan', fontsize=8)
    fig.colorbar(im, ax=[ax0, ax1], label='nr_accesses', shrink=0.8)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def scaling_plot(path, series):
    """series: {label: [(bytes, stats)]}"""
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    styles = {'upstream': ('tab:blue', 'o'), 'ours': ('tab:red', 's')}
    for label, pts in sorted(series.items()):
        pts = sorted(p for p in pts if p[1])
        if not pts:
            continue
        kernel = label.split()[0]
        color, marker = styles.get(kernel, ('gray', 'x'))
        ls = '-' if 'vaddr' in label else '--'
        x = [p[0] for p in pts]
        y = [p[1][0] * 100 for p in pts]
        err = [[(p[1][0] - p[1][1]) * 100 for p in pts],
               [(p[1][2] - p[1][0]) * 100 for p in pts]]
        ax.errorbar(x, y, yerr=err, color=color, marker=marker, ls=ls,
                    capsize=3, label=label)
    ax.set_xscale('log', base=2)
    ax.set_xlabel('monitored memory (bytes; vaddr: virtual, sparse with '
                  '64 MiB in use; paddr: physical)')
    ax.set_ylabel('kdamond CPU (% of one CPU)')
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title('kdamond CPU as the monitored memory grows (5 ms / 100 ms, '
                 '10..1000 regions)', fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------------------
# Tables

def cpu_of(row):
    c = row.get('cpu') or {}
    v = c.get('schedstat')
    return v if v is not None else c.get('stat')


def per_region(row):
    """kdamond CPU per region of one measurement."""
    cpu, nr = cpu_of(row), (row.get('regions') or {}).get('mean')
    return cpu / nr if cpu is not None and nr else None


def table(header, rows):
    out = ['| ' + ' | '.join(header) + ' |',
           '|' + '|'.join(' --- ' for _ in header) + '|']
    for r in rows:
        out.append('| ' + ' | '.join(r) + ' |')
    return '\n'.join(out)


def by_kernel(boots, pick):
    """{kernel: [pick(results) for each main boot of that kernel]}"""
    out = {k: [] for k in KERNELS}
    for name, kernel, mem2, d, res in boots:
        if mem2 or kernel not in out:
            continue
        v = pick(name, d, res)
        if v is not None:
            out[kernel].append(v)
    return out


def overhead_section(boots, summary, findings):
    rows_by = by_kernel(boots, lambda n, d, r: {row['name']: row for row in
                                                 r.get('overhead', [])})
    names = []
    for runs in rows_by.values():
        for r in runs:
            for n in r:
                if n not in names:
                    names.append(n)
    cpu_rows, tp_rows = [], []
    off = {k: stats([r['off']['throughput'] for r in rows_by[k]
                     if 'off' in r]) for k in KERNELS}
    summary['overhead'] = {}
    for n in names:
        st = {}
        for k in KERNELS:
            runs = [r[n] for r in rows_by[k] if n in r]
            st[k] = {'cpu': stats([cpu_of(x) for x in runs]),
                     'per_region': stats([per_region(x) for x in runs]),
                     'regions': stats([(x.get('regions') or {}).get('mean')
                                       for x in runs]),
                     'tp': stats([x.get('throughput') for x in runs])}
        summary['overhead'][n] = st
        u, o = st['upstream'], st['ours']
        if n != 'off':
            ops, sample, aggr, nrmax = n.split('-')
            cfg = '%s, %s ms / %s ms, 10..%s' % (ops, sample, aggr, nrmax)
            cpu_rows.append([cfg, fmt(u['cpu'], 100, 2, '%'),
                             fmt(o['cpu'], 100, 2, '%'),
                             ratio(u['cpu'], o['cpu']),
                             fmt(u['regions'], 1, 0), fmt(o['regions'], 1, 0),
                             ratio(u['per_region'], o['per_region'])])
            if u['cpu'] and o['cpu'] and o['cpu'][0] > 1.15 * u['cpu'][0] \
                    and o['cpu'][1] > u['cpu'][2]:
                findings.append('kdamond CPU, %s: ours %s of a CPU against '
                                'upstream %s (x%s), with x%s the regions '
                                'and x%s the CPU per region' % (
                                    cfg, fmt(o['cpu'], 100, 2, '%'),
                                    fmt(u['cpu'], 100, 2, '%'),
                                    ratio(u['cpu'], o['cpu']),
                                    ratio(u['regions'], o['regions']),
                                    ratio(u['per_region'],
                                          o['per_region'])))
        else:
            cfg = 'monitoring off'
        rel = {}
        for k in KERNELS:
            t = st[k]['tp']
            rel[k] = (t[0] / off[k][0]) if t and off[k] else None
        tp_rows.append([cfg, fmt(u['tp'], 1 / 1e6, 3),
                        fmt(o['tp'], 1 / 1e6, 3),
                        ratio(u['tp'], o['tp']),
                        '%.3f' % rel['upstream'] if rel['upstream'] else
                        'n/a',
                        '%.3f' % rel['ours'] if rel['ours'] else 'n/a'])
    u_off, o_off = off['upstream'], off['ours']
    if u_off and o_off:
        summary['overhead_noise'] = (
            'With monitoring off the two kernels run the same code (DAMON '
            'is idle), yet the workload\'s median throughput differs by '
            'x%s between them (ours/upstream) and spans %s to %s Mpages/s '
            'over the boots: that is the noise floor of this run, and '
            'throughput differences within it mean nothing.' % (
                ratio(u_off, o_off),
                '%.2f' % (min(u_off[1], o_off[1]) / 1e6),
                '%.2f' % (max(u_off[2], o_off[2]) / 1e6)))
    t1 = table(['configuration', 'upstream kdamond CPU', 'ours kdamond CPU',
                'ours/upstream', 'upstream regions', 'ours regions',
                'ours/upstream per region'], cpu_rows)
    t2 = table(['configuration', 'upstream Mpages/s', 'ours Mpages/s',
                'ours/upstream', 'upstream vs off', 'ours vs off'], tp_rows)
    return t1, t2


def accuracy_section(boots, summary, findings, plots_dir, plots):
    per = {k: [] for k in KERNELS}
    shown = set()
    for name, kernel, mem2, d, res in boots:
        if mem2 or kernel not in per or 'accuracy' not in res:
            continue
        try:
            acc, truth, aggs = accuracy_of(d, res)
        except (OSError, KeyError, ValueError) as e:
            print('accuracy of %s: %r' % (name, e), file=sys.stderr)
            continue
        per[kernel].append(acc)
        if kernel not in shown:
            shown.add(kernel)
            png = os.path.join(plots_dir, 'heatmap-%s.png' % kernel)
            heatmap(png, kernel, truth, aggs,
                    res['accuracy']['aggr_us'] / 1e6)
            plots[kernel] = (png, name)
    rows = []
    summary['accuracy'] = {}
    for kind, label in (('4k', '4 KiB pages'), ('thp', 'THP')):
        st = {}
        for k in KERNELS:
            runs = [a[kind] for a in per[k] if kind in a]
            det = [x for a in runs for x in a['detect_s']]
            st[k] = {m: stats([a[m] for a in runs]) for m in
                     ('precision', 'recall', 'f1')}
            st[k]['detect'] = stats([x for x in det if x is not None])
            st[k]['missed'] = sum(1 for x in det if x is None)
            st[k]['phases'] = len(det)
            st[k]['threshold'] = stats([a['threshold'] for a in runs])
        summary['accuracy'][kind] = st
        u, o = st['upstream'], st['ours']
        for m, title in (('precision', 'precision'), ('recall', 'recall'),
                         ('f1', 'F1')):
            rows.append(['%s: %s' % (label, title), fmt(u[m], 1, 3),
                         fmt(o[m], 1, 3), ratio(u[m], o[m])])
            if u[m] and o[m] and o[m][0] < u[m][0] - 0.05:
                findings.append('accuracy, %s %s: ours %s against upstream '
                                '%s' % (label, title, fmt(o[m], 1, 3),
                                        fmt(u[m], 1, 3)))
        rows.append(['%s: time to see a moved hot set (s)' % label,
                     fmt(u['detect'], 1, 1) + ', missed %d/%d' %
                     (u['missed'], u['phases']),
                     fmt(o['detect'], 1, 1) + ', missed %d/%d' %
                     (o['missed'], o['phases']),
                     ratio(u['detect'], o['detect'])])
        if u['detect'] and o['detect'] and \
                o['detect'][0] > 1.3 * u['detect'][0] + 0.2:
            findings.append('accuracy, %s: ours takes %s s to see a moved '
                            'hot set, upstream %s s' % (
                                label, fmt(o['detect'], 1, 1),
                                fmt(u['detect'], 1, 1)))
    ach = {k: stats([a.get('achieved') for a in per[k]]) for k in KERNELS}
    summary['accuracy']['achieved'] = ach
    return table(['metric (per aggregation, byte-weighted)', 'upstream',
                  'ours', 'ours/upstream'], rows), ach


def label_of(ops, mem):
    return ops if ops == 'vaddr' else 'paddr, %d GiB guest' % (mem // GIB)


def scaling_section(boots, summary, findings, plots_dir, flat):
    """The table and plot; appends (kernel, line, smallest, largest,
    cpu ratio largest/smallest) to @flat."""
    summary_pts = {}
    series = {}
    rows = []
    summary['scaling'] = {}
    pts = {}
    for name, kernel, mem2, d, res in boots:
        if kernel not in KERNELS:
            continue
        for row in res.get('scaling', []) + res.get('paddr_scaling', []):
            if row['ops'] == 'vaddr':
                key = ('vaddr', row['bytes'], None)
            else:
                # the two kernels' MemTotal differ by their image sizes:
                # the guest size is what names the line
                key = ('paddr', row['bytes'],
                       round(row.get('memtotal', 0) / GIB) * GIB)
            pts.setdefault(key, {k: [] for k in KERNELS})[kernel].append(
                cpu_of(row))
    mems = sorted({k[2] for k in pts if k[0] == 'paddr' and k[2]})

    def memlabel(m):
        return '%d GiB guest' % (m // GIB)
    for key in sorted(pts, key=lambda k: (k[0], k[2] or 0, k[1])):
        ops, nbytes, mem = key
        st = {k: stats(pts[key][k]) for k in KERNELS}
        for k in KERNELS:
            label = '%s %s' % (k, ops) if ops == 'vaddr' else \
                '%s paddr, %s' % (k, memlabel(mem))
            series.setdefault(label, []).append((nbytes, st[k]))
        what = '%s %s' % (ops, human(nbytes))
        if ops == 'paddr':
            what += ' of a %s' % memlabel(mem)
        if ops == 'paddr' and nbytes >= mem * 0.8:
            what += ' (all of it: the span of its physical addresses, ' \
                'holes included)'
        summary_pts.setdefault(label_of(ops, mem), []).append(
            (nbytes, st))
        rows.append([what, fmt(st['upstream'], 100, 2, '%'),
                     fmt(st['ours'], 100, 2, '%'),
                     ratio(st['upstream'], st['ours'])])
        summary['scaling']['%s-%d-%s' % (ops, nbytes, mem)] = st
    # flatness: largest size against smallest, per line and kernel
    for lbl, pts_ in summary_pts.items():
        pts_.sort(key=lambda p: p[0])
        for k in KERNELS:
            a, b = pts_[0][1][k], pts_[-1][1][k]
            if a and b and a[0] and len(pts_) > 1:
                flat.append((k, lbl, human(pts_[0][0]), human(pts_[-1][0]),
                             b[0] / a[0], a, b))
    png = os.path.join(plots_dir, 'scaling.png')
    scaling_plot(png, series)
    return table(['monitored', 'upstream kdamond CPU', 'ours kdamond CPU',
                  'ours/upstream'], rows), png, mems


def human(n):
    for unit, size in (('TiB', 1 << 40), ('GiB', GIB), ('MiB', MIB)):
        if n >= size:
            v = n / size
            return ('%d %s' if v == int(v) else '%.1f %s') % (v, unit)
    return '%d B' % n


def reclaim_section(boots, summary, findings):
    per = {k: {} for k in KERNELS}
    info = None
    for name, kernel, mem2, d, res in boots:
        if mem2 or kernel not in per or 'reclaim' not in res:
            continue
        info = res['reclaim']
        for run in res['reclaim']['runs']:
            per[kernel].setdefault(run['mode'], []).append(run)
    if not info:
        return None, None

    def saved(r):
        return (r['rss_before'] - r['rss_after']) - r.get('zram_used', 0)

    def applied(r):
        """Bytes DAMOS says it reclaimed: the module's
        bytes_reclaimed_regions, or the scheme's sz_applied."""
        if 'module_stats' in r:
            return int(r['module_stats'].get('bytes_reclaimed_regions', 0))
        if 'scheme_stats' in r:
            return r['scheme_stats'].get('sz_applied')
        return None

    def exceeds(r):
        if 'module_stats' in r:
            return int(r['module_stats'].get('nr_quota_exceeds', 0))
        if 'scheme_stats' in r:
            return r['scheme_stats'].get('qt_exceeds')
        return None

    def action_ms(r):
        """Milliseconds spent in the action over the run, by the
        function_graph clock of bench/guest.py (ActionClock)."""
        a = r.get('action')
        return a['ms'] if a else None

    def per_action_ms(r):
        """Bytes reclaimed per millisecond actually spent in the action."""
        a, b = r.get('action'), applied(r)
        if not a or b is None or a['ms'] < 1:
            return None
        return b / a['ms']

    base_tp = {k: stats([r['throughput'] for r in per[k].get('none', [])])
               for k in KERNELS}
    rows = []
    summary['reclaim'] = {}
    for mode, label in (('none', 'no DAMON'),
                        ('damon_reclaim', 'damon_reclaim module'),
                        ('sysfs_pageout', 'sysfs paddr pageout scheme')):
        st = {}
        for k in KERNELS:
            runs = per[k].get(mode, [])
            tp = stats([r['throughput'] for r in runs])
            st[k] = {
                'saved': stats([saved(r) for r in runs]),
                'swapped': stats([r['swap_used'] for r in runs]),
                'majflt': stats([r['majflt'] for r in runs]),
                'tp_rel': stats([r['throughput'] / base_tp[k][0]
                                 for r in runs]) if base_tp[k] else None,
                'cpu': stats([cpu_of(r) for r in runs]),
                'tp': tp,
                'applied': stats([applied(r) for r in runs]),
                'exceeds': stats([exceeds(r) for r in runs]),
                'action': stats([action_ms(r) for r in runs]),
                'per_ms': stats([per_action_ms(r) for r in runs]),
            }
        summary['reclaim'][mode] = st
        for m, title, sc, dg, unit in (
                ('saved', 'memory saved (MiB)', 1 / MIB, 0, ''),
                ('applied', 'reclaimed by its own count (MiB)', 1 / MIB, 1,
                 ''),
                ('exceeds', 'quota windows that ran out', 1, 0, ''),
                ('action', 'time spent in the action over the run, by '
                 'the tracer (ms)', 1, 0, ''),
                ('per_ms', 'reclaimed per ms of that time (KiB)', 1 / 1024,
                 1, ''),
                ('majflt', 'refaults of hot/warm pages (major faults)', 1, 0,
                 ''),
                ('tp_rel', 'throughput vs no DAMON', 1, 3, ''),
                ('cpu', 'kdamond CPU', 100, 2, '%')):
            if mode == 'none' and m in ('saved', 'cpu', 'tp_rel',
                                        'applied', 'exceeds', 'action',
                                        'per_ms'):
                continue
            u, o = st['upstream'][m], st['ours'][m]
            rows.append(['%s: %s' % (label, title), fmt(u, sc, dg, unit),
                         fmt(o, sc, dg, unit), ratio(u, o)])
    # ours worse than upstream's working equivalent (its sysfs scheme),
    # beyond the spread of the boots
    ref = summary['reclaim']['sysfs_pageout']['upstream']
    for mode in ('damon_reclaim', 'sysfs_pageout'):
        o = summary['reclaim'][mode]['ours']
        if o['tp_rel'] and ref['tp_rel'] and \
                o['tp_rel'][0] < ref['tp_rel'][0] - 0.05 and \
                o['tp_rel'][2] < ref['tp_rel'][1]:
            findings.append('reclaim, %s: the workload ran at %s of its '
                            'unmonitored throughput with ours, %s with '
                            'upstream\'s sysfs pageout scheme' % (
                                mode, fmt(o['tp_rel'], 1, 3),
                                fmt(ref['tp_rel'], 1, 3)))
        if o['saved'] and ref['saved'] and \
                o['saved'][0] < ref['saved'][0] * 0.85 and \
                o['saved'][2] < ref['saved'][1]:
            why = ''
            if o['action'] and ref['action'] and o['per_ms'] and \
                    ref['per_ms']:
                why = ('; by the tracer\'s common clock upstream spent %s ms '
                       'in the action over the run under the same 10 ms/s '
                       'quota, ours %s ms, and per millisecond spent ours '
                       'reclaimed x%s of upstream\'s%s' % (
                           fmt(ref['action'], 1, 0), fmt(o['action'], 1, 0),
                           ratio(ref['per_ms'], o['per_ms']),
                           ': the gap is in the time each kernel lets the '
                           'action take, not in what it gets done in that '
                           'time' if o['per_ms'][0] >= 0.85 *
                           ref['per_ms'][0] else ''))
            findings.append('reclaim, %s: ours saved %s MiB, upstream\'s '
                            'sysfs pageout scheme %s MiB%s' % (
                                mode, fmt(o['saved'], 1 / MIB, 0),
                                fmt(ref['saved'], 1 / MIB, 0), why))
        if o['per_ms'] and ref['per_ms']:
            # judged by the same clock for both kernels
            if o['per_ms'][0] < ref['per_ms'][0] * 0.85 and \
                    o['per_ms'][2] < ref['per_ms'][1]:
                findings.append(
                    'reclaim, %s: per millisecond actually spent in the '
                    'action (function_graph), ours paged out %s KiB, '
                    'upstream\'s sysfs pageout scheme %s KiB: our paddr '
                    'pageout gets less done per millisecond' % (
                        mode, fmt(o['per_ms'], 1 / 1024, 1),
                        fmt(ref['per_ms'], 1 / 1024, 1)))
        elif o['applied'] and ref['applied'] and \
                o['applied'][0] < ref['applied'][0] * 0.85 and \
                o['applied'][2] < ref['applied'][1]:
            findings.append(
                'reclaim, %s: within the same 10 ms per second time quota '
                'ours paged out %s MiB by its own count (quota exhausted '
                'in %s windows), upstream\'s sysfs pageout scheme %s MiB '
                '(%s windows): our paddr pageout gets less done per '
                'millisecond of quota' % (
                    mode, fmt(o['applied'], 1 / MIB, 1),
                    fmt(o['exceeds'], 1, 0),
                    fmt(ref['applied'], 1 / MIB, 1),
                    fmt(ref['exceeds'], 1, 0)))
    return table(['run', 'upstream', 'ours', 'ours/upstream'], rows), info


def reclaim_note(summary, info):
    """What the module runs did, in words: upstream 6.12's damon_reclaim
    is known not to reclaim (its online commit drops the pageout
    scheme); say whether this run saw that."""
    if not info:
        return ''
    st = summary.get('reclaim', {})
    lines = []
    for k in KERNELS:
        mod = (st.get('damon_reclaim') or {}).get(k) or {}
        sv = mod.get('saved')
        if not sv:
            lines.append('- %s damon_reclaim: no result.' % k)
            continue
        ex = mod.get('exceeds')
        quota = (' Its time quota (10 ms per 1 s window) ran out in %s '
                 'windows, so the quota is what bounds how much it '
                 'reclaims in this run (see the findings).' % fmt(ex, 1, 0)) \
            if ex and ex[0] > 0 else ''
        if sv[0] < 0.02 * info['cold_bytes'] and not (ex and ex[0] > 0):
            lines.append(
                '- **%s damon_reclaim saved nothing to speak of** (median '
                '%s MiB of a %.0f MiB cold part).%s' % (
                    k, fmt(sv, 1 / MIB, 0), info['cold_bytes'] / MIB,
                    ' This is the known behaviour of upstream 6.12.x: the '
                    'module monitors, but its online commit replaces the '
                    'context that carries the pageout scheme with one that '
                    'has none, so it never reclaims.  The fair comparison '
                    'for reclaim is therefore upstream\'s equivalent sysfs '
                    'pageout scheme (third block of rows).'
                    if k == 'upstream' else ''))
        else:
            lines.append('- %s damon_reclaim saved a median %s MiB of a '
                         '%.0f MiB cold part.%s' % (
                             k, fmt(sv, 1 / MIB, 0),
                             info['cold_bytes'] / MIB, quota))
    return '\n'.join(lines)


def targets_section(summary, flat):
    """The issue's targets, each with what this run measured."""
    out = []
    ov = summary.get('overhead', {})
    rs = []
    for n, st in ov.items():
        u, o = st['upstream']['cpu'], st['ours']['cpu']
        if n != 'off' and u and o and u[0]:
            rs.append((o[0] / u[0], n))
    if rs:
        out.append('- kdamond CPU ≤ upstream\'s at equal attributes (goal: '
                   'half): ours/upstream of the medians from %.2f to %.2f '
                   'over %d configurations; ≤ 1 in %d, ≤ 0.5 in %d (the '
                   'boot-to-boot spread is wide: see the overhead '
                   'table).%s' % (
                       min(r for r, _ in rs), max(r for r, _ in rs),
                       len(rs), sum(1 for r, _ in rs if r <= 1),
                       sum(1 for r, _ in rs if r <= 0.5),
                       ' Not met for: ' + ', '.join(
                           '%s (%.2f)' % (n, r) for r, n in rs if r > 1)
                       if any(r > 1 for r, _ in rs) else ''))
    acc = summary.get('accuracy', {})
    for kind, label in (('4k', '4 KiB pages'), ('thp', 'THP')):
        st = acc.get(kind)
        if not st:
            continue
        u, o = st['upstream']['f1'], st['ours']['f1']
        if u and o:
            d = (o[0] - u[0]) * 100
            out.append('- hot-set F1 ≥ upstream\'s (goal: +10 points), %s: '
                       'ours %.3f, upstream %.3f, %+.1f points: %s.' % (
                           label, o[0], u[0], d,
                           'goal met' if d >= 10 else
                           'target met, goal not' if d >= 0 else 'NOT met'))
    for k, lbl, lo, hi, r, a, b in flat:
        verdict = 'met' if r <= 1.10 else 'NOT met'
        if r > 1.10 and a[3] > 1 and b[1] <= a[2]:
            verdict += (' by the medians, though the boots overlap (%s at '
                        'the smallest size, %s at the largest): the rise '
                        'is within this run\'s spread' % (
                            fmt(a, 100, 2, '%'), fmt(b, 100, 2, '%')))
        out.append('- flat scaling (≤ +10%% from the smallest to the '
                   'largest size), %s %s, %s to %s: %+.0f%%: %s.' % (
                       k, lbl, lo, hi, (r - 1) * 100, verdict))
    rc = summary.get('reclaim', {})
    try:
        ours = rc['damon_reclaim']['ours']
        ups = rc['sysfs_pageout']['upstream']
        if ours['saved'] and ups['saved']:
            more = ours['saved'][0] > ups['saved'][0]
            slower = ours['tp_rel'] and ups['tp_rel'] and \
                ours['tp_rel'][0] < ups['tp_rel'][0] - 0.02
            out.append('- reclaim: more memory saved than upstream\'s '
                       'equivalent scheme at no more slowdown: ours '
                       '(damon_reclaim) %s MiB at %s of the unmonitored '
                       'throughput, upstream (sysfs pageout) %s MiB at '
                       '%s: %s.' % (
                           fmt(ours['saved'], 1 / MIB, 0),
                           fmt(ours['tp_rel'], 1, 3),
                           fmt(ups['saved'], 1 / MIB, 0),
                           fmt(ups['tp_rel'], 1, 3),
                           'met' if more and not slower else 'NOT met'))
    except (KeyError, TypeError):
        pass
    return '\n'.join(out) if out else '- no figures'


def run_note(params, nboots):
    """Say plainly when this is less than a medium-scale, 3-boot run."""
    scale = params.get('scale', '?')
    reps = int(params.get('reps', '0') or 0)
    notes = []
    if scale not in ('medium', 'full'):
        notes.append('this is a **%s-scale** run: every scenario is '
                     'shortened and some configurations are left out (see '
                     '"scale" below), so the figures are noisier than a '
                     'medium or full run\'s' % scale)
    if reps < 3 or min(nboots.values() or [0]) < 3:
        notes.append('**fewer than 3 boots per kernel** (%s): the spread '
                     'in brackets is over that many values only' %
                     ', '.join('%s %d' % kv for kv in nboots.items()))
    if params.get('note'):
        notes.append(params['note'])
    if not notes:
        return ''
    text = '; '.join(notes) + '.'
    return '> **Reduced run.** ' + text[0].upper() + text[1:]


def scale_text(name, cfg):
    """What the guests ran at scale @name, from the settings guest.py
    recorded (its SCALES)."""
    if not cfg:
        return name

    def size(v):
        return human(v) if isinstance(v, int) else \
            ('all' if v is None else str(v).replace('G', ' GiB')
             .replace('T', ' TiB'))
    return ('%s: overhead %d s warm-up + %d s measured per configuration '
            '(%s); accuracy %d s warm-up + %d phases of %d s; vaddr scaling '
            '%s; paddr scaling %s (%d s + %d s each); reclaim min_age %d s%s,'
            ' %d s per DAMON run (20 s without)' % (
                name, cfg['ov_warm'], cfg['ov_meas'],
                'max 1000 and 10000 regions' if cfg['ov_max10k'] else
                'max 1000 regions only',
                cfg['acc_warm'], cfg['acc_phases'], cfg['acc_len'],
                ', '.join(size(v) for v in cfg['sc_vaddr']),
                ', '.join(size(v) for v in cfg['sc_paddr']),
                cfg['sc_warm'], cfg['sc_meas'], cfg['rc_min_age'],
                '' if cfg['rc_min_age'] == 30 else
                ' (the seed\'s example 3 says 30 s)',
                cfg['rc_min_age'] + cfg['rc_after']))


def read_profile(path, top=12):
    """[(percent, symbol)] of a 'perf report --stdio --sort symbol', the
    first column (with --children, the share in and under the symbol)."""
    out = []
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*([0-9.]+)%\s+(?:[0-9.]+%\s+)?\[[k.]\]\s+'
                         r'(\S+)', line)
            if m:
                out.append((float(m.group(1)), m.group(2)))
    return out[:top] if top else out


def first_profiles(dirs, fname):
    """{kernel: (path of @fname, boot directory, "results/boot")} for the
    first boot of each kernel that has @fname, in the results directories
    @dirs (the first that has one wins)."""
    found = {}
    for rd in dirs:
        if not rd or not os.path.isdir(rd):
            continue
        for name in sorted(os.listdir(rd)):
            kernel = name.split('-')[0]
            f = os.path.join(rd, name, fname)
            if kernel in KERNELS and kernel not in found and \
                    os.path.isfile(f):
                found[kernel] = (f, os.path.join(rd, name), '%s/%s' % (
                    os.path.basename(os.path.realpath(rd)), name))
    return found


def profile_section(dirs):
    """Side by side, per operations set, the kdamond's hottest symbols in
    the first boot of each kernel that ran the "profile" scenario, found
    in the results directories @dirs."""
    found = {}
    for ops in ('vaddr', 'paddr'):
        for kernel, (f, _, label) in first_profiles(
                dirs, 'profile-%s.txt' % ops).items():
            found[(kernel, ops)] = (read_profile(f), label)
    if not found:
        return '(no profile in this run: add "profile" to --scenarios)'
    parts = []
    for ops in ('vaddr', 'paddr'):
        u = found.get(('upstream', ops), ([], 'n/a'))
        o = found.get(('ours', ops), ([], 'n/a'))
        rows = []
        for i in range(max(len(u[0]), len(o[0]))):
            cell = []
            for prof in (u[0], o[0]):
                cell.append('%.1f%% `%s`' % prof[i] if i < len(prof)
                            else '')
            rows.append(cell)
        parts.append('%s (from %s and %s):\n\n' % (ops, u[1], o[1]) +
                     table(['upstream kdamond', 'ours kdamond'], rows))
    return '\n\n'.join(parts)


# What the pageout profile shows: (symbol, what it is), in call order.
PAGEOUT_SYMS = [
    ('damon_pa_apply_scheme', 'the action (pageout)'),
    ('reclaim_pages', ' of which reclaim_pages(), core mm'),
    ('try_to_unmap_flush_dirty',
     '  of which the TLB flush before writing a dirty page out'),
    ('smp_call_function_many_cond',
     '   of which waiting for the other CPU to flush (IPI)'),
    ('damon_pa_check_accesses', 'checking the sampled pages'),
    ('damon_pa_prepare_access_checks', 'preparing the next samples'),
    ('schedule', 'going to sleep and waking up between samples'),
]


def pageout_profile_section(dirs):
    """The share of a paging-out kdamond's samples under each of
    PAGEOUT_SYMS, first boot of each kernel that has one."""
    found = {}
    for kernel, (f, d, label) in first_profiles(
            dirs, 'profile-pageout.txt').items():
        res = load_results(d)
        found[kernel] = (dict((sym, pct) for pct, sym in
                              read_profile(f, None)),
                         (res.get('profile') or {}).get('pageout_stats') or
                         {}, label)
    if len(found) < 2:
        return '(no pageout profile in this run: add "profile" to ' \
            '--scenarios)'
    u, o = found['upstream'], found['ours']
    rows = [['&nbsp;' * 2 * (len(what) - len(what.lstrip())) +
             '`%s`: %s' % (sym, what.strip()),
             '%.1f%%' % u[0].get(sym, 0.0), '%.1f%%' % o[0].get(sym, 0.0)]
            for sym, what in PAGEOUT_SYMS]
    # the scheme's stats count from its start, 8 s before the profile
    for key, what in (('sz_applied', 'paged out from the scheme\'s start '
                       'to the profile\'s end (KiB)'),
                      ('qt_exceeds', 'quota windows that ran out in that '
                       'time')):
        rows.append([what] + ['%d' % (k[1][key] // (1024 if key ==
                                                     'sz_applied' else 1))
                              if key in k[1] else 'n/a' for k in (u, o)])
    return 'From %s and %s:\n\n' % (u[2], o[2]) + table(
        ['share of the kdamond\'s samples in and under', 'upstream',
         'ours'], rows)


def load_results(d):
    """The results.json of the boot directory @d; {} if it has none."""
    try:
        with open(os.path.join(d, 'results.json')) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def stat_tuples(x, path=()):
    """(path, (median, min, max, n)) of every figure with a spread."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield from stat_tuples(v, path + (k,))
    elif isinstance(x, (list, tuple)) and len(x) == 4 and \
            all(isinstance(v, (int, float)) for v in x) and x[3] > 1:
        yield path, x


def reproducibility(summary, path):
    """How this run's figures compare with those of the run whose summary
    @path holds (the one before, as committed), written as a sentence;
    kept when the report of the same run is written again."""
    try:
        with open(path) as f:
            prev = json.load(f)
    except (OSError, ValueError):
        return 'no earlier run to compare with'
    if prev.get('results') == summary['results']:
        return prev.get('reproducibility', 'n/a')
    old, new = {}, {}
    for sec in ('overhead', 'scaling', 'accuracy'):
        old.update(stat_tuples(prev.get(sec, {}), (sec,)))
        new.update(stat_tuples(summary.get(sec, {}), (sec,)))
    inside, outside = 0, []
    r_inside, r_outside = 0, []
    for p, st in new.items():
        o = old.get(p)
        if not o:
            continue
        if o[1] <= st[0] <= o[2]:
            inside += 1
        else:
            outside.append('/'.join(p))
        if 'ours' not in p:
            continue
        # the ratio ours/upstream, against the range of ratios the
        # earlier run's spreads allow
        up = tuple('upstream' if x == 'ours' else x for x in p)
        nu, ou = new.get(up), old.get(up)
        if not nu or not ou or nu[0] <= 0 or ou[1] <= 0 or ou[2] <= 0:
            continue
        if o[1] / ou[2] <= st[0] / nu[0] <= o[2] / ou[1]:
            r_inside += 1
        else:
            r_outside.append('/'.join(x for x in p if x != 'ours'))
    pp = prev.get('params', {})
    return ('of the %d figures of the overhead, scaling and accuracy '
            'tables that the run before (commit %s%s) measured too, %d have '
            'their median within the range of that run%s.  Of the %d ratios '
            'ours/upstream among them, %d lie within the range that run\'s '
            'spreads allow (its smallest ours over its largest upstream to '
            'its largest over its smallest)%s' % (
                inside + len(outside), pp.get('commit', '?')[:12],
                ', results `%s`' % prev['results'] if prev.get('results')
                else '', inside,
                '; outside it: ' + ', '.join('`%s`' % o for o in outside)
                if outside else '', r_inside + len(r_outside), r_inside,
                '; outside it: ' + ', '.join('`%s`' % o for o in r_outside)
                if r_outside else ''))


def other_run(other, scenario, option):
    """How the figures of @scenario taken from another run (@option) were
    made."""
    if not other:
        return 'this run\'s own boots (when it ran the "%s" scenario)' % \
            scenario
    p = load(other)['params']
    secs = p.get('seconds')
    return '`%s` at commit %s (results `%s`%s), then `bench/run --report ' \
        'DIR %s` to write this file' % (
            p.get('command', '?'), p.get('commit', '?')[:12],
            os.path.basename(os.path.realpath(other)),
            ', %.0f min of boots' % (int(secs) / 60) if secs else '',
            option)


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('results')
    ap.add_argument('--profiles', metavar='DIR',
                    help='another results directory to take the "profile" '
                    'scenario\'s output from, when RESULTS_DIR has none')
    ap.add_argument('--reclaim', metavar='DIR',
                    help='another results directory to take the "reclaim" '
                    'scenario\'s figures from')
    ap.add_argument('--repo', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..'))
    args = ap.parse_args()
    repo = os.path.abspath(args.repo)
    data = load(args.results)
    boots, params = data['boots'], data['params']
    plots_dir = os.path.join(repo, 'bench', 'plots')
    os.makedirs(plots_dir, exist_ok=True)
    os.makedirs(os.path.join(repo, 'bench', 'results'), exist_ok=True)
    summary = {'params': params, 'boots': {}}
    for name, kernel, mem2, d, res in boots:
        summary['boots'][name] = {
            'run_status': res.get('run_status'),
            'uname': res.get('uname'), 'memtotal': res.get('memtotal'),
            'errors': res.get('errors'), 'durations': res.get('durations'),
            'overhead': res.get('overhead'), 'scaling': res.get('scaling'),
            'paddr_scaling': res.get('paddr_scaling'),
            'reclaim': res.get('reclaim')}
    findings = []
    ov_cpu, ov_tp = overhead_section(boots, summary, findings)
    plots = {}
    acc_table, achieved = accuracy_section(boots, summary, findings,
                                           plots_dir, plots)
    flat = []
    sc_table, sc_png, mems = scaling_section(boots, summary, findings,
                                             plots_dir, flat)
    rc_boots = boots
    if args.reclaim:
        rc_boots = load(args.reclaim)['boots']
        summary['reclaim_boots'] = {n: r.get('reclaim')
                                    for n, k, m, d, r in rc_boots}
    rc_table, rc_info = reclaim_section(rc_boots, summary, findings)
    summary_path = os.path.join(repo, 'bench', 'results', 'summary.json')
    summary['results'] = os.path.basename(os.path.realpath(args.results))
    summary['reproducibility'] = reproducibility(summary, summary_path)
    with open(summary_path, 'w') as f:
        json.dump(summary, f, indent=1, sort_keys=True, default=str)
    tmpl_path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             'BENCHMARKS.md.in')
    with open(tmpl_path) as f:
        tmpl = f.read()
    nboots = {k: sum(1 for b in boots if b[1] == k and not b[2])
              for k in KERNELS}
    bad = ['%s (status %s%s)' % (n, r.get('run_status'),
                                 ', errors: %s' % r['errors']
                                 if r.get('errors') else '')
           for n, k, m, d, r in boots
           if r.get('run_status') or r.get('errors')]
    uname = {k: next((r.get('uname') for n, kk, m, d, r in boots
                      if kk == k), 'n/a') for k in KERNELS}
    secs = params.get('seconds')
    fill = {
        'RUN_NOTE': run_note(params, nboots),
        'COMMAND': params.get('command', 'bench/run'),
        'BUILDS': params.get('builds', 'n/a'),
        'SCALE': scale_text(params.get('scale', '?'), next(
            (r.get('settings') for n, k, m, d, r in boots
             if r.get('settings')), None)),
        'TARGETS': targets_section(summary, flat),
        'RECLAIM_NOTE': reclaim_note(summary, rc_info),
        'DATE': os.path.basename(os.path.realpath(args.results)),
        'PARAMS': '\n'.join('    %s %s' % kv for kv in params.items()),
        'NBOOTS': ', '.join('%s %d' % (k, nboots[k]) for k in KERNELS),
        'BAD_BOOTS': '; '.join(bad) if bad else 'none',
        'UNAME_UPSTREAM': uname['upstream'],
        'UNAME_OURS': uname['ours'],
        'OVERHEAD_CPU': ov_cpu,
        'OVERHEAD_TP': ov_tp,
        'ACCURACY': acc_table,
        'ACHIEVED': ', '.join('%s %s' % (k, fmt(achieved[k], 100, 0, '%'))
                              for k in KERNELS),
        'SCALING': sc_table,
        'RECLAIM': rc_table or '(no reclaim results)',
        'RECLAIM_INFO': ('guest memory %s, workload: hot %s, warm %s, cold '
                         '%s; min_age %d s' % (
                             human(rc_info['memtotal']),
                             human(rc_info['hot_bytes']),
                             human(rc_info['warm_bytes']),
                             human(rc_info['cold_bytes']),
                             rc_info['min_age_s'])) if rc_info else 'n/a',
        'PROFILE': profile_section([args.results, args.profiles]),
        # paging out is what a --reclaim run is made again for
        'PAGEOUT_PROFILE': pageout_profile_section([args.reclaim,
                                                    args.results,
                                                    args.profiles]),
        'PROFILE_RUN': other_run(args.profiles, 'profile',
                                 '--profiles DIR2'),
        'RECLAIM_RUN': other_run(args.reclaim, 'reclaim', '--reclaim DIR3'),
        'TP_NOISE': summary.get('overhead_noise', ''),
        'REPRO': summary['reproducibility'],
        'FINDINGS': '\n'.join('- ' + f for f in findings) + (
            '\n\nEach of these is a defect of ours to trace with `perf` in '
            'the guest (see "Where the kdamond spends its time") and to fix '
            'in the core or the operations, not in the benchmark; this run '
            'does not fix them.') if findings else
                    '- none that stands out of the spread of the boots; the '
                    'medians are compared with the targets in the section '
                    'above',
        'MEM2': ', '.join('%d GiB' % (m // GIB) for m in mems) or 'n/a',
        'SECONDS': ('%s s (%.0f min)' % (secs, int(secs) / 60)) if secs
                   else 'n/a',
    }
    text = tmpl
    for k, v in fill.items():
        text = text.replace('@' + k + '@', str(v))
    with open(os.path.join(repo, 'BENCHMARKS.md'), 'w') as f:
        f.write(text)
    print('wrote BENCHMARKS.md, %s' % ', '.join(
        sorted(os.listdir(plots_dir))))


if __name__ == '__main__':
    main()
