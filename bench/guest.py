#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""guest.py: the DAMON benchmark scenarios, run inside one guest boot.

Usage (in a guest booted by scripts/vm/run, as bench/run does):

    python3 bench/guest.py [--scale small|medium|full] [SCENARIO...]

SCENARIO is one of overhead, accuracy, scaling, paddr_scaling, reclaim,
profile (default: overhead accuracy scaling reclaim).  Only the DAMON sysfs
ABI, the damon_reclaim module parameters and the damon:damon_aggregated
tracepoint are used, so the same script measures upstream's DAMON and ours.

Everything measured goes to $DAMON_VM_OUT (the results share): results.json
(the figures, rewritten after each scenario, so a run cut short keeps what
it finished) and, for the host-side analysis (bench/report.py), the ground
truth that bench/wgen wrote and the raw damon_aggregated trace of each
accuracy run.  $BENCH_KERNEL names the kernel (upstream or ours), $BENCH_WGEN
is the workload generator binary, built on the host.

Where it lands: nowhere in the kernel tree; bench/ is developer tooling,
run from the clone (the guest sees the host's file system over 9p).
"""

import argparse
import gzip
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'selftests'))
import damon_admin as da        # noqa: E402  (our selftests' sysfs helpers)
import damon_measure as dm      # noqa: E402  (zram swap)

OUT = os.environ.get('DAMON_VM_OUT') or '/tmp/bench-out'
KERNEL = os.environ.get('BENCH_KERNEL', 'unknown')
WGEN = os.environ.get('BENCH_WGEN') or os.path.join(HERE, 'wgen')
MIB = 1 << 20
GIB = 1 << 30
RECLAIM = '/sys/module/damon_reclaim/parameters'
CLK_TCK = os.sysconf('SC_CLK_TCK')
PAGE = os.sysconf('SC_PAGE_SIZE')

results = {'kernel': KERNEL}

# What each --scale runs.  medium (bench/run's default): every
# configuration and size the issue asks for, with windows short enough that
# three boots of each kernel take about 50 minutes; full: the same with
# longer windows; small: a few configurations, to check that everything
# works.
SCALES = {
    'full': {'ov_warm': 3, 'ov_meas': 10, 'ov_max10k': True,
             'acc_phases': 4, 'acc_len': 10, 'acc_warm': 8,
             'sc_warm': 3, 'sc_meas': 10,
             'sc_vaddr': ['1G', '16G', '256G', '1T'],
             'sc_paddr': [256 * MIB, 512 * MIB, 1 * GIB, None],
             'rc_min_age': 30, 'rc_after': 45},
    'medium': {'ov_warm': 2, 'ov_meas': 6, 'ov_max10k': True,
               'acc_phases': 4, 'acc_len': 8, 'acc_warm': 6,
               'sc_warm': 2, 'sc_meas': 6,
               'sc_vaddr': ['1G', '16G', '256G', '1T'],
               'sc_paddr': [256 * MIB, 512 * MIB, 1 * GIB, None],
               'rc_min_age': 30, 'rc_after': 30},
    'small': {'ov_warm': 2, 'ov_meas': 4, 'ov_max10k': False,
              'acc_phases': 2, 'acc_len': 6, 'acc_warm': 5,
              'sc_warm': 2, 'sc_meas': 4,
              'sc_vaddr': ['1G', '1T'],
              'sc_paddr': [256 * MIB, None],
              'rc_min_age': 10, 'rc_after': 40},
}


def say(msg):
    print('[%7.1f] %s' % (time.monotonic(), msg), flush=True)


def save():
    tmp = os.path.join(OUT, 'results.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(results, f, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(OUT, 'results.json'))


# ---------------------------------------------------------------------------
# The workload

class Wgen:
    """A running bench/wgen; .bufs maps a name to (start, end, kind)."""

    def __init__(self, args, truth=None):
        cmd = [WGEN, '-q'] + [str(a) for a in args]
        if truth:
            cmd += ['-o', truth]
        self.truth = truth
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.bufs = {}
        self.out = b''
        end = time.monotonic() + 300
        while b'ready\n' not in self.out:
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError('wgen did not get ready: %r' % self.out)
            rd, _, _ = select.select([self.proc.stdout], [], [], left)
            if rd:
                self.out += os.read(self.proc.stdout.fileno(), 4096)
        for line in self.out.decode().splitlines():
            f = line.split()
            if f and f[0] == 'buf':
                self.bufs[f[1]] = (int(f[2], 16), int(f[3], 16), f[4])
        self.ready_at = time.monotonic()

    def span(self):
        return (min(b[0] for b in self.bufs.values()),
                max(b[1] for b in self.bufs.values()))

    def wait(self, timeout):
        """Wait for the end; the "throughput" figures (pages/s, sweeps,
        seconds) it printed."""
        try:
            rest, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGTERM)
            rest, _ = self.proc.communicate(timeout=60)
        self.out += rest or b''
        for line in self.out.decode().splitlines():
            f = line.split()
            if f and f[0] == 'throughput':
                return float(f[1]), int(f[2]), float(f[3])
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def read_truth(path):
    """Phases of a ground truth file: {idx: {'start', 'end', 'want',
    'got'}} and the buffers {name: (start, end, kind, pages_used)}."""
    bufs, phases = {}, {}
    with open(path) as f:
        for line in f:
            f_ = line.split()
            if not f_:
                continue
            if f_[0] == 'buf':
                bufs[f_[1]] = (int(f_[2], 16), int(f_[3], 16), f_[4],
                               int(f_[6]) // 4096)
            elif f_[0] == 'phase':
                phases[int(f_[1])] = {'start': float(f_[2]), 'want': {},
                                      'got': {}}
            elif f_[0] == 'want':
                phases[int(f_[1])]['want'][f_[2]] = int(f_[3])
            elif f_[0] == 'end':
                phases[int(f_[1])]['end'] = float(f_[2])
            elif f_[0] == 'got':
                phases[int(f_[1])]['got'][f_[2]] = (int(f_[3]),
                                                     float(f_[4]))
    return bufs, phases


def phase_throughput(path, idx):
    """Pages written per second by the workload during phase @idx."""
    bufs, phases = read_truth(path)
    p = phases.get(idx)
    if not p or 'end' not in p:
        return None
    pages = sum(n * bufs[name][3] for name, (n, _) in p['got'].items())
    return pages / max(p['end'] - p['start'], 1e-9)


# ---------------------------------------------------------------------------
# Measuring a kdamond

def cpu_time(pid):
    """(utime+stime in seconds from /proc/PID/stat, run time in seconds
    from /proc/PID/schedstat or None)."""
    with open('/proc/%d/stat' % pid) as f:
        stat = f.read()
    fields = stat[stat.rindex(')') + 2:].split()
    ticks = int(fields[11]) + int(fields[12])
    try:
        with open('/proc/%d/schedstat' % pid) as f:
            run_ns = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        run_ns = None
    return ticks / CLK_TCK, None if run_ns is None else run_ns / 1e9


def measure_cpu(pid, seconds):
    """CPU seconds per second that @pid used over the next @seconds."""
    t0 = time.monotonic()
    c0 = cpu_time(pid)
    time.sleep(seconds)
    c1 = cpu_time(pid)
    dt = time.monotonic() - t0
    return {'stat': (c1[0] - c0[0]) / dt,
            'schedstat': None if c0[1] is None else (c1[1] - c0[1]) / dt,
            'seconds': dt}


class Trace:
    """damon:damon_aggregated into a tracefs instance of our own, with the
    "mono" clock (CLOCK_MONOTONIC, the workload's clock)."""

    def __init__(self, name='bench', kb_per_cpu=16384):
        self.inst = da.TraceInstance(name, ['damon_aggregated'])
        da.try_write(os.path.join(self.inst.dir, 'buffer_size_kb'),
                     kb_per_cpu)
        da.write(os.path.join(self.inst.dir, 'trace_clock'), 'mono')

    def start(self):
        self.inst.clear()
        self.inst.enable(True)

    def stop(self):
        self.inst.enable(False)

    def raw(self):
        with open(os.path.join(self.inst.dir, 'trace')) as f:
            return f.read()

    def records(self):
        """[(ts, start, end, nr_accesses, age, nr_regions)]"""
        out = []
        for ts, ev, text in self.inst.lines():
            m = da.AGGREGATED.match(text)
            if ev == 'damon_aggregated' and m:
                out.append((ts, int(m.group(3)), int(m.group(4)),
                            int(m.group(5)), int(m.group(6)),
                            int(m.group(2))))
        return out

    def save(self, path):
        with gzip.open(path, 'wt') as f:
            f.write(self.raw())

    def remove(self):
        self.inst.remove()


def nr_regions_now(kd):
    """How many regions the running kdamond has: its stat scheme (which
    matches every region) lists the regions it was tried on.  Not taken
    from the damon_aggregated tracepoint: turning a tracepoint on while
    the code it sits in runs patches live kernel text, which QEMU's TCG
    does not always get right (seen as an int3 Oops)."""
    base = kd.scheme(0, 'tried_regions')
    vals = []
    for _ in range(2):
        if kd.try_cmd('update_schemes_tried_regions'):
            return None
        vals.append(len(da.numbered(base)))
        kd.try_cmd('clear_schemes_tried_regions')
    return {'mean': sum(vals) / len(vals), 'max': max(vals)}


def quiet_tracing():
    """Trace events record task names through probes on sched_switch and
    sched_wakeup, registered when the first event is turned on: that
    patches the scheduler's text while every CPU runs it.  Turn the
    recording off once, before anything runs (see nr_regions_now())."""
    root = da.tracefs()
    if root:
        for opt in ('record-cmd', 'record-tgid'):
            da.try_write(os.path.join(root, 'options', opt), 0)


def start_kdamond(ops, targets, sample_us, aggr_us, nr_regions,
                  update_us=1000000):
    """One kdamond, one context, and one "stat" scheme that matches every
    region (so that nr_regions_now() can count them; both kernels pay
    for it alike)."""
    da.reset()
    kd = da.Kdamond(0).setup(ops, targets, sample_us=sample_us,
                             aggr_us=aggr_us, update_us=update_us,
                             nr_regions=nr_regions, schemes=None)
    kd.cmd('on')
    return kd


def stop_kdamond(kd):
    kd.try_cmd('off')
    da.reset()


def paddr_target(size=None):
    """The biggest System RAM range, or its first @size bytes."""
    start, end = da.biggest_system_ram()
    if size:
        end = min(end, start + size)
    return {'regions': [(start, end)]}


def whole_ram():
    """[start, end) from the first to the last System RAM byte (holes
    included: paddr finds no pages there)."""
    lo = hi = None
    with open('/proc/iomem') as f:
        for line in f:
            m = re.match(r'([0-9a-f]+)-([0-9a-f]+) : System RAM$',
                         line.strip())
            if not m or line.startswith(' '):
                continue
            s, e = int(m.group(1), 16), int(m.group(2), 16) + 1
            lo = s if lo is None else min(lo, s)
            hi = e if hi is None else max(hi, e)
    return lo, hi


# ---------------------------------------------------------------------------
# Scenario: overhead

def overhead(scale):
    """kdamond CPU and workload throughput, monitoring off, vaddr, paddr."""
    cfg = SCALES[scale]
    warm, meas = cfg['ov_warm'], cfg['ov_meas']
    bufs = ['-b', 'hot:64M', '-b', 'warm:64M', '-b', 'cool:64M',
            '-b', 'cold:128M']
    rates = '1,4,16,0'
    configs = [('off', 0, 0, (0, 0))]
    for ops in ('vaddr', 'paddr'):
        for sample, aggr in ((5000, 100000), (50000, 1000000)):
            for nr in ((10, 1000), (10, 10000)):
                if not cfg['ov_max10k'] and nr[1] != 1000:
                    continue
                configs.append((ops, sample, aggr, nr))
    out = []
    for ops, sample, aggr, nr in configs:
        name = '%s-%d-%d-%d' % (ops, sample // 1000, aggr // 1000, nr[1])
        if ops == 'off':
            name = 'off'
        say('overhead %s' % name)
        truth = os.path.join(OUT, 'overhead-%s.truth' % name)
        total = warm + meas + 3
        with Wgen(['-P', 0, '-t', total, '-p', '%d:%s' % (warm, rates),
                   '-p', '%d:%s' % (meas, rates), '-p', '%d:%s' % (3, rates)]
                  + bufs, truth) as w:
            kd = None
            if ops != 'off':
                targets = [{'pid': w.pid}] if ops == 'vaddr' else \
                    [paddr_target()]
                kd = start_kdamond(ops, targets, sample, aggr, nr)
            time.sleep(max(0, w.ready_at + warm - time.monotonic()))
            row = {'name': name, 'ops': ops, 'sample_us': sample,
                   'aggr_us': aggr, 'nr_regions': nr}
            if kd:
                row['cpu'] = measure_cpu(kd.pid(), meas)
                row['regions'] = nr_regions_now(kd)
                stop_kdamond(kd)
            w.wait(total + 60)
        row['throughput'] = phase_throughput(truth, 1)
        say('  %s' % json.dumps(row))
        out.append(row)
        results['overhead'] = out
        save()


# ---------------------------------------------------------------------------
# Scenario: accuracy (the analysis is on the host, bench/report.py)

ACC_ROT = [1, 4, 16, 0]


def accuracy_phases(nr_phases):
    """Per phase, the divisor of each of the 4 buffers of a group: the hot
    buffer moves one place on every phase, dragging the others along."""
    return [[ACC_ROT[(i - k) % 4] for i in range(4)]
            for k in range(-1, nr_phases)]


def accuracy(scale):
    cfg = SCALES[scale]
    nr_phases, plen = cfg['acc_phases'], cfg['acc_len']
    warm = cfg['acc_warm']
    size = '16M'
    bufs = []
    for group in ('4k', 'thp'):
        for i in range(4):
            bufs += ['-b', '%s%d:%s%s' % (group, i, size,
                                         ':thp' if group == 'thp' else '')]
    phase_args = []
    for k, divs in enumerate(accuracy_phases(nr_phases)):
        d = ','.join(str(x) for x in divs * 2)
        phase_args += ['-p', '%d:%s' % (warm if k == 0 else plen, d)]
    total = warm + nr_phases * plen
    truth = os.path.join(OUT, 'accuracy.truth')
    say('accuracy: %d phases of %d s' % (nr_phases, plen))
    tr = Trace()
    try:
        with Wgen(['-P', 10000, '-t', total] + phase_args + bufs,
                  truth) as w:
            thp = smaps_thp(w.pid)
            tr.start()
            kd = start_kdamond('vaddr', [{'pid': w.pid}], 5000, 100000,
                               (10, 1000))
            w.wait(total + 60)
            stop_kdamond(kd)
        tr.stop()
        tr.save(os.path.join(OUT, 'accuracy-trace.txt.gz'))
    finally:
        tr.remove()
    results['accuracy'] = {'truth': 'accuracy.truth',
                           'trace': 'accuracy-trace.txt.gz',
                           'sample_us': 5000, 'aggr_us': 100000,
                           'nr_regions': [10, 1000],
                           'anon_huge_kib': thp}
    save()


def smaps_thp(pid):
    try:
        with open('/proc/%d/smaps_rollup' % pid) as f:
            for line in f:
                if line.startswith('AnonHugePages:'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# ---------------------------------------------------------------------------
# Scenario: scaling

def scaling(scale):
    """kdamond CPU as the monitored memory grows: a sparse buffer of 1 GiB
    to 1 TiB of virtual space with the same 64 MiB in use (vaddr), and
    growing ranges of physical memory (paddr)."""
    cfg = SCALES[scale]
    warm, meas = cfg['sc_warm'], cfg['sc_meas']
    sizes = cfg['sc_vaddr']
    out = []
    for size in sizes:
        say('scaling vaddr %s' % size)
        with Wgen(['-P', 10000, '-t', warm + meas + 5, '-b',
                   'sparse:%s:used=64M' % size]) as w:
            kd = start_kdamond('vaddr', [{'pid': w.pid}], 5000, 100000,
                               (10, 1000))
            time.sleep(warm)
            row = {'ops': 'vaddr', 'size': size,
                   'bytes': w.bufs['sparse'][1] - w.bufs['sparse'][0],
                   'cpu': measure_cpu(kd.pid(), meas),
                   'regions': nr_regions_now(kd)}
            stop_kdamond(kd)
        say('  %s' % json.dumps(row))
        out.append(row)
        results['scaling'] = out
        save()
    paddr_scaling(scale, 'scaling')


def paddr_scaling(scale, key='paddr_scaling'):
    cfg = SCALES[scale]
    warm, meas = cfg['sc_warm'], cfg['sc_meas']
    ram = da.biggest_system_ram()
    whole = whole_ram()
    sizes = cfg['sc_paddr']
    out = results.setdefault(key, [])
    with open('/proc/meminfo') as f:
        memtotal = int(f.readline().split()[1]) * 1024
    with Wgen(['-P', 10000, '-b', 'hot:64M', '-b', 'cold:64M',
               '-p', '100000:1,0']):
        for size in sizes:
            if size and size >= ram[1] - ram[0]:
                continue
            say('scaling paddr %s' % (size or 'all'))
            target = paddr_target(size) if size else \
                {'regions': [whole]}
            kd = start_kdamond('paddr', [target], 5000, 100000, (10, 1000))
            time.sleep(warm)
            row = {'ops': 'paddr', 'bytes': size or whole[1] - whole[0],
                   'all': size is None, 'memtotal': memtotal,
                   'cpu': measure_cpu(kd.pid(), meas),
                   'regions': nr_regions_now(kd)}
            stop_kdamond(kd)
            say('  %s' % json.dumps(row))
            out.append(row)
            save()


# ---------------------------------------------------------------------------
# Scenario: reclaim

def meminfo():
    out = {}
    with open('/proc/meminfo') as f:
        for line in f:
            k, v = line.split(':')
            out[k] = int(v.split()[0]) * 1024
    return out


def proc_stat_faults(pid):
    with open('/proc/%d/stat' % pid) as f:
        stat = f.read()
    fields = stat[stat.rindex(')') + 2:].split()
    return int(fields[7]), int(fields[9])      # minflt, majflt


def vm_rss(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    return 0


def zram_used():
    try:
        with open('/sys/block/zram0/mm_stat') as f:
            return int(f.read().split()[2])     # mem_used_total
    except OSError:
        return 0


def reclaim_params(min_age_us):
    """The seed's example 3: (file, value) in the order it writes them."""
    return [('min_age', min_age_us), ('quota_sz', 1 * GIB),
            ('quota_reset_interval_ms', 1000), ('wmarks_high', 500),
            ('wmarks_mid', 400), ('wmarks_low', 200)]


def reclaim_workload(mem):
    """The reclaim workload's buffers for a guest whose meminfo() is
    @mem: (wgen -b arguments, hot, warm and cold bytes).  Free memory
    (MemFree/MemTotal) must fall below wmarks_mid (40%) for the scheme to
    start, and stay above wmarks_low (20%): the workload takes what brings
    free memory to about 30% of the guest's."""
    want = mem['MemFree'] - 0.30 * mem['MemTotal']
    hot = warm_ = 64 * MIB
    cold = max(128 * MIB, int(want - hot - warm_) // (2 * MIB) * (2 * MIB))
    return (['-b', 'hot:%d' % hot, '-b', 'warm:%d' % warm_,
             '-b', 'cold:%d' % cold], hot, warm_, cold)


def start_sysfs_pageout(min_age):
    """A paddr kdamond over the biggest System RAM range with the
    equivalent of damon_reclaim's scheme (sysfs_pageout_scheme()), on."""
    da.reset()
    kd = da.Kdamond(0).setup('paddr', [paddr_target()], sample_us=5000,
                             aggr_us=100000, update_us=1000000,
                             nr_regions=(10, 1000), schemes=[{}])
    sysfs_pageout_scheme(kd, min_age)
    kd.cmd('on')
    return kd


def reclaim(scale):
    """damon_reclaim with the seed's example 3, a sysfs pageout scheme
    doing the same, and no DAMON at all, on the same workload."""
    min_age = SCALES[scale]['rc_min_age']
    run_s = min_age + SCALES[scale]['rc_after']
    mem = meminfo()
    bufs, hot, warm_, cold = reclaim_workload(mem)
    out = []
    modes = ['none', 'damon_reclaim', 'sysfs_pageout']
    for mode in modes:
        say('reclaim %s (cold %d MiB, %d s)' % (mode, cold // MIB, run_s))
        secs = 20 if mode == 'none' else run_s
        with dm.Swap(size=2 * cold):
            row = reclaim_run(mode, bufs, secs, min_age)
        say('  %s' % json.dumps(row))
        out.append(row)
        results['reclaim'] = {'runs': out, 'min_age_s': min_age,
                              'memtotal': mem['MemTotal'],
                              'cold_bytes': cold, 'hot_bytes': hot,
                              'warm_bytes': warm_}
        save()


def reclaim_run(mode, bufs, secs, min_age):
    truth = os.path.join(OUT, 'reclaim-%s.truth' % mode)
    row = {'mode': mode}
    with Wgen(['-P', 0, '-t', secs + 5, '-p', '%d:1,16,0' % secs,
               '-p', '5:1,16,0'] + bufs, truth) as w:
        m0 = meminfo()
        row['free_before'] = m0['MemFree'] / m0['MemTotal']
        row['rss_before'] = vm_rss(w.pid)
        f0 = proc_stat_faults(w.pid)
        pid = None
        clock = ActionClock().start() if mode != 'none' else None
        if mode == 'damon_reclaim':
            for name, val in reclaim_params(min_age * 1000000):
                da.write(os.path.join(RECLAIM, name), val)
            da.write(os.path.join(RECLAIM, 'enabled'), 'Y')
            pid = da.wait_until(lambda: int(da.read(os.path.join(
                RECLAIM, 'kdamond_pid'))) > 0 and int(da.read(
                    os.path.join(RECLAIM, 'kdamond_pid'))), 10)
        elif mode == 'sysfs_pageout':
            kd = start_sysfs_pageout(min_age)
            pid = kd.pid()
        c0 = cpu_time(pid) if pid else None
        t0 = time.monotonic()
        trail = []
        while time.monotonic() - t0 < secs - 1 and w.proc.poll() is None:
            time.sleep(2)
            m = meminfo()
            trail.append((round(time.monotonic() - t0, 1),
                          round(m['MemFree'] / m['MemTotal'], 3),
                          vm_rss(w.pid) // MIB,
                          (m['SwapTotal'] - m['SwapFree']) // MIB))
        dt = time.monotonic() - t0
        m1 = meminfo()
        f1 = proc_stat_faults(w.pid)
        row['rss_after'] = vm_rss(w.pid)
        row['free_after'] = m1['MemFree'] / m1['MemTotal']
        row['swap_used'] = m1['SwapTotal'] - m1['SwapFree']
        row['zram_used'] = zram_used()
        row['majflt'] = f1[1] - f0[1]
        row['minflt'] = f1[0] - f0[0]
        row['trail'] = trail
        if pid:
            c1 = cpu_time(pid)
            row['cpu'] = {'stat': (c1[0] - c0[0]) / dt,
                          'schedstat': None if c0[1] is None else
                          (c1[1] - c0[1]) / dt, 'seconds': dt}
        if mode == 'damon_reclaim':
            row['module_stats'] = {
                n: da.read(os.path.join(RECLAIM, n)) for n in
                ('nr_reclaim_tried_regions', 'bytes_reclaim_tried_regions',
                 'nr_reclaimed_regions', 'bytes_reclaimed_regions',
                 'nr_quota_exceeds') if os.path.exists(
                     os.path.join(RECLAIM, n))}
            da.write(os.path.join(RECLAIM, 'enabled'), 'N')
            da.wait_until(lambda: int(da.read(os.path.join(
                RECLAIM, 'kdamond_pid'))) <= 0, 10)
        elif mode == 'sysfs_pageout':
            kd.cmd('update_schemes_stats')
            row['scheme_stats'] = kd.stats(0)
            stop_kdamond(kd)
        if clock:
            row['action'] = clock.stop()
        w.wait(60)
    row['throughput'] = phase_throughput(truth, 0)
    row['seconds'] = secs
    return row


class ActionClock:
    """Wall time spent in the paddr operations' apply_scheme callback,
    which both kernels name damon_pa_apply_scheme: the function_graph
    tracer, filtered to that one function, gives the duration of every
    call.  That is the time a time quota is meant to bound, measured from
    outside, so that what each kernel gets done per millisecond is judged
    by the same clock and not by each kernel's own accounting.  Started
    before the kdamond exists and stopped after it is gone: patching a
    function's text while it runs is what TCG does not always get right
    (see nr_regions_now())."""

    FUNC = 'damon_pa_apply_scheme'
    # a leaf call on one line; a call that other trace output interrupted
    # ends on a closing line that funcgraph-tail names
    DURATION = re.compile(r'([0-9.]+) us +\|\s+(?:%s\(\);|\} /\* %s \*/)'
                          % (FUNC, FUNC))

    def __init__(self):
        self.root = da.tracefs()
        self.ok = False

    def _w(self, name, val):
        return not da.try_write(os.path.join(self.root, name), val)

    def start(self):
        if not self.root or not self._w('set_ftrace_filter', self.FUNC):
            return self
        self.ok = (self._w('current_tracer', 'nop') and
                   self._w('buffer_size_kb', 4096) and
                   self._w('trace', '') and
                   self._w('current_tracer', 'function_graph') and
                   self._w('options/funcgraph-tail', 1) and
                   self._w('tracing_on', 1))
        return self

    def stop(self):
        """{'calls': N, 'ms': total} or None if it could not trace."""
        if not self.root:
            return None
        out = None
        if self.ok:
            with open(os.path.join(self.root, 'trace')) as f:
                us = [float(m.group(1)) for m in
                      map(self.DURATION.search, f) if m]
            out = {'calls': len(us), 'ms': sum(us) / 1000}
        self._w('current_tracer', 'nop')
        self._w('set_ftrace_filter', '')
        self._w('trace', '')
        return out


def sysfs_pageout_scheme(kd, min_age):
    """What damon_reclaim sets up, written through sysfs."""
    s = lambda *p: kd.scheme(0, *p)     # noqa: E731
    da.write(s('action'), 'pageout')
    for name, lo, hi in (('sz', PAGE, da.ULONG_MAX),
                         ('nr_accesses', 0, 0),
                         ('age', min_age * 10, da.UINT_MAX)):
        da.write(s('access_pattern', name, 'min'), lo)
        da.write(s('access_pattern', name, 'max'), hi)
    da.write(s('quotas', 'ms'), 10)
    da.write(s('quotas', 'bytes'), 1 * GIB)
    da.write(s('quotas', 'reset_interval_ms'), 1000)
    da.write(s('quotas', 'weights', 'sz_permil'), 0)
    da.write(s('quotas', 'weights', 'nr_accesses_permil'), 0)
    da.write(s('quotas', 'weights', 'age_permil'), 1)
    da.write(s('watermarks', 'metric'), 'free_mem_rate')
    da.write(s('watermarks', 'interval_us'), 5000000)
    da.write(s('watermarks', 'high'), 500)
    da.write(s('watermarks', 'mid'), 400)
    da.write(s('watermarks', 'low'), 200)


# ---------------------------------------------------------------------------
# Scenario: profile (where the kdamond spends its time)

def perf_record(pid, seconds, data):
    subprocess.run(['perf', 'record', '-q', '-e', 'cpu-clock', '-g', '-F',
                    '999', '-o', data, '-p', str(pid), '--', 'sleep',
                    str(seconds)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def perf_report(data, path, children=False):
    """Per symbol, the share of samples in it (or, with @children, in it
    and what it called), into @path."""
    args = ['--children', '--percent-limit', '0.5'] if children else \
        ['--no-children', '--percent-limit', '1']
    rep = subprocess.run(['perf', 'report', '-i', data, '--stdio'] + args +
                         ['--sort', 'symbol', '-g', 'none'],
                         stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL).stdout.decode()
    with open(path, 'w') as f:
        f.write(rep)


def profile_pageout():
    """perf record of a kdamond paging out: the reclaim scenario's
    workload and sysfs scheme, with a min_age of 5 s so that it gets to
    work soon.  Reported with children, so that the time under the
    action and under what it calls (reclaim, TLB flushes) shows."""
    bufs, _, _, cold = reclaim_workload(meminfo())
    data = '/tmp/perf-pageout.data'
    with dm.Swap(size=2 * cold):
        with Wgen(['-P', 0, '-t', 40, '-p', '40:1,16,0'] + bufs):
            kd = start_sysfs_pageout(5)
            time.sleep(8)
            perf_record(kd.pid(), 20, data)
            kd.cmd('update_schemes_stats')
            stats = kd.stats(0)
            stop_kdamond(kd)
    perf_report(data, os.path.join(OUT, 'profile-pageout.txt'), True)
    return stats


def profile(scale):
    """perf record of the kdamond: on the overhead workload, per ops, and
    paging out."""
    if not shutil.which('perf'):
        say('no perf')
        return
    out = {}
    for ops in ('vaddr', 'paddr'):
        say('profile %s' % ops)
        data = os.path.join('/tmp', 'perf-%s.data' % ops)
        with Wgen(['-P', 0, '-t', 40, '-b', 'hot:64M', '-b', 'warm:64M',
                   '-b', 'cool:64M', '-b', 'cold:128M', '-p',
                   '40:1,4,16,0']) as w:
            targets = [{'pid': w.pid}] if ops == 'vaddr' else \
                [paddr_target()]
            kd = start_kdamond(ops, targets, 5000, 100000, (10, 1000))
            time.sleep(3)
            perf_record(kd.pid(), 15, data)
            stop_kdamond(kd)
        perf_report(data, os.path.join(OUT, 'profile-%s.txt' % ops))
        out[ops] = 'profile-%s.txt' % ops
    say('profile pageout')
    out['pageout_stats'] = profile_pageout()
    say('  %s' % json.dumps(out['pageout_stats']))
    out['pageout'] = 'profile-pageout.txt'
    results['profile'] = out
    save()


SCENARIOS = {'overhead': overhead, 'accuracy': accuracy, 'scaling': scaling,
             'paddr_scaling': paddr_scaling, 'reclaim': reclaim,
             'profile': profile}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--scale', choices=sorted(SCALES), default='medium')
    ap.add_argument('scenarios', nargs='*',
                    default=['overhead', 'accuracy', 'scaling', 'reclaim'])
    args = ap.parse_args()
    for s in args.scenarios:
        if s not in SCENARIOS:
            ap.error('unknown scenario %s' % s)
    os.makedirs(OUT, exist_ok=True)
    results['scale'] = args.scale
    results['settings'] = SCALES[args.scale]
    with open('/proc/version') as f:
        results['uname'] = f.read().strip()
    results['memtotal'] = meminfo()['MemTotal']
    results['nr_cpus'] = os.cpu_count()
    save()
    quiet_tracing()
    da.reset()
    failed = 0
    for s in args.scenarios:
        t0 = time.monotonic()
        try:
            SCENARIOS[s](args.scale)
        except Exception as e:       # keep going: report what worked
            failed += 1
            say('scenario %s failed: %r' % (s, e))
            results.setdefault('errors', {})[s] = repr(e)
            try:
                da.reset()
            except OSError:
                pass
        results.setdefault('durations', {})[s] = time.monotonic() - t0
        save()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
