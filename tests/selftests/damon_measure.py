# SPDX-License-Identifier: GPL-2.0
"""What the DAMOS action tests need besides the DAMON sysfs files.

The action tests judge DAMOS by what happens to memory, as seen from
outside DAMON: /proc/PID/{pagemap,status,smaps,numa_maps,stat},
/proc/kpageflags, /proc/meminfo.  This module reads those, and sets up
what the checks need:

    Swap          zram swap on /dev/zram0, undone afterwards
    Cgroup        a cgroup v2 group with the memory controller
    ThpMode       transparent_hugepage/enabled, set for a while
    Mix           the access_mix workload (access_mix.c)
    Pages         the state of a range of a process's pages
    set_scheme()  every file of one scheme, filters, quotas, watermarks
    Poll          polling with a deadline that keeps the last value seen

Nothing here changes how damon_admin.py behaves; it only builds on it.
"""

import ctypes
import ctypes.util
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import time

import damon_admin as da

PAGE = os.sysconf('SC_PAGE_SIZE')
KIB = 1024
MIB = 1024 * KIB

# /proc/PID/pagemap, Documentation/admin-guide/mm/pagemap.rst
PM_PRESENT = 1 << 63
PM_SWAPPED = 1 << 62
PM_PFN_MASK = (1 << 55) - 1

# /proc/kpageflags bit numbers, include/uapi/linux/kernel-page-flags.h
KPF_LRU = 5
KPF_ACTIVE = 6
KPF_THP = 22


def exit_on_sigterm():
    """Make SIGTERM (what run_vm_tests.sh sends at a time limit) unwind
    the "with" blocks, so that swap, THP mode and cgroups get undone."""
    def handler(signum, frame):
        raise SystemExit(da.KSFT_FAIL)
    signal.signal(signal.SIGTERM, handler)


def mib(nbytes):
    return '%.1f MiB' % (nbytes / MIB)


def frac(part, whole):
    return part / whole if whole else 0.0


# ---------------------------------------------------------------------------
# Reading a process's memory state

def pagemap(pid, rng):
    """The pagemap entries of the pages of [start, end) of @pid."""
    start, end = rng
    first, n = start // PAGE, (end - start) // PAGE
    out = []
    with open('/proc/%d/pagemap' % pid, 'rb') as f:
        f.seek(first * 8)
        while len(out) < n:
            chunk = f.read(min(n - len(out), 65536) * 8)
            if not chunk:
                break
            out.extend(struct.unpack('<%dQ' % (len(chunk) // 8), chunk))
    return out


class Pages:
    """Where the pages of one range of one process are, right now.

    @which: optional function of the page index (0 for the first page of
    the range) telling which pages to look at.
    """

    def __init__(self, pid, rng, which=None):
        entries = pagemap(pid, rng)
        if which is not None:
            entries = [e for i, e in enumerate(entries) if which(i)]
        self.total = len(entries)
        self.present = sum(1 for e in entries if e & PM_PRESENT)
        self.swapped = sum(1 for e in entries if e & PM_SWAPPED)
        self.pfns = [e & PM_PFN_MASK for e in entries if e & PM_PRESENT]

    @property
    def present_frac(self):
        return frac(self.present, self.total)

    @property
    def swapped_frac(self):
        return frac(self.swapped, self.total)

    def __str__(self):
        return '%d pages: %d present, %d swapped' % (self.total, self.present,
                                                      self.swapped)


def pieces_swapped(pid, rng, nr_pieces):
    """Fraction swapped out of each of @nr_pieces equal parts of @rng."""
    entries = pagemap(pid, rng)
    size = max(1, len(entries) // nr_pieces)
    out = []
    for i in range(nr_pieces):
        part = entries[i * size:(i + 1) * size]
        out.append(frac(sum(1 for e in part if e & PM_SWAPPED), len(part)))
    return out


def kpageflags(pfns):
    """The /proc/kpageflags words of @pfns, in the same order."""
    flags = {}
    with open('/proc/kpageflags', 'rb') as f:
        todo = sorted(set(pfns))
        i = 0
        while i < len(todo):
            # read runs of consecutive pfns at once
            j = i
            while j + 1 < len(todo) and todo[j + 1] == todo[j] + 1 and \
                    j - i < 4096:
                j += 1
            f.seek(todo[i] * 8)
            data = f.read((j - i + 1) * 8)
            words = struct.unpack('<%dQ' % (len(data) // 8), data)
            for k, w in enumerate(words):
                flags[todo[i] + k] = w
            i = j + 1
    return [flags.get(p, 0) for p in pfns]


class LruState:
    """How many of the present pages of a range are on an LRU list, and
    how many on an active one, by /proc/kpageflags."""

    def __init__(self, pid, rng, which=None):
        pages = Pages(pid, rng, which)
        words = kpageflags(pages.pfns)
        self.total = pages.total
        self.present = pages.present
        self.lru = sum(1 for w in words if w >> KPF_LRU & 1)
        self.active = sum(1 for w in words
                          if w >> KPF_LRU & 1 and w >> KPF_ACTIVE & 1)

    @property
    def active_frac(self):
        return frac(self.active, self.present)

    def __str__(self):
        return '%d pages, %d present, %d on an LRU list, %d active' % (
            self.total, self.present, self.lru, self.active)


def proc_status(pid):
    """/proc/PID/status, the "NAME: N kB" lines as {NAME: bytes}."""
    out = {}
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            m = re.match(r'(\w+):\s+(\d+) kB$', line.strip())
            if m:
                out[m.group(1)] = int(m.group(2)) * KIB
    return out


def majflt(pid):
    """The major page faults of @pid so far (/proc/PID/stat field 12)."""
    with open('/proc/%d/stat' % pid) as f:
        rest = f.read().rsplit(')', 1)[1].split()
    return int(rest[9])


def meminfo():
    out = {}
    with open('/proc/meminfo') as f:
        for line in f:
            m = re.match(r'(\w+):\s+(\d+)( kB)?$', line.strip())
            if m:
                out[m.group(1)] = int(m.group(2)) * (KIB if m.group(3)
                                                     else 1)
    return out


def free_mem_permil():
    """Free memory per thousand of total, as DAMON's free_mem_rate."""
    mi = meminfo()
    return mi['MemFree'] * 1000 // mi['MemTotal']


def numa_pages(pid, rng):
    """{node: pages} of the mappings of @pid that start in @rng."""
    nodes = {}
    with open('/proc/%d/numa_maps' % pid) as f:
        for line in f:
            fields = line.split()
            if not fields or not rng[0] <= int(fields[0], 16) < rng[1]:
                continue
            for fld in fields[1:]:
                m = re.match(r'N(\d+)=(\d+)$', fld)
                if m:
                    node = int(m.group(1))
                    nodes[node] = nodes.get(node, 0) + int(m.group(2))
    return nodes


def smaps(pid):
    """[{'start', 'end', 'flags': set, 'THPeligible': int, NAME: kB}]."""
    vmas = []
    head = re.compile(r'^([0-9a-f]+)-([0-9a-f]+) ')
    with open('/proc/%d/smaps' % pid) as f:
        for line in f:
            m = head.match(line)
            if m:
                vmas.append({'start': int(m.group(1), 16),
                             'end': int(m.group(2), 16), 'flags': set()})
                continue
            if not vmas:
                continue
            key, _, val = line.partition(':')
            val = val.strip()
            if key == 'VmFlags':
                vmas[-1]['flags'] = set(val.split())
            elif key == 'THPeligible':
                vmas[-1]['THPeligible'] = int(val)
            elif val.endswith(' kB'):
                vmas[-1][key] = int(val[:-3])
    return vmas


def phys_span(pid, ranges):
    """[start, end) physical addresses spanning the present pages of
    @ranges of @pid, or None."""
    pfns = []
    for rng in ranges:
        pfns.extend(Pages(pid, rng).pfns)
    pfns = [p for p in pfns if p]
    if not pfns:
        return None
    return min(pfns) * PAGE, (max(pfns) + 1) * PAGE


def touch_twice(pid, rng):
    """Read [start, end) of @pid twice through /proc/PID/mem.

    The kernel reads another process's memory with get_user_pages(), which
    marks each page accessed: twice makes an inactive page active, without
    DAMON and without memory pressure.
    """
    fd = os.open('/proc/%d/mem' % pid, os.O_RDONLY)
    try:
        for _ in range(2):
            pos = rng[0]
            while pos < rng[1]:
                n = min(MIB, rng[1] - pos)
                os.pread(fd, n, pos)
                pos += n
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------
# Swap, cgroups, THP

_libc = None


def libc():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6',
                            use_errno=True)
    return _libc


def _swapctl(name, dev):
    func = getattr(libc(), name)
    if name == 'swapon':
        ret = func(dev.encode(), 0)
    else:
        ret = func(dev.encode())
    if ret:
        err = ctypes.get_errno()
        raise OSError(err, '%s(%s): %s' % (name, dev, os.strerror(err)))


def swaps():
    """Device names in /proc/swaps."""
    with open('/proc/swaps') as f:
        return [line.split()[0] for line in f.readlines()[1:] if line.strip()]


class Swap:
    """zram swap on /dev/zram0 while in a "with" block."""

    DEV = '/dev/zram0'
    SYS = '/sys/block/zram0'

    def __init__(self, size=768 * MIB):
        self.size = size
        self.on = False

    @classmethod
    def available(cls):
        return os.path.isdir(cls.SYS) and os.path.exists(cls.DEV)

    def __enter__(self):
        if self.DEV in swaps():
            # left over from a test that died: start afresh
            _swapctl('swapoff', self.DEV)
        da.write(os.path.join(self.SYS, 'reset'), 1)
        da.write(os.path.join(self.SYS, 'disksize'), self.size)
        self.mkswap()
        _swapctl('swapon', self.DEV)
        self.on = True
        return self

    def mkswap(self):
        """mkswap if there is one, else write a version 1 swap header."""
        tool = shutil.which('mkswap') or next(
            (p for p in ('/usr/sbin/mkswap', '/sbin/mkswap')
             if os.access(p, os.X_OK)), None)
        if tool:
            res = subprocess.run([tool, self.DEV], stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL)
            if res.returncode:
                raise OSError('mkswap %s failed: %s' %
                              (self.DEV,
                               res.stdout.decode(errors='replace')))
            return
        # boot block, then version, last page, number of bad pages
        header = bytearray(PAGE)
        struct.pack_into('<III', header, 1024, 1, self.size // PAGE - 1, 0)
        header[PAGE - 10:] = b'SWAPSPACE2'
        fd = os.open(self.DEV, os.O_WRONLY)
        try:
            os.pwrite(fd, bytes(header), 0)
            os.fsync(fd)
        finally:
            os.close(fd)

    def __exit__(self, *exc):
        if self.on:
            try:
                _swapctl('swapoff', self.DEV)
                da.try_write(os.path.join(self.SYS, 'reset'), 1)
            except OSError as e:
                da.Tap.diag('could not undo the zram swap: %s' % e)
            self.on = False


class Cgroup:
    """/sys/fs/cgroup/NAME, with the memory controller, while in "with"."""

    ROOT = '/sys/fs/cgroup'

    def __init__(self, name):
        self.name = name
        self.dir = os.path.join(self.ROOT, name)
        self.path = '/' + name	# as DAMON's memcg_path wants it

    @classmethod
    def available(cls):
        try:
            ctrls = da.read(os.path.join(cls.ROOT, 'cgroup.controllers'))
        except OSError:
            return False
        return 'memory' in ctrls.split()

    def __enter__(self):
        ctl = os.path.join(self.ROOT, 'cgroup.subtree_control')
        if 'memory' not in da.read(ctl).split():
            da.write(ctl, '+memory')
        if os.path.isdir(self.dir):
            self.remove()
        os.mkdir(self.dir)
        return self

    def join_func(self):
        """For Popen(preexec_fn=...): the child joins this group."""
        procs = os.path.join(self.dir, 'cgroup.procs')

        def join():
            with open(procs, 'w') as f:
                f.write(str(os.getpid()))
        return join

    def remove(self):
        procs = os.path.join(self.dir, 'cgroup.procs')
        try:
            for pid in da.read(procs).split():
                os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
        end = time.monotonic() + 10
        while True:
            try:
                os.rmdir(self.dir)
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > end:
                    da.Tap.diag('could not remove %s' % self.dir)
                    return
                time.sleep(0.2)

    def __exit__(self, *exc):
        self.remove()


class ThpMode:
    """transparent_hugepage/enabled set to @mode while in "with"."""

    FILE = '/sys/kernel/mm/transparent_hugepage/enabled'

    def __init__(self, mode):
        self.mode = mode
        self.old = None

    @classmethod
    def current(cls):
        m = re.search(r'\[(\w+)\]', da.read(cls.FILE))
        return m.group(1) if m else None

    def __enter__(self):
        self.old = self.current()
        da.write(self.FILE, self.mode)
        return self

    def __exit__(self, *exc):
        if self.old:
            da.try_write(self.FILE, self.old)


# ---------------------------------------------------------------------------
# The access_mix workload

def _cache_dir():
    return os.environ.get('DAMON_CACHE') or os.path.join(
        os.environ.get('HOME') or '/root', '.cache', 'damon-6.12')


def mix_binary():
    """Path of access_mix: $DAMON_ACCESS_MIX, the one run_vm_tests.sh
    --prepare built from this very source, or one compiled now."""
    env = os.environ.get('DAMON_ACCESS_MIX')
    if env and os.access(env, os.X_OK):
        return env
    src = os.path.join(da.HERE, 'access_mix.c')
    with open(src, 'rb') as f:
        source = f.read()
    prebuilt = os.path.join(_cache_dir(), 'selftests', 'access_mix')
    try:
        with open(prebuilt + '.c', 'rb') as f:
            same = f.read() == source
    except OSError:
        same = False
    if same and os.access(prebuilt, os.X_OK):
        return prebuilt
    outdir = os.path.join(os.environ.get('TMPDIR', '/tmp'),
                          'damon-selftests')
    out = os.path.join(outdir, 'access_mix')
    copy = out + '.c'
    try:
        with open(copy, 'rb') as f:
            fresh = f.read() == source
    except OSError:
        fresh = False
    if not (fresh and os.access(out, os.X_OK)):
        os.makedirs(outdir, exist_ok=True)
        subprocess.run(['gcc', '-O1', '-Wall', '-o', out, src], check=True)
        with open(copy, 'wb') as f:
            f.write(source)
    return out


class Mix:
    """A running access_mix; .bufs maps a buffer name to [start, end).

    @args: its options, e.g. ['-H', '2048', '-C', '32768'].
    @cgroup: a Cgroup to start it in (before it touches any memory).
    """

    def __init__(self, args, cgroup=None, ready_timeout=120):
        cmd = [mix_binary()] + [str(a) for a in args]
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
            preexec_fn=cgroup.join_func() if cgroup else None)
        self.pid = self.proc.pid
        self.bufs = {}
        self.stride = None
        out = b''
        end = time.monotonic() + ready_timeout
        while b'ready\n' not in out:
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError('access_mix %s did not get ready: %r' %
                                   (' '.join(cmd[1:]), out))
            rd, _, _ = select.select([self.proc.stdout], [], [], left)
            if rd:
                out += os.read(self.proc.stdout.fileno(), 4096)
        for line in out.decode().splitlines():
            f = line.split()
            if len(f) == 4 and f[0] == 'buf':
                self.bufs[f[1]] = (int(f[2], 16), int(f[3], 16))
            elif len(f) == 2 and f[0] == 'stride':
                self.stride = int(f[1])

    def __getitem__(self, name):
        return self.bufs[name]

    def size(self, name):
        return self.bufs[name][1] - self.bufs[name][0]

    def hot_page(self, i):
        """Whether page @i of the mixed buffer is one of its hot pages."""
        return i % self.stride == 0

    def cold_page(self, i):
        return i % self.stride != 0

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        if self.proc.stdout:
            self.proc.stdout.close()

    def describe(self):
        return ', '.join('%s %#x-%#x (%s)' % (n, s, e, mib(e - s))
                         for n, (s, e) in sorted(self.bufs.items(),
                                                 key=lambda x: x[1]))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------------------
# Schemes

def set_scheme(kd, i, action='stat', sz=(0, da.ULONG_MAX),
               nr_accesses=(0, da.UINT_MAX), age=(0, da.UINT_MAX),
               apply_interval_us=0, target_nid=-1, quota=None,
               weights=(0, 0, 0), goals=(), filters=(), wmarks=None):
    """Write every file of scheme @i, so nothing of an earlier setting of
    the same directory is left over.

    @quota: dict with any of ms, bytes, reset_interval_ms (others 0).
    @goals: (metric, target_value, current_value) tuples.
    @filters: dicts with 'type', 'matching' (bool) and the type's own
    files (memcg_path, addr_start/addr_end, damon_target_idx).
    @wmarks: dict with metric, interval_us, high, mid, low; None: none.
    """
    kd.set_scheme(i, action=action, sz=sz, nr_accesses=nr_accesses,
                  age=age, apply_interval_us=apply_interval_us)
    da.write(kd.scheme(i, 'target_nid'), target_nid)
    q = quota or {}
    for name in ('ms', 'bytes', 'reset_interval_ms'):
        da.write(kd.scheme(i, 'quotas', name), q.get(name, 0))
    for name, val in zip(('sz_permil', 'nr_accesses_permil', 'age_permil'),
                         weights):
        da.write(kd.scheme(i, 'quotas', 'weights', name), val)
    gdir = kd.scheme(i, 'quotas', 'goals')
    da.write(os.path.join(gdir, 'nr_goals'), len(goals))
    for j, (metric, target, current) in enumerate(goals):
        da.write(os.path.join(gdir, str(j), 'target_metric'), metric)
        da.write(os.path.join(gdir, str(j), 'target_value'), target)
        da.write(os.path.join(gdir, str(j), 'current_value'), current)
    fdir = kd.scheme(i, 'filters')
    da.write(os.path.join(fdir, 'nr_filters'), len(filters))
    for j, flt in enumerate(filters):
        d = os.path.join(fdir, str(j))
        da.write(os.path.join(d, 'type'), flt['type'])
        for name in ('memcg_path', 'addr_start', 'addr_end',
                     'damon_target_idx'):
            if name in flt:
                da.write(os.path.join(d, name), flt[name])
        da.write(os.path.join(d, 'matching'),
                 'Y' if flt.get('matching', True) else 'N')
    w = wmarks or {'metric': 'none'}
    wdir = kd.scheme(i, 'watermarks')
    for name in ('interval_us', 'high', 'mid', 'low'):
        if name in w:
            da.write(os.path.join(wdir, name), w[name])
    da.write(os.path.join(wdir, 'metric'), w['metric'])


def set_schemes(kd, schemes):
    """Make the context have exactly @schemes (dicts for set_scheme())."""
    da.write(kd.p('schemes', 'nr_schemes'), len(schemes))
    for i, s in enumerate(schemes):
        set_scheme(kd, i, **s)


def stats(kd, i):
    """Every file of schemes/<i>/stats/ as {name: int} (call
    update_schemes_stats first)."""
    d = kd.scheme(i, 'stats')
    return {n: int(da.read(os.path.join(d, n))) for n in sorted(os.listdir(d))}


def all_stats(kd, nr):
    """Fresh stats of schemes 0..@nr-1, or None if the update failed."""
    if kd.try_cmd('update_schemes_stats'):
        return None
    return [stats(kd, i) for i in range(nr)]


def tried_regions(kd, i):
    """[{file: int}] of schemes/<i>/tried_regions/<R>/ (every file there;
    call update_schemes_tried_regions first)."""
    base = kd.scheme(i, 'tried_regions')
    out = []
    for n in da.numbered(base):
        d = os.path.join(base, n)
        out.append({f: int(da.read(os.path.join(d, f)))
                    for f in os.listdir(d)})
    return out


def effective_bytes(kd, i):
    if kd.try_cmd('update_schemes_effective_quotas'):
        return None
    return int(da.read(kd.scheme(i, 'quotas', 'effective_bytes')))


def hot_found(kd, scheme, rng, min_nr, share=0.5):
    """Whether the tried regions of @scheme (a stat scheme matching every
    region) show at least @share of @rng at nr_accesses >= @min_nr."""
    if kd.try_cmd('update_schemes_tried_regions'):
        return False
    _, regions = kd.tried_regions(scheme)
    hot = sum(da.overlap((s, e), rng) for s, e, nr, _ in regions
              if nr >= min_nr)
    return hot >= share * (rng[1] - rng[0])


def hot_found_phys(kd, scheme, pfns, min_nr, share=0.5):
    """Like hot_found(), for physical pages (paddr): the share of @pfns in
    regions with nr_accesses >= @min_nr."""
    if not pfns or kd.try_cmd('update_schemes_tried_regions'):
        return False
    _, regions = kd.tried_regions(scheme)
    hot = [(s, e) for s, e, nr, _ in regions if nr >= min_nr]
    n = sum(1 for p in pfns if any(s <= p * PAGE < e for s, e in hot))
    return n >= share * len(pfns)


class Poll:
    """Call @probe until @done(value) or @timeout seconds; keeps the last
    value, how long it took and whether it got there."""

    def __init__(self, probe, done, timeout, step=1.0):
        t0 = time.monotonic()
        self.value = None
        self.ok = False
        while True:
            self.value = probe()
            if self.value is not None and done(self.value):
                self.ok = True
                break
            if time.monotonic() - t0 >= timeout:
                break
            time.sleep(step)
        self.seconds = time.monotonic() - t0
