# SPDX-License-Identifier: GPL-2.0
"""Helpers shared by the DAMON sysfs selftests.

Nothing here knows more than the documented ABI of
/sys/kernel/mm/damon/admin: paths, keywords and the "state" commands.

    Tap           TAP (kselftest style) reporting for one test program
    read/write    file access; write() raises OSError carrying the errno
    Kdamond       one kdamonds/<N>/ directory and its single context
    Workload      the hot_cold program (hot_cold.c), started and stopped
    TraceInstance a private tracefs instance with some DAMON events on
"""

import errno
import os
import re
import select
import signal
import subprocess
import sys
import time

ADMIN = '/sys/kernel/mm/damon/admin'
KDAMONDS = os.path.join(ADMIN, 'kdamonds')
HERE = os.path.dirname(os.path.abspath(__file__))

KSFT_PASS = 0
KSFT_FAIL = 1
KSFT_SKIP = 4

ACTIONS = ['willneed', 'cold', 'pageout', 'hugepage', 'nohugepage',
           'lru_prio', 'lru_deprio', 'migrate_hot', 'migrate_cold', 'stat']
WMARK_METRICS = ['none', 'free_mem_rate']
GOAL_METRICS = ['user_input', 'some_mem_psi_us']
FILTER_TYPES = ['anon', 'memcg', 'young', 'addr', 'target']

ULONG_MAX = (1 << 64) - 1
UINT_MAX = (1 << 32) - 1


class Tap:
    """Numbered TAP results of one test program; the plan comes last."""

    def __init__(self, title):
        self.count = 0
        self.failed = 0
        print('TAP version 13', flush=True)
        self.diag(title)

    @staticmethod
    def diag(msg):
        for line in str(msg).splitlines() or ['']:
            print('# ' + line, flush=True)

    def ok(self, cond, desc, detail=None):
        self.count += 1
        if cond:
            print('ok %d %s' % (self.count, desc), flush=True)
        else:
            self.failed += 1
            print('not ok %d %s' % (self.count, desc), flush=True)
            if detail is not None:
                self.diag(detail)
        return bool(cond)

    def eq(self, got, want, desc):
        return self.ok(got == want, desc, 'got %r, want %r' % (got, want))

    def errno_is(self, err, wanted, desc):
        """@err is 0 or an errno; @wanted one errno or a set of them."""
        if isinstance(wanted, int):
            wanted = {wanted}
        names = '/'.join(sorted(errno.errorcode.get(e, str(e))
                                for e in wanted))
        got = errno.errorcode.get(err, str(err)) if err else 'success'
        return self.ok(err in wanted, '%s -> %s' % (desc, names),
                       'got %s' % got)

    def finish(self):
        print('1..%d' % self.count, flush=True)
        if self.failed:
            self.diag('%d of %d checks failed' % (self.failed, self.count))
        sys.exit(KSFT_FAIL if self.failed else KSFT_PASS)

    @staticmethod
    def skip_all(reason):
        print('1..0 # SKIP %s' % reason, flush=True)
        sys.exit(KSFT_SKIP)


def in_use():
    """Whether some kdamond is on while we are not meant to own them all."""
    if os.environ.get('DAMON_VM') == '1' or \
            os.environ.get('DAMON_SELFTEST_FORCE') == '1':
        return False
    for n in numbered(KDAMONDS):
        try:
            if read(os.path.join(KDAMONDS, n, 'state')) == 'on':
                return True
        except OSError:
            pass
    return False


def require_admin():
    """Skip the whole program unless DAMON sysfs is ours to use.

    The tests remove every kdamond, so they refuse to run where one is
    already on, unless in the test VM (DAMON_VM=1) or told to go ahead
    (DAMON_SELFTEST_FORCE=1).
    """
    if os.geteuid() != 0:
        Tap.skip_all('must run as root')
    if not os.path.isdir(KDAMONDS):
        Tap.skip_all('%s not found (CONFIG_DAMON_SYSFS?)' % ADMIN)
    if in_use():
        Tap.skip_all('a kdamond is already on; not touching it (set '
                     'DAMON_SELFTEST_FORCE=1 to run anyway)')


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    """One write() of @value; raises OSError on failure."""
    data = str(value).encode()
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def try_write(path, value):
    """Like write() but returns 0 or the errno instead of raising."""
    try:
        write(path, value)
    except OSError as e:
        return e.errno
    return 0


def numbered(path):
    """The numbered subdirectories of @path, in numeric order."""
    try:
        names = os.listdir(path)
    except OSError:
        return []
    return sorted((n for n in names if n.isdigit()), key=int)


def wait_until(cond, timeout, step=0.2):
    """Poll @cond until it returns something true or @timeout passes."""
    end = time.monotonic() + timeout
    while True:
        val = cond()
        if val or time.monotonic() >= end:
            return val
        time.sleep(step)


def reset():
    """Turn every kdamond off and remove all of them."""
    for n in numbered(KDAMONDS):
        state = os.path.join(KDAMONDS, n, 'state')
        try_write(state, 'off')
    err = try_write(os.path.join(KDAMONDS, 'nr_kdamonds'), 0)
    if err:
        raise OSError(err, 'cannot remove the kdamonds directories')


def kmsg(text):
    """Leave a mark in the kernel log, to tell later what ran when."""
    try:
        write('/dev/kmsg', 'damon-selftest: %s\n' % text)
    except OSError:
        pass


def biggest_system_ram():
    """[start, end) of the biggest top-level System RAM range in iomem."""
    best = None
    with open('/proc/iomem') as f:
        for line in f:
            if line.startswith(' '):
                continue
            m = re.match(r'([0-9a-f]+)-([0-9a-f]+) : System RAM$',
                         line.strip())
            if not m:
                continue
            start, last = int(m.group(1), 16), int(m.group(2), 16)
            if best is None or last + 1 - start > best[1] - best[0]:
                best = (start, last + 1)
    if best is None or best[0] == best[1] - 1:
        return None
    return best


def free_pid():
    """A pid that no process has at the moment."""
    with open('/proc/sys/kernel/pid_max') as f:
        pid = int(f.read()) - 1
    while os.path.exists('/proc/%d' % pid):
        pid -= 1
    return pid


class Kdamond:
    """kdamonds/<idx>/ with exactly one context, contexts/0/."""

    def __init__(self, idx=0):
        self.idx = idx
        self.dir = os.path.join(KDAMONDS, str(idx))
        self.ctx = os.path.join(self.dir, 'contexts', '0')

    def p(self, *parts):
        """A path below the context directory."""
        return os.path.join(self.ctx, *parts)

    def scheme(self, i, *parts):
        return self.p('schemes', str(i), *parts)

    def target(self, i, *parts):
        return self.p('targets', str(i), *parts)

    def state(self):
        return read(os.path.join(self.dir, 'state'))

    def pid(self):
        return int(read(os.path.join(self.dir, 'pid')))

    def cmd(self, word):
        write(os.path.join(self.dir, 'state'), word)

    def try_cmd(self, word):
        return try_write(os.path.join(self.dir, 'state'), word)

    def set_intervals(self, sample_us, aggr_us, update_us=None):
        base = self.p('monitoring_attrs', 'intervals')
        write(os.path.join(base, 'sample_us'), sample_us)
        write(os.path.join(base, 'aggr_us'), aggr_us)
        if update_us is not None:
            write(os.path.join(base, 'update_us'), update_us)

    def set_nr_regions(self, lo, hi):
        base = self.p('monitoring_attrs', 'nr_regions')
        write(os.path.join(base, 'min'), lo)
        write(os.path.join(base, 'max'), hi)

    def set_targets(self, targets):
        """@targets: list of dicts with optional 'pid' and 'regions'."""
        write(self.p('targets', 'nr_targets'), len(targets))
        for i, t in enumerate(targets):
            if 'pid' in t:
                write(self.target(i, 'pid_target'), t['pid'])
            regions = t.get('regions', [])
            write(self.target(i, 'regions', 'nr_regions'), len(regions))
            for j, (start, end) in enumerate(regions):
                rdir = self.target(i, 'regions', str(j))
                write(os.path.join(rdir, 'start'), start)
                write(os.path.join(rdir, 'end'), end)

    def set_scheme(self, i, action='stat', sz=(0, ULONG_MAX),
                   nr_accesses=(0, UINT_MAX), age=(0, UINT_MAX),
                   apply_interval_us=0):
        write(self.scheme(i, 'action'), action)
        write(self.scheme(i, 'apply_interval_us'), apply_interval_us)
        for name, (lo, hi) in (('sz', sz), ('nr_accesses', nr_accesses),
                               ('age', age)):
            write(self.scheme(i, 'access_pattern', name, 'min'), lo)
            write(self.scheme(i, 'access_pattern', name, 'max'), hi)
        write(self.scheme(i, 'watermarks', 'metric'), 'none')

    def setup(self, ops, targets, sample_us=5000, aggr_us=100000,
              update_us=1000000, nr_regions=(10, 1000), schemes=None):
        """Create this kdamond (and the ones before it) and configure it.

        @schemes is a list of keyword dicts for set_scheme(); None means
        one stat scheme matching every region.
        """
        nr = int(read(os.path.join(KDAMONDS, 'nr_kdamonds')))
        if nr <= self.idx:
            write(os.path.join(KDAMONDS, 'nr_kdamonds'), self.idx + 1)
        write(os.path.join(self.dir, 'contexts', 'nr_contexts'), 1)
        write(self.p('operations'), ops)
        self.set_intervals(sample_us, aggr_us, update_us)
        self.set_nr_regions(*nr_regions)
        self.set_targets(targets)
        if schemes is None:
            schemes = [{}]
        write(self.p('schemes', 'nr_schemes'), len(schemes))
        for i, s in enumerate(schemes):
            self.set_scheme(i, **s)
        return self

    def tried_regions(self, scheme=0):
        """(total_bytes, [(start, end, nr_accesses, age), ...]) as shown."""
        base = self.scheme(scheme, 'tried_regions')
        total = int(read(os.path.join(base, 'total_bytes')))
        regions = []
        for n in numbered(base):
            d = os.path.join(base, n)
            regions.append(tuple(int(read(os.path.join(d, f))) for f in
                                 ('start', 'end', 'nr_accesses', 'age')))
        return total, regions

    def stats(self, scheme=0):
        base = self.scheme(scheme, 'stats')
        return {f: int(read(os.path.join(base, f))) for f in
                ('nr_tried', 'sz_tried', 'nr_applied', 'sz_applied',
                 'qt_exceeds')}


def kdamond_threads():
    """The pids of the kdamond threads there are."""
    return [int(p) for p in os.listdir('/proc') if p.isdigit() and
            (thread_name(int(p)) or '').startswith('kdamond')]


def thread_name(pid):
    try:
        return read('/proc/%d/comm' % pid)
    except OSError:
        return None


def workload_binary():
    """Path of the hot_cold program, compiling it if need be."""
    env = os.environ.get('DAMON_HOT_COLD')
    if env and os.access(env, os.X_OK):
        return env
    local = os.path.join(HERE, 'hot_cold')
    if os.access(local, os.X_OK):
        return local
    outdir = os.path.join(os.environ.get('TMPDIR', '/tmp'),
                          'damon-selftests')
    out = os.path.join(outdir, 'hot_cold')
    if not os.access(out, os.X_OK):
        os.makedirs(outdir, exist_ok=True)
        subprocess.run(['gcc', '-O1', '-Wall', '-o', out,
                        os.path.join(HERE, 'hot_cold.c')], check=True)
    return out


class Workload:
    """A running hot_cold process; its buffers' [start, end) ranges."""

    def __init__(self, hot_kib=2048, cold_kib=65536, seconds=600,
                 ready_timeout=60):
        cmd = [workload_binary(), '-H', str(hot_kib), '-C', str(cold_kib),
               '-t', str(seconds)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.hot = self.cold = None
        deadline = time.monotonic() + ready_timeout
        buf = b''
        while b'ready\n' not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError('hot_cold did not get ready')
            rd, _, _ = select.select([self.proc.stdout], [], [], left)
            if rd:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    continue
                buf += chunk
        for line in buf.decode().splitlines():
            f = line.split()
            if len(f) == 3 and f[0] in ('hot', 'cold'):
                setattr(self, f[0], (int(f[1], 16), int(f[2], 16)))

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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def tracefs():
    for d in ('/sys/kernel/tracing', '/sys/kernel/debug/tracing'):
        if os.path.isdir(os.path.join(d, 'instances')):
            return d
    return None


TRACE_LINE = re.compile(r'\s(\d+)\.(\d+): (\w+): (.*)$')


class TraceInstance:
    """A tracefs instance of our own, so nobody else's tracing is touched."""

    def __init__(self, name, events):
        root = tracefs()
        if root is None:
            raise OSError(errno.ENOENT, 'tracefs is not mounted')
        self.dir = os.path.join(root, 'instances', name)
        if os.path.isdir(self.dir):
            os.rmdir(self.dir)
        os.mkdir(self.dir)
        self.events = events
        try_write(os.path.join(self.dir, 'buffer_size_kb'), 4096)
        # one clock for all CPUs: the kdamond may move between them
        try_write(os.path.join(self.dir, 'trace_clock'), 'global')

    def enable(self, on=True):
        for ev in self.events:
            write(os.path.join(self.dir, 'events', 'damon', ev, 'enable'),
                  1 if on else 0)

    def clear(self):
        with open(os.path.join(self.dir, 'trace'), 'w'):
            pass

    def lines(self):
        """[(timestamp_seconds, event, fields_text), ...] of the buffer."""
        out = []
        with open(os.path.join(self.dir, 'trace')) as f:
            for line in f:
                if line.startswith('#'):
                    continue
                m = TRACE_LINE.search(line.rstrip('\n'))
                if m:
                    ts = int(m.group(1)) + int(m.group(2)) / \
                        10 ** len(m.group(2))
                    out.append((ts, m.group(3), m.group(4)))
        return out

    def remove(self):
        try:
            self.enable(False)
        except OSError:
            pass
        try:
            os.rmdir(self.dir)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


AGGREGATED = re.compile(
    r'^target_id=(\d+) nr_regions=(\d+) (\d+)-(\d+): (\d+) (\d+)$')
BEFORE_APPLY = re.compile(
    r'^ctx_idx=(\d+) scheme_idx=(\d+) target_idx=(\d+) nr_regions=(\d+) '
    r'(\d+)-(\d+): (\d+) (\d+)$')


def batches(stamps, gap):
    """Group sorted timestamps into bursts separated by more than @gap."""
    groups = []
    for ts in stamps:
        if groups and ts - groups[-1][-1] <= gap:
            groups[-1].append(ts)
        else:
            groups.append([ts])
    return groups


def median(values):
    v = sorted(values)
    if not v:
        return None
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def overlap(a, b):
    """Bytes shared by the [start, end) ranges @a and @b."""
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def region_table(regions, labels=()):
    """Printable lines describing @regions, marking @labels ranges."""
    lines = []
    for start, end, nr, age in regions:
        tags = [name for name, rng in labels if overlap((start, end), rng)]
        lines.append('%#014x-%#014x %10d KiB  nr_accesses=%-4d age=%-5d %s' %
                     (start, end, (end - start) // 1024, nr, age,
                      ','.join(tags)))
    return lines
