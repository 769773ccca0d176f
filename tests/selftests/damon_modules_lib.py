# SPDX-License-Identifier: GPL-2.0
"""Helpers of the selftests of the DAMON policy modules.

damon_reclaim and damon_lru_sort are driven through their parameters,
/sys/module/<name>/parameters/, and judged by what happens to memory,
seen from outside DAMON:

    Module        one module's parameters: read, write, errno, defaults
    PARAMS        every parameter of each module: mode and upstream default
    kdamonds()    the kdamond threads that exist, by /proc/*/comm
    cpu_ticks()   utime + stime of a thread
    ZramSwap      zram swap on /dev/zram0 while in a "with" block
    HugeHog       memory taken away by reserving huge pages (not on any LRU
                  list, so DAMON's actions can do nothing with it)
    Workload      module_workload.c: a hot and a cold buffer
    pagemap(), kpageflags(), proc_status(), free_permil()

Only damon_admin.py is built upon; nothing in it changes.
"""

import ctypes
import ctypes.util
import errno
import os
import re
import select
import signal
import struct
import subprocess
import time

import damon_admin as da

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
PAGE = os.sysconf('SC_PAGE_SIZE')
CLK_TCK = os.sysconf('SC_CLK_TCK')

PM_PRESENT = 1 << 63
PM_SWAPPED = 1 << 62
PM_PFN = (1 << 55) - 1
KPF_LRU = 5
KPF_ACTIVE = 6
KPF_HUGE = 17		# hugetlb
KPF_NOPAGE = 20

# Parameters of each module: name -> (mode, upstream 6.12 default).  A
# default of None is not checked (statistics, which earlier runs change).
_COMMON = {
    'enabled': (0o600, 'N'),
    'commit_inputs': (0o600, 'N'),
    'kdamond_pid': (0o400, '-1'),
    'quota_ms': (0o600, '10'),
    'quota_reset_interval_ms': (0o600, '1000'),
    'wmarks_interval': (0o600, '5000000'),
    'sample_interval': (0o600, '5000'),
    'aggr_interval': (0o600, '100000'),
    'min_nr_regions': (0o600, '10'),
    'max_nr_regions': (0o600, '1000'),
    'monitor_region_start': (0o600, '0'),
    'monitor_region_end': (0o600, '0'),
}

RECLAIM_STATS = ['nr_reclaim_tried_regions', 'bytes_reclaim_tried_regions',
                 'nr_reclaimed_regions', 'bytes_reclaimed_regions',
                 'nr_quota_exceeds']
LRU_SORT_STATS = [
    '%s_%s' % (kind, what) for what in ('hot', 'cold')
    for kind in ('nr_lru_sort_tried', 'bytes_lru_sort_tried',
                 'nr_lru_sorted', 'bytes_lru_sorted')]
LRU_SORT_STATS = [n + '_regions' for n in LRU_SORT_STATS] + \
    ['nr_hot_quota_exceeds', 'nr_cold_quota_exceeds']

PARAMS = {
    'damon_reclaim': dict(_COMMON, **{
        'min_age': (0o600, '120000000'),
        'quota_sz': (0o600, '134217728'),
        'quota_mem_pressure_us': (0o600, '0'),
        'quota_autotune_feedback': (0o600, '0'),
        'wmarks_high': (0o600, '500'),
        'wmarks_mid': (0o600, '400'),
        'wmarks_low': (0o600, '200'),
        'skip_anon': (0o600, 'N'),
    }, **{s: (0o400, None) for s in RECLAIM_STATS}),
    'damon_lru_sort': dict(_COMMON, **{
        'hot_thres_access_freq': (0o600, '500'),
        'cold_min_age': (0o600, '120000000'),
        'wmarks_high': (0o600, '200'),
        'wmarks_mid': (0o600, '150'),
        'wmarks_low': (0o600, '50'),
    }, **{s: (0o400, None) for s in LRU_SORT_STATS}),
}

# The parameters that act when written, rather than only store a value.
CONTROLS = ('enabled', 'commit_inputs')


def errname(err):
    return errno.errorcode.get(err, str(err)) if err else 'success'


def mib(nbytes):
    return '%.1f MiB' % (nbytes / MIB)


class Module:
    """/sys/module/<name>/parameters/ of one DAMON policy module."""

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join('/sys/module', name, 'parameters')
        self.params = PARAMS[name]

    def present(self):
        return os.path.isdir(self.dir)

    def path(self, param):
        return os.path.join(self.dir, param)

    def get(self, param):
        return da.read(self.path(param))

    def num(self, param):
        return int(self.get(param))

    def set(self, param, value):
        da.write(self.path(param), value)

    def try_set(self, param, value):
        return da.try_write(self.path(param), value)

    def enabled(self):
        return self.get('enabled') == 'Y'

    def pid(self):
        return self.num('kdamond_pid')

    def stats(self):
        names = RECLAIM_STATS if self.name == 'damon_reclaim' else \
            LRU_SORT_STATS
        return {n: self.num(n) for n in names}

    def off(self):
        return self.try_set('enabled', 'N')

    def writable(self):
        return [p for p, (mode, _) in self.params.items()
                if mode & 0o200 and p not in CONTROLS]

    def restore_defaults(self):
        """Turn the module off and give every parameter its default.

        The parameters outlive a test, so every test that changes them
        calls this when it ends.  Returns the parameters that could not be
        restored.
        """
        bad = []
        if self.off():
            bad.append('enabled')
        for p in self.writable():
            if self.try_set(p, self.params[p][1]):
                bad.append(p)
        return bad

    def cd_and_type(self, commands, tap):
        """The commands of a documented example, typed as written.

        @commands: [(file, value)], each run as "echo VALUE > FILE" in
        the parameters directory (the "cd" of the example).  One TAP check
        per command; returns whether all succeeded.
        """
        old = os.getcwd()
        os.chdir(self.dir)
        good = True
        try:
            for fname, value in commands:
                err = da.try_write(fname, '%s\n' % value)
                good &= tap.ok(not err, 'echo %s > %s' % (value, fname),
                               'failed: %s' % errname(err))
        finally:
            os.chdir(old)
        return good


def both_off():
    for name in PARAMS:
        m = Module(name)
        if m.present():
            m.off()


# ---------------------------------------------------------------------------
# Threads and processes

def kdamonds():
    """{pid: comm} of every kdamond thread that exists now."""
    out = {}
    for ent in os.listdir('/proc'):
        if not ent.isdigit():
            continue
        try:
            with open('/proc/%s/comm' % ent) as f:
                comm = f.read().strip()
        except OSError:
            continue
        if comm.startswith('kdamond'):
            out[int(ent)] = comm
    return out


def is_kdamond(pid):
    return pid > 0 and (da.thread_name(pid) or '').startswith('kdamond')


def cpu_ticks(pid):
    """utime + stime of @pid in clock ticks, None if it is gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            rest = f.read().rsplit(')', 1)[1].split()
    except OSError:
        return None
    return int(rest[11]) + int(rest[12])


def proc_status(pid):
    """The "NAME: N kB" lines of /proc/PID/status, as {NAME: bytes}."""
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            m = re.match(r'(\w+):\s+(\d+) kB$', line.strip())
            if m:
                out[m.group(1)] = int(m.group(2)) * KIB
    return out


def meminfo():
    out = {}
    with open('/proc/meminfo') as f:
        for line in f:
            m = re.match(r'(\w+):\s+(\d+)( kB)?$', line.strip())
            if m:
                out[m.group(1)] = int(m.group(2)) * (KIB if m.group(3) else 1)
    return out


def free_permil():
    """Free memory per thousand of all, as DAMON's free_mem_rate metric
    computes it (free pages * 1000 / total RAM pages)."""
    mi = meminfo()
    return mi['MemFree'] * 1000 // mi['MemTotal']


def pagemap(pid, rng):
    """The /proc/PID/pagemap entries of the pages of [start, end)."""
    first, n = rng[0] // PAGE, (rng[1] - rng[0]) // PAGE
    out = []
    with open('/proc/%d/pagemap' % pid, 'rb') as f:
        f.seek(first * 8)
        while len(out) < n:
            data = f.read(min(n - len(out), 32768) * 8)
            if not data:
                break
            out.extend(struct.unpack('<%dQ' % (len(data) // 8), data))
    return out


def kpageflags(pfns):
    """{pfn: /proc/kpageflags word} of @pfns (read in runs)."""
    todo = sorted(set(pfns))
    flags = {}
    with open('/proc/kpageflags', 'rb') as f:
        i = 0
        while i < len(todo):
            j = i
            while j + 1 < len(todo) and todo[j + 1] == todo[j] + 1 and \
                    j - i < 8191:
                j += 1
            f.seek(todo[i] * 8)
            data = f.read((j - i + 1) * 8)
            for k, w in enumerate(struct.unpack('<%dQ' % (len(data) // 8),
                                                data)):
                flags[todo[i] + k] = w
            i = j + 1
    return flags


class PageState:
    """Present, swapped, on-LRU and active pages of a range of a process.

    @step: look at every @step-th page only (Python is slow in the
    emulated guest; a sample says as much).
    """

    def __init__(self, pid, rng, lru=False, step=1):
        entries = pagemap(pid, rng)[::step]
        self.total = len(entries)
        self.present = sum(1 for e in entries if e & PM_PRESENT)
        self.swapped = sum(1 for e in entries if e & PM_SWAPPED)
        self.lru = self.active = 0
        if lru:
            pfns = [e & PM_PFN for e in entries if e & PM_PRESENT]
            words = kpageflags(pfns)
            for p in pfns:
                w = words.get(p, 0)
                if w >> KPF_LRU & 1:
                    self.lru += 1
                    self.active += w >> KPF_ACTIVE & 1

    def frac(self, what):
        base = self.total if what in ('present', 'swapped') else self.lru
        return getattr(self, what) / base if base else 0.0

    def __str__(self):
        return ('%d pages: %d present, %d swapped, %d on an LRU list of '
                'which %d active' % (self.total, self.present, self.swapped,
                                     self.lru, self.active))


# ---------------------------------------------------------------------------
# Swap on zram

_libc = None


def _libc_call(name, *args):
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6',
                            use_errno=True)
    if getattr(_libc, name)(*args):
        err = ctypes.get_errno()
        raise OSError(err, '%s: %s' % (name, os.strerror(err)))


def swap_devices():
    with open('/proc/swaps') as f:
        return [line.split()[0] for line in f.readlines()[1:] if line.strip()]


class ZramSwap:
    """Swap on /dev/zram0 (disksize, swap header, swapon), undone at exit.

    The swap header is written here (what mkswap writes that the kernel
    reads: the version 1 header and the SWAPSPACE2 signature), which spares
    the guest an exec.
    """

    SYS = '/sys/block/zram0'
    DEV = '/dev/zram0'

    def __init__(self, size=1 * GIB):
        self.size = size
        self.on = False

    @classmethod
    def available(cls):
        return os.path.isdir(cls.SYS) and os.path.exists(cls.DEV)

    def __enter__(self):
        if self.DEV in swap_devices():
            _libc_call('swapoff', self.DEV.encode())
        da.write(os.path.join(self.SYS, 'reset'), 1)
        da.write(os.path.join(self.SYS, 'disksize'), self.size)
        header = bytearray(PAGE)
        struct.pack_into('<III', header, 1024, 1, self.size // PAGE - 1, 0)
        header[PAGE - 10:] = b'SWAPSPACE2'
        fd = os.open(self.DEV, os.O_WRONLY)
        try:
            os.pwrite(fd, bytes(header), 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        _libc_call('swapon', self.DEV.encode(), 0)
        self.on = True
        return self

    def __exit__(self, *exc):
        if not self.on:
            return
        try:
            _libc_call('swapoff', self.DEV.encode())
            da.write(os.path.join(self.SYS, 'reset'), 1)
        except OSError as e:
            da.Tap.diag('could not undo the zram swap: %s' % e)
        self.on = False


# ---------------------------------------------------------------------------
# Taking memory away

class HugeHog:
    """Reserve huge pages until free memory is near @permil of all.

    Reserved huge pages are not free, belong to no process and are on no
    LRU list: the free memory rate drops, and nothing DAMON's policies do
    can give that memory back.  Released at exit.
    """

    NR = '/proc/sys/vm/nr_hugepages'

    def __init__(self, permil):
        self.permil = permil
        self.old = None
        self.hpage = None

    def __enter__(self):
        self.old = int(da.read(self.NR))
        self.hpage = meminfo().get('Hugepagesize', 2 * MIB)
        for _ in range(4):
            mi = meminfo()
            excess = mi['MemFree'] - mi['MemTotal'] * self.permil // 1000
            if abs(excess) < mi['MemTotal'] // 100:
                break
            nr = int(da.read(self.NR)) + excess // self.hpage
            da.try_write(self.NR, max(nr, 0))
        return self

    def nr(self):
        return int(da.read(self.NR))

    def __exit__(self, *exc):
        if self.old is not None:
            da.try_write(self.NR, self.old)


# ---------------------------------------------------------------------------
# The workload

def _cache_dir():
    return os.environ.get('DAMON_CACHE') or os.path.join(
        os.environ.get('HOME') or '/root', '.cache', 'damon-6.12')


def workload_binary():
    """module_workload: $DAMON_MODULE_WORKLOAD, or one built (by the host,
    e.g. run_vm_tests.sh --prepare) from this very source into the cache's
    selftests/ directory, or one compiled now into $TMPDIR."""
    env = os.environ.get('DAMON_MODULE_WORKLOAD')
    if env and os.access(env, os.X_OK):
        return env
    src = os.path.join(da.HERE, 'module_workload.c')
    with open(src, 'rb') as f:
        source = f.read()
    tmp = os.path.join(os.environ.get('TMPDIR', '/tmp'), 'damon-selftests')
    for d in (os.path.join(_cache_dir(), 'selftests'), tmp):
        binary = os.path.join(d, 'module_workload')
        try:
            with open(binary + '.c', 'rb') as f:
                same = f.read() == source
        except OSError:
            same = False
        if same and os.access(binary, os.X_OK):
            return binary
    os.makedirs(tmp, exist_ok=True)
    binary = os.path.join(tmp, 'module_workload')
    subprocess.run(['gcc', '-O1', '-Wall', '-o', binary, src], check=True)
    with open(binary + '.c', 'wb') as f:
        f.write(source)
    return binary


def quiet_node():
    """Of two or more NUMA nodes, the one with the largest share of its
    memory free: where little but what a test puts there lives (the kernel
    and processes fill the node they run on first).  None with one node."""
    base = '/sys/devices/system/node'
    shares = []
    for name in os.listdir(base) if os.path.isdir(base) else []:
        if not name.startswith('node') or not name[4:].isdigit():
            continue
        kib = {}
        with open(os.path.join(base, name, 'meminfo')) as f:
            for line in f:
                fields = line.split()
                kib[fields[2].rstrip(':')] = int(fields[3])
        if kib.get('MemTotal'):
            shares.append((kib['MemFree'] / kib['MemTotal'], int(name[4:])))
    return max(shares)[1] if len(shares) > 1 else None


class Workload:
    """A running module_workload; .hot and .cold are [start, end)."""

    def __init__(self, hot_kib, cold_kib, thp=False, seconds=900,
                 ready_timeout=180, cold_node=None):
        cmd = [workload_binary(), '-H', str(hot_kib), '-C', str(cold_kib),
               '-t', str(seconds)] + (['-T'] if thp else [])
        if cold_node is not None:
            cmd += ['-c', str(cold_node)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.hot = self.cold = None
        out = b''
        end = time.monotonic() + ready_timeout
        while b'ready\n' not in out:
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError('module_workload did not get ready: %r' %
                                   out)
            rd, _, _ = select.select([self.proc.stdout], [], [], left)
            if rd:
                out += os.read(self.proc.stdout.fileno(), 4096)
        for line in out.decode().splitlines():
            f = line.split()
            if len(f) == 3 and f[0] in ('hot', 'cold'):
                setattr(self, f[0], (int(f[1], 16), int(f[2], 16)))

    def alive(self):
        return self.proc.poll() is None

    def status(self):
        return proc_status(self.pid)

    def pages(self, which, lru=False, step=1):
        return PageState(self.pid, getattr(self, which), lru, step)

    def touch_twice(self, which):
        """Read a buffer twice through /proc/PID/mem: the kernel marks each
        page accessed both times, which moves it to the active LRU list."""
        start, end = getattr(self, which)
        fd = os.open('/proc/%d/mem' % self.pid, os.O_RDONLY)
        try:
            for _ in range(2):
                pos = start
                while pos < end:
                    n = min(4 * MIB, end - pos)
                    os.pread(fd, n, pos)
                    pos += n
        finally:
            os.close(fd)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
        if self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def poll(probe, done, timeout, step=2.0):
    """Call @probe until done(value) or @timeout seconds; the last value
    and the seconds it took."""
    t0 = time.monotonic()
    while True:
        val = probe()
        took = time.monotonic() - t0
        if done(val) or took >= timeout:
            return val, took
        time.sleep(step)


# ---------------------------------------------------------------------------
# The kernel log

TROUBLE = re.compile(
    r'BUG:|WARNING:|Oops|KASAN|circular locking|recursive locking|'
    r'lockdep|UBSAN|general protection fault|sleeping function called|'
    r'kernel BUG at|list_(add|del) corruption|soft lockup|hard LOCKUP|'
    r'blocked for more than')


class KernelLog:
    """The kernel log records written from now on (/dev/kmsg)."""

    def __init__(self):
        self.fd = None
        try:
            self.fd = os.open('/dev/kmsg', os.O_RDONLY | os.O_NONBLOCK)
            os.lseek(self.fd, 0, os.SEEK_END)
        except OSError:
            self.fd = None

    def new_lines(self):
        out = []
        if self.fd is None:
            return out
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                break
            except BrokenPipeError:
                continue	# overwritten meanwhile: go on with the rest
            if not rec:
                break
            text = rec.decode(errors='replace')
            out.append(text.split(';', 1)[-1].split('\n', 1)[0])
        return out

    def trouble(self):
        return [line for line in self.new_lines() if TROUBLE.search(line)]


# ---------------------------------------------------------------------------
# The kdamond's own clock

class AggregationClock:
    """How many aggregation intervals a kdamond has gone through.

    DAMON counts ages in aggregation intervals: min_age is so many of them.
    In an emulated guest a kdamond's sampling takes time of its own, so an
    aggregation interval lasts longer than aggr_interval, and waiting for
    "min_age" must count the kdamond's intervals, not the wall clock.  The
    damon:damon_aggregated event fires once per region per interval; a
    filter on the first region's start address (which never moves: regions
    cover the monitored range exactly) leaves one event per interval.
    """

    def __init__(self, first_region_start, name='damon_modules_clock'):
        self.trace = da.TraceInstance(name, ['damon_aggregated'])
        self.filtered = not da.try_write(
            os.path.join(self.trace.dir, 'events', 'damon',
                         'damon_aggregated', 'filter'),
            'start == %d' % first_region_start)
        self.trace.enable()

    def count(self):
        stamps = [ts for ts, _, _ in self.trace.lines()]
        if self.filtered:
            return len(stamps)
        return len(da.batches(sorted(stamps), 0.01))

    def remove(self):
        self.trace.remove()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
