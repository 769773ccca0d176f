#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The DAMON user-space tool, damo, works with our sysfs interface.

damo is not part of this project: it is looked for at $DAMO, then at
/work/shared/damo/damo and ../shared/damo/damo next to the repository
(a "damo" that is a one-line file naming a script is followed, as the
symlink it stands for).  The test skips, saying why, if there is none.

damo record needs perf (or trace-cmd) on the PATH even for snapshots: it
refuses to start without one.  By default it also records a CPU profile
with "perf record", memory footprints and more; "--do_record access"
keeps it to what DAMON records (the rest takes minutes in an emulated
guest and has nothing to do with DAMON).  The guest has the host's
/usr/bin/perf.

Against an access_mix process (1 MiB hot, 8 MiB cold):

  damo record --snapshot 1 3 --do_record access -o FILE PID
      finishes, writes FILE, and leaves no kdamond on
  damo report access -i FILE --raw_number
      reads it back and shows regions (default format, plain numbers);
      together they cover most of the cold buffer, and the hot buffer is
      in regions with a higher access rate than the cold buffer
  damo start PID / damo stop
      turn a kdamond for that pid on (seen in sysfs) and off again
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import damon_admin as da
import damon_measure as dm

tap = da.Tap('damo_tool: damo record, report, start and stop')
da.require_admin()
dm.exit_on_sigterm()


def find_damo():
    cands = []
    if os.environ.get('DAMO'):
        cands.append(os.environ['DAMO'])
    cands.append('/work/shared/damo/damo')
    cands.append(os.path.normpath(os.path.join(da.HERE, '..', '..', '..',
                                               'shared', 'damo', 'damo')))
    for path in cands:
        if os.path.isfile(path):
            return path
    return None


def damo_argv(path):
    """How to run the damo at @path."""
    with open(path, 'rb') as f:
        head = f.read(512)
    text = head.decode(errors='replace').strip()
    # a symlink flattened into a file: its content is the target's path
    if not head.startswith(b'#!') and '\n' not in text and text:
        target = os.path.join(os.path.dirname(path), text)
        if os.path.isfile(target):
            return [sys.executable, target]
    if head.startswith(b'#!') and os.access(path, os.X_OK):
        return [path]
    return [sys.executable, path]


DAMO = find_damo()
if DAMO is None:
    da.Tap.skip_all('damo not found: set $DAMO, or put damo 3.x at '
                    '/work/shared/damo/damo')
ARGV = damo_argv(DAMO)
# damo's own directory may be read-only: without a writable cache for its
# compiled modules, Python would compile all of damo again for every
# command, which takes long in an emulated guest
# compiled by run_vm_tests.sh --prepare on the host, if it was
PREPARED_PYCACHE = os.path.join(
    os.environ.get('DAMON_CACHE') or os.path.join(
        os.environ.get('HOME') or '/root', '.cache', 'damon-6.12'),
    'selftests', 'pycache')
ENV = dict(os.environ, PYTHONPYCACHEPREFIX=PREPARED_PYCACHE
           if os.path.isdir(PREPARED_PYCACHE) else os.path.join(
               os.environ.get('TMPDIR', '/tmp'), 'damo-selftest-pycache'))
tap.diag('damo: %s; perf: %s' % (' '.join(ARGV), shutil.which('perf')))
if not shutil.which('perf') and not shutil.which('trace-cmd'):
    da.Tap.skip_all('damo record needs perf or trace-cmd; neither is on '
                    'the PATH')
da.reset()


def damo(args, timeout=180, cwd=None):
    """(exit status, output) of damo with @args; status None on timeout.

    Output goes to a file, not a pipe, and damo runs in a session of its
    own that is killed afterwards: a helper it leaves behind (perf) must
    neither hold up the test nor outlive it."""
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(ARGV + args, stdout=out,
                                stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=cwd,
                                env=ENV, start_new_session=True)
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
        out.seek(0)
        return rc, out.read().decode(errors='replace')


def show(out, lines=25):
    """The first and last lines of @out (a traceback's end matters)."""
    rows = out.splitlines()
    if len(rows) > 2 * lines:
        rows = rows[:lines] + ['... (%d lines left out)' %
                               (len(rows) - 2 * lines)] + rows[-lines:]
    for row in rows:
        tap.diag('  ' + row)


def union_overlap(ranges, rng):
    """Bytes of @rng inside the union of @ranges (they may overlap: the
    report has every snapshot)."""
    total, reach = 0, rng[0]
    for s, e in sorted(ranges):
        s, e = max(s, reach), min(e, rng[1])
        if s < e:
            total += e - s
            reach = e
    return total


def kdamonds_on():
    return [n for n in da.numbered(da.KDAMONDS)
            if da.read(os.path.join(da.KDAMONDS, n, 'state')) == 'on']


workdir = tempfile.mkdtemp(prefix='damo-selftest.')
record = os.path.join(workdir, 'damon.data')
REGION = re.compile(r'\baddr\s+(\d+)\s+size\s+(\d+)\s+access\s+([\d.]+)')
with dm.Mix(['-H', 1024, '-C', 8192]) as wl:
    tap.diag('workload %d: %s' % (wl.pid, wl.describe()))
    t0 = time.monotonic()
    rc, out = damo(['record', '--snapshot', '1', '3', '--do_record',
                    'access', '-o', record, str(wl.pid)], timeout=200,
                   cwd=workdir)
    tap.diag('damo record took %.0fs, exit status %s' %
             (time.monotonic() - t0, rc))
    show(out)
    tap.ok(rc == 0, 'damo record --snapshot 1 3 --do_record access -o FILE '
           'PID finishes')
    size = os.path.getsize(record) if os.path.exists(record) else -1
    tap.ok(size > 0, 'damo record wrote its record file', 'size %d' % size)
    tap.ok(not kdamonds_on(), 'no kdamond is left on after damo record',
           'on: %s' % kdamonds_on())

    # the default format, with plain numbers:
    # "<index> addr <start> size <size> access <hz> age <age>"
    t0 = time.monotonic()
    rc, out = damo(['report', 'access', '-i', record, '--raw_number'],
                   cwd=workdir)
    tap.diag('damo report access -i FILE --raw_number took %.0fs, exit '
             'status %s' % (time.monotonic() - t0, rc))
    show(out, 15)
    regions = [(int(m.group(1)), int(m.group(1)) + int(m.group(2)),
                float(m.group(3))) for m in REGION.finditer(out)]
    tap.ok(rc == 0 and regions and re.search(r'\bage\b', out),
           'damo report access reads the file and shows regions with '
           'addresses, sizes, access rates and ages',
           '%d region lines' % len(regions))
    cold = wl['cold']
    covered = union_overlap([(s, e) for s, e, _ in regions], cold)
    tap.ok(covered >= 0.8 * wl.size('cold'),
           'the reported regions cover the cold buffer',
           'covered %s of %s' % (dm.mib(covered), dm.mib(wl.size('cold'))))

    def rate(rng):
        """Size-weighted access rate of @rng over all snapshots."""
        sz = sum(da.overlap((s, e), rng) for s, e, _ in regions)
        return sum(da.overlap((s, e), rng) * r for s, e, r in regions) / sz \
            if sz else None
    hot_rate, cold_rate = rate(wl['hot']), rate(cold)
    tap.diag('access rate: hot buffer %s, cold buffer %s' %
             (hot_rate, cold_rate))
    tap.ok(hot_rate is not None and cold_rate is not None and
           hot_rate > cold_rate,
           'the hot buffer shows a higher access rate than the cold one')

    t0 = time.monotonic()
    rc, out = damo(['start', str(wl.pid)], timeout=120)
    tap.diag('damo start took %.0fs, exit status %s' %
             (time.monotonic() - t0, rc))
    show(out, 10)
    on = kdamonds_on()
    targets = []
    for n in on:
        ctx = os.path.join(da.KDAMONDS, n, 'contexts', '0')
        try:
            targets.append(int(da.read(os.path.join(ctx, 'targets', '0',
                                                    'pid_target'))))
        except (OSError, ValueError):
            pass
    tap.ok(rc == 0 and on and wl.pid in targets,
           'damo start PID turns on a kdamond for that pid',
           'exit status %s, on %s, targets %s' % (rc, on, targets))
    t0 = time.monotonic()
    rc, out = damo(['stop'], timeout=120)
    tap.diag('damo stop took %.0fs, exit status %s' %
             (time.monotonic() - t0, rc))
    show(out, 10)
    tap.ok(rc == 0 and not kdamonds_on(), 'damo stop turns it off',
           'exit status %s, on %s' % (rc, kdamonds_on()))
shutil.rmtree(workdir, ignore_errors=True)
da.reset()
tap.finish()
