#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""module_params: the parameters of damon_reclaim and damon_lru_sort.

For both modules:
  * every parameter of upstream 6.12 exists, with its mode (0600, 0400 for
    kdamond_pid and the statistics) and default, and there is no other;
  * values in the documented ranges are taken and read back;
  * garbage, zero intervals, permils above 1000 and fewer than three regions
    are refused with EINVAL (ERANGE for a number beyond unsigned long, as
    kstrtoul has it) and leave the value as it was; read-only parameters
    refuse writes;
  * what only the combination of parameters makes invalid (watermarks out
    of order, min_nr_regions > max_nr_regions, aggr_interval <
    sample_interval, an inverted or empty monitoring region) makes
    enabled=Y fail with EINVAL, the module staying off, and commit_inputs=Y
    fail with EINVAL both while off and while running, the running kdamond
    going on with its former parameters;
  * enabled and kdamond_pid tell whether a kdamond runs and which;
    monitor_region_start/end show the System RAM range taken for 0/0;
    commit_inputs reads N and a commit keeps the kdamond;
and they exclude each other and the sysfs interface (EBUSY), with nothing
left broken: each works once the other is off.
"""

import os
import stat
import time

import damon_admin as da
import damon_modules_lib as ml

ULONG_MAX = (1 << 64) - 1
INTERVALS = ('sample_interval', 'aggr_interval', 'wmarks_interval',
             'quota_reset_interval_ms')
PERMILS = ('wmarks_high', 'wmarks_mid', 'wmarks_low', 'hot_thres_access_freq')
NR_REGIONS = ('min_nr_regions', 'max_nr_regions')
BOOLS = ('enabled', 'commit_inputs', 'skip_anon')
# A write that hangs is a failure even if it ends some day.
SLOW_WRITE = 20

# Combinations that no context can run with: (description, {param: value}).
INVALID = [
    ('wmarks_mid above wmarks_high',
     {'wmarks_high': 300, 'wmarks_mid': 400, 'wmarks_low': 100}),
    ('wmarks_low above wmarks_mid',
     {'wmarks_high': 500, 'wmarks_mid': 200, 'wmarks_low': 300}),
    ('min_nr_regions > max_nr_regions',
     {'min_nr_regions': 200, 'max_nr_regions': 100}),
    ('aggr_interval < sample_interval',
     {'sample_interval': 100000, 'aggr_interval': 50000}),
    ('inverted monitoring region',
     {'monitor_region_start': 0x40000000, 'monitor_region_end': 0x20000000}),
    ('empty monitoring region',
     {'monitor_region_start': 0x20000000, 'monitor_region_end': 0x20000000}),
]


def timed_set(m, param, value):
    t0 = time.monotonic()
    err = m.try_set(param, value)
    return err, time.monotonic() - t0


def kind_of(param):
    if param in BOOLS:
        return 'bool'
    if param in INTERVALS:
        return 'interval'
    if param in PERMILS:
        return 'permil'
    if param in NR_REGIONS:
        return 'nr_regions'
    return 'ulong'


def check_layout(tap, m):
    """Existence, mode, default of each parameter, and no others."""
    present = set(os.listdir(m.dir))
    extra = sorted(present - set(m.params))
    tap.ok(not extra, '%s: no parameter beyond upstream\'s' % m.name,
           'extra: %s' % ' '.join(extra))
    for p, (mode, default) in sorted(m.params.items()):
        path = m.path(p)
        if not tap.ok(os.path.exists(path), '%s.%s exists' % (m.name, p)):
            continue
        got = stat.S_IMODE(os.stat(path).st_mode)
        tap.ok(got == mode, '%s.%s mode %o' % (m.name, p, mode),
               'mode %o' % got)
        val = m.get(p)
        if p in ('monitor_region_start', 'monitor_region_end'):
            # 0, or the System RAM range a start since boot filled in
            ram = da.biggest_system_ram()
            taken = str(ram[0] if p.endswith('start') else ram[1])
            tap.ok(val in (default, taken), '%s.%s default %s (or %s once '
                   'started)' % (m.name, p, default, taken), 'reads %s' % val)
        elif default is not None:
            tap.eq(val, default, '%s.%s default %s' % (m.name, p, default))
        else:
            tap.ok(val.isdigit(), '%s.%s reads a count' % (m.name, p),
                   'reads %r' % val)


def check_accepted(tap, m):
    """Values of the documented ranges are taken and read back."""
    for p in m.writable():
        kind = kind_of(p)
        if kind == 'bool':
            values = [('Y', 'Y'), ('n', 'N'), ('1', 'Y'), ('0', 'N')]
        else:
            lo = {'interval': 1, 'permil': 0, 'nr_regions': 3}.get(kind, 0)
            hi = 1000 if kind == 'permil' else ULONG_MAX
            values = [(str(v), str(v)) for v in sorted({lo, hi, 1000, 12345})
                      if lo <= v <= hi]
            if hi >= 4096:
                values.append(('0x1000', '4096'))
        bad = []
        for val, want in values:
            err = m.try_set(p, val + '\n')
            got = m.get(p)
            if err or got != want:
                bad.append('%s: %s, reads %s' % (val, ml.errname(err), got))
        m.set(p, m.params[p][1])
        tap.ok(not bad, '%s.%s takes %s' % (
            m.name, p, ', '.join(v for v, _ in values)), '; '.join(bad))


def check_refused(tap, m):
    """Garbage and out-of-range values: EINVAL (ERANGE for overflow)."""
    garbage = ['abc', '-1', '1e3', '\n', ' 5', '5 5', '0x', '12abc']
    for p in m.writable():
        kind = kind_of(p)
        cases = [(g, {22}) for g in garbage]
        if kind == 'bool':
            cases = [(g, {22}) for g in ('abc', '-1', '\n', '2', 'x')]
        else:
            cases += [('18446744073709551616', {22, 34}),
                      ('99999999999999999999999999', {22, 34})]
        if kind == 'interval':
            cases.append(('0', {22}))
        elif kind == 'permil':
            cases += [('1001', {22}), ('4294967296', {22})]
        elif kind == 'nr_regions':
            cases += [('0', {22}), ('1', {22}), ('2', {22})]
        before = m.get(p)
        bad = []
        for val, wanted in cases:
            err = m.try_set(p, val)
            after = m.get(p)
            if err not in wanted or after != before:
                bad.append('%r: %s, reads %s' % (val, ml.errname(err), after))
        # a write of nothing changes nothing, whatever it returns
        m.try_set(p, '')
        if m.get(p) != before:
            bad.append("'' changed it to %s" % m.get(p))
        tap.ok(not bad, '%s.%s refuses %s (EINVAL%s), value kept' % (
            m.name, p, ' '.join(repr(v) for v, _ in cases),
            '' if kind == 'bool' else '/ERANGE'), '; '.join(bad))
    for p in ml.CONTROLS:
        before = m.get(p)
        bad = []
        for val in ('abc', '-1', '\n', '2', 'x'):
            err = m.try_set(p, val)
            if err != 22 or m.get(p) != before:
                bad.append('%r: %s, reads %s' % (val, ml.errname(err),
                                                 m.get(p)))
        tap.ok(not bad, '%s.%s refuses garbage (EINVAL), value kept' %
               (m.name, p), '; '.join(bad))
    for p, (mode, _) in sorted(m.params.items()):
        if mode & 0o200:
            continue
        before = m.get(p)
        err = m.try_set(p, '7')
        tap.ok(err and m.get(p) == before,
               '%s.%s is read-only (%s)' % (m.name, p, ml.errname(err)))


def expect_off(tap, m, desc):
    # a stopped kdamond may linger in /proc for a moment
    da.wait_until(lambda: not ml.kdamonds(), 10)
    pid = m.pid()
    tap.ok(not m.enabled() and pid == -1 and not ml.kdamonds(),
           '%s: %s: off (enabled N, kdamond_pid -1, no kdamond)' %
           (m.name, desc),
           'enabled %s, kdamond_pid %d, kdamonds %s' %
           (m.get('enabled'), pid, ml.kdamonds()))


def expect_running(tap, m, desc, pid=None):
    """enabled Y and kdamond_pid a live kdamond (@pid if given)."""
    got = m.pid()
    good = m.enabled() and ml.is_kdamond(got) and \
        (pid is None or got == pid) and got in ml.kdamonds()
    tap.ok(good, '%s: %s: running (enabled Y, kdamond_pid %s)' %
           (m.name, desc, 'unchanged' if pid else 'a live kdamond'),
           'enabled %s, kdamond_pid %d (%s), was %s, kdamonds %s' %
           (m.get('enabled'), got, da.thread_name(got), pid, ml.kdamonds()))
    return got


def set_all(m, values):
    for p, v in values.items():
        m.set(p, v)


def defaults_of(m, values):
    return {p: m.params[p][1] for p in values}


def check_invalid_while_off(tap, m):
    for desc, values in INVALID:
        set_all(m, values)
        err, took = timed_set(m, 'enabled', 'Y')
        tap.errno_is(err, 22, '%s: enabled=Y with %s' % (m.name, desc))
        expect_off(tap, m, 'after the refused start')
        err, took = timed_set(m, 'commit_inputs', 'Y')
        tap.ok(err == 22 and took < SLOW_WRITE,
               '%s: commit_inputs=Y while off with %s -> EINVAL, at once' %
               (m.name, desc), '%s after %.1fs' % (ml.errname(err), took))
        set_all(m, defaults_of(m, values))
    err, took = timed_set(m, 'commit_inputs', 'Y')
    tap.ok(err == 0 and took < SLOW_WRITE,
           '%s: commit_inputs=Y while off with valid values succeeds' %
           m.name, '%s after %.1fs' % (ml.errname(err), took))
    tap.eq(m.get('commit_inputs'), 'N', '%s: commit_inputs reads N' % m.name)
    expect_off(tap, m, 'a commit does not start it')


def activity(m):
    """A counter that grows while the module's schemes work."""
    if m.name == 'damon_reclaim':
        return m.num('nr_reclaim_tried_regions')
    return m.num('nr_lru_sort_tried_cold_regions')


def make_busy(m):
    """Parameters under which the schemes act at once and all the time
    (free memory is always below 1000 permil), but on little memory: the
    first 64 MiB of System RAM only, and reclaim at most 1 MiB a second."""
    ram = da.biggest_system_ram()
    m.set('monitor_region_start', ram[0])
    m.set('monitor_region_end', ram[0] + 64 * ml.MIB)
    m.set('wmarks_high', 1000)
    m.set('wmarks_mid', 1000)
    m.set('wmarks_low', 0)
    m.set('wmarks_interval', 1000000)
    if m.name == 'damon_reclaim':
        m.set('min_age', 0)
        m.set('quota_sz', 1 << 20)
    else:
        m.set('cold_min_age', 0)
        m.set('hot_thres_access_freq', 1000)


def still_working(m, before, timeout=30):
    now, _ = ml.poll(lambda: activity(m), lambda v: v > before, timeout, 1)
    return now


def check_running(tap, m):
    iomem = da.biggest_system_ram()
    err = m.try_set('enabled', 'Y')
    tap.ok(err == 0, '%s: enabled=Y with the defaults' % m.name,
           ml.errname(err))
    pid = expect_running(tap, m, 'after enabled=Y')
    rng = (m.num('monitor_region_start'), m.num('monitor_region_end'))
    tap.ok(iomem is not None and rng == iomem,
           '%s: monitor_region_start/end read the biggest System RAM '
           '(%#x-%#x) taken for 0/0' % (m.name, *(iomem or (0, 0))),
           'read %#x-%#x' % rng)
    err = m.try_set('enabled', 'Y')
    tap.ok(err == 0, '%s: enabled=Y again succeeds' % m.name,
           ml.errname(err))
    expect_running(tap, m, 'after enabled=Y again', pid)

    # Committed parameters that make the schemes work all the time.
    make_busy(m)
    base = activity(m)
    err, took = timed_set(m, 'commit_inputs', 'Y')
    tap.ok(err == 0 and took < SLOW_WRITE,
           '%s: commit_inputs=Y while running succeeds' % m.name,
           '%s after %.1fs' % (ml.errname(err), took))
    tap.eq(m.get('commit_inputs'), 'N',
           '%s: commit_inputs reads N after a commit' % m.name)
    expect_running(tap, m, 'after the commit', pid)
    now = still_working(m, base)
    tap.ok(now > base, '%s: the committed schemes work (%s %d -> %d)' %
           (m.name, 'tried regions', base, now))

    for desc, values in INVALID:
        kept = {p: m.get(p) for p in values}
        set_all(m, values)
        err, took = timed_set(m, 'commit_inputs', 'Y')
        tap.ok(err == 22 and took < SLOW_WRITE,
               '%s: commit_inputs=Y while running with %s -> EINVAL' %
               (m.name, desc), '%s after %.1fs' % (ml.errname(err), took))
        expect_running(tap, m, 'after the refused commit', pid)
        set_all(m, kept)
        base = activity(m)
        now = still_working(m, base)
        tap.ok(now > base, '%s: still working after the refused commit '
               '(tried regions %d -> %d)' % (m.name, base, now))

    err = m.try_set('enabled', 'N')
    tap.ok(err == 0, '%s: enabled=N' % m.name, ml.errname(err))
    gone = da.wait_until(lambda: not os.path.exists('/proc/%d' % pid), 10)
    tap.ok(gone, '%s: its kdamond %d exited' % (m.name, pid))
    expect_off(tap, m, 'after enabled=N')
    err = m.try_set('enabled', 'N')
    tap.ok(err == 0, '%s: enabled=N while off succeeds' % m.name,
           ml.errname(err))
    m.restore_defaults()


def sysfs_kdamond():
    """A configured, not running, sysfs kdamond of paddr."""
    da.reset()
    rng = da.biggest_system_ram()
    return da.Kdamond(0).setup('paddr', [{'regions': [rng]}], schemes=[])


def check_exclusive(tap, reclaim, lru):
    kd = sysfs_kdamond()
    for a, b in ((reclaim, lru), (lru, reclaim)):
        err = a.try_set('enabled', 'Y')
        tap.ok(err == 0, '%s: enabled=Y' % a.name, ml.errname(err))
        pid = a.pid()
        err = kd.try_cmd('on')
        tap.errno_is(err, 16, 'sysfs kdamond "on" while %s runs' % a.name)
        tap.eq(kd.state(), 'off', 'the sysfs kdamond reads off')
        err = b.try_set('enabled', 'Y')
        tap.errno_is(err, 16, '%s: enabled=Y while %s runs' %
                     (b.name, a.name))
        tap.ok(not b.enabled() and b.pid() == -1,
               '%s reads off (N, -1)' % b.name,
               '%s, %d' % (b.get('enabled'), b.pid()))
        err = b.try_set('commit_inputs', 'Y')
        tap.ok(err == 0, '%s: commit_inputs=Y while %s runs only checks' %
               (b.name, a.name), ml.errname(err))
        expect_running(tap, a, 'not disturbed', pid)
        tap.eq(len(ml.kdamonds()), 1, 'one kdamond exists')
        a.off()
        expect_off(tap, a, 'enabled=N')

    err = kd.try_cmd('on')
    tap.ok(err == 0, 'sysfs kdamond "on" with both modules off',
           ml.errname(err))
    kpid = kd.pid() if kd.state() == 'on' else -1
    for m in (reclaim, lru):
        err = m.try_set('enabled', 'Y')
        tap.errno_is(err, 16, '%s: enabled=Y while a sysfs kdamond runs' %
                     m.name)
        tap.ok(not m.enabled() and m.pid() == -1,
               '%s reads off (N, -1)' % m.name,
               '%s, %d' % (m.get('enabled'), m.pid()))
    tap.ok(kd.state() == 'on' and kd.pid() == kpid and
           set(ml.kdamonds()) == {kpid},
           'the sysfs kdamond runs on, alone', 'state %s pid %s kdamonds %s'
           % (kd.state(), kd.pid(), ml.kdamonds()))
    err = kd.try_cmd('off')
    tap.ok(err == 0, 'sysfs kdamond "off"', ml.errname(err))
    da.wait_until(lambda: not ml.kdamonds(), 10)

    for m in (reclaim, lru):
        err = m.try_set('enabled', 'Y')
        tap.ok(err == 0, '%s: enabled=Y after the sysfs kdamond is off' %
               m.name, ml.errname(err))
        expect_running(tap, m, 'afterwards')
        m.off()
        expect_off(tap, m, 'enabled=N')
    err = kd.try_cmd('on')
    tap.ok(err == 0 and kd.state() == 'on',
           'sysfs kdamond "on" after both modules ran', ml.errname(err))
    kd.try_cmd('off')
    da.reset()


def main():
    tap = da.Tap('module_params: the parameters of damon_reclaim and '
                 'damon_lru_sort, one by one and together')
    da.require_admin()
    reclaim, lru = ml.Module('damon_reclaim'), ml.Module('damon_lru_sort')
    for m in (reclaim, lru):
        if not m.present():
            da.Tap.skip_all('%s is not built in' % m.dir)
    ml.both_off()
    da.reset()
    try:
        for m in (reclaim, lru):
            check_layout(tap, m)
        for m in (reclaim, lru):
            check_accepted(tap, m)
            check_refused(tap, m)
            m.restore_defaults()
            check_invalid_while_off(tap, m)
            m.restore_defaults()
            check_running(tap, m)
        check_exclusive(tap, reclaim, lru)
    finally:
        ml.both_off()
        for m in (reclaim, lru):
            bad = m.restore_defaults()
            if bad:
                tap.diag('%s: could not restore %s' % (m.name, bad))
        da.reset()
    tap.ok(not ml.kdamonds(), 'no kdamond is left', ml.kdamonds())
    tap.finish()


if __name__ == '__main__':
    main()
