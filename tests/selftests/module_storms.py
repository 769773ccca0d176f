#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""module_storms: damon_reclaim and damon_lru_sort switched and committed
to many times, alone and from two writers at once.

  1. hundreds of enabled=Y/N writes, in a random order, to each module;
  2. two writers of the same module's enabled at once;
  3. one writer per module at once (they exclude each other: EBUSY);
  4. a module's writer against a sysfs kdamond switched on and off;
  5. commit_inputs=Y hundreds of times while running, the parameters
     changed between commits (now and then to invalid ones: EINVAL), with a
     reader of every parameter alongside; the kdamond stays the same;
  6. commits and enabled=Y/N writes from two writers at once.
Every write must succeed or fail with the errno its situation allows, each
storm must end within its time limit, and afterwards the modules must be
off, no kdamond must be left, both must still work, and the kernel log must
have no BUG, WARNING, KASAN or lockdep report.
"""

import os
import random
import shutil
import subprocess
import threading
import time

import damon_admin as da
import damon_modules_lib as ml

EBUSY, EINVAL = 16, 22
STORM_LIMIT = 120	# seconds any one storm may take


class Writer(threading.Thread):
    """Runs @step(i) @count times; collects unexpected results."""

    def __init__(self, name, count, step):
        super().__init__(name=name, daemon=True)
        self.count, self.step = count, step
        self.errors = {}
        self.unexpected = []
        self.done = 0

    def run(self):
        for i in range(self.count):
            try:
                res = self.step(i)
            except Exception as e:	# pylint: disable=broad-except
                self.unexpected.append('%d: %r' % (i, e))
                return
            if res:
                self.errors[res] = self.errors.get(res, 0) + 1
            self.done += 1


def run_writers(writers, limit=STORM_LIMIT):
    t0 = time.monotonic()
    for w in writers:
        w.start()
    for w in writers:
        w.join(max(0.0, limit - (time.monotonic() - t0)))
    took = time.monotonic() - t0
    return all(not w.is_alive() for w in writers), took


def summary(w):
    errs = ', '.join('%s x%d' % (ml.errname(e), n)
                     for e, n in sorted(w.errors.items()))
    return '%s: %d/%d done%s%s' % (w.name, w.done, w.count,
                                  ', errors: ' + errs if errs else '',
                                  '; ' + '; '.join(w.unexpected[:5])
                                  if w.unexpected else '')


def expect_clean(tap, mods, desc):
    for m in mods:
        m.off()
    gone = da.wait_until(lambda: not ml.kdamonds(), 15)
    tap.ok(gone and all(not m.enabled() and m.pid() == -1 for m in mods),
           '%s: all off, no kdamond left' % desc,
           'kdamonds %s; %s' % (ml.kdamonds(), ', '.join(
               '%s %s/%d' % (m.name, m.get('enabled'), m.pid())
               for m in mods)))


def toggler(m, rnd, allowed, bad):
    """A step writing Y or N at random to @m's enabled."""
    def step(i):
        val = rnd.choice('YYNN' if i % 7 else 'Y')
        err = m.try_set('enabled', val)
        if err and err not in allowed:
            bad.append('%s=%s: %s' % (m.name, val, ml.errname(err)))
        return err
    return step


def serial_storm(tap, m, count, rnd):
    bad = []
    w = Writer('%s enabled' % m.name, count, toggler(m, rnd, (), bad))
    finished, took = run_writers([w])
    tap.ok(finished and not bad and not w.unexpected and w.done == count,
           '%s: %d enabled=Y/N writes succeed (%.0fs)' % (m.name, count,
                                                          took),
           summary(w) + ' ' + '; '.join(bad[:5]))
    err = m.try_set('enabled', 'Y')
    pid = m.pid()
    tap.ok(not err and m.enabled() and ml.is_kdamond(pid) and
           set(ml.kdamonds()) == {pid},
           '%s: afterwards enabled=Y starts one kdamond' % m.name,
           '%s; kdamonds %s, kdamond_pid %d' % (ml.errname(err),
                                                ml.kdamonds(), pid))
    expect_clean(tap, [m], '%s serial storm' % m.name)


def same_module_storm(tap, m, count, rnd):
    bad = []
    # EBUSY: the other writer waits for the kdamond to stop, meanwhile
    # the module's state must not change
    writers = [Writer('%s writer %d' % (m.name, i), count,
                      toggler(m, random.Random(rnd.random()), (EBUSY,),
                              bad))
               for i in range(2)]
    finished, took = run_writers(writers)
    tap.ok(finished and not bad and all(not w.unexpected for w in writers),
           '%s: two writers, %d enabled=Y/N writes each: success or EBUSY '
           '(%.0fs)' % (m.name, count, took),
           '; '.join(summary(w) for w in writers) + ' ' +
           '; '.join(bad[:5]))
    on = m.enabled()
    kds = ml.kdamonds()
    tap.ok((on and set(kds) == {m.pid()}) or (not on and not kds),
           '%s: enabled (%s) agrees with the kdamonds %s' %
           (m.name, m.get('enabled'), kds))
    expect_clean(tap, [m], '%s two-writer storm' % m.name)


def cross_module_storm(tap, mods, count, rnd):
    bad = []
    writers = [Writer(m.name, count,
                      toggler(m, random.Random(rnd.random()), (EBUSY,), bad))
               for m in mods]
    finished, took = run_writers(writers)
    tap.ok(finished and not bad and all(not w.unexpected for w in writers),
           'one writer per module, %d writes each: success or EBUSY only '
           '(%.0fs)' % (count, took),
           '; '.join(summary(w) for w in writers) + ' ' +
           '; '.join(bad[:5]))
    on = [m for m in mods if m.enabled()]
    tap.ok(len(on) <= 1 and len(ml.kdamonds()) == len(on),
           'at most one module runs, with one kdamond (%s)' %
           ', '.join(m.name for m in on), 'kdamonds %s' % ml.kdamonds())
    expect_clean(tap, mods, 'cross-module storm')


def sysfs_storm(tap, m, count, rnd):
    da.reset()
    kd = da.Kdamond(0).setup('paddr', [{'regions':
                                        [da.biggest_system_ram()]}],
                             schemes=[])
    bad = []
    sub = random.Random(rnd.random())

    def sysfs_step(i):
        word = sub.choice(('on', 'off'))
        err = kd.try_cmd(word)
        # "on" while it runs, or while the module does: EBUSY;
        # "off" while it is off: EINVAL
        if err and not (word == 'on' and err == EBUSY) and \
                not (word == 'off' and err == EINVAL):
            bad.append('sysfs %s: %s' % (word, ml.errname(err)))
        return err
    writers = [Writer(m.name, count,
                      toggler(m, random.Random(rnd.random()), (EBUSY,), bad)),
               Writer('sysfs kdamond', count, sysfs_step)]
    finished, took = run_writers(writers)
    tap.ok(finished and not bad and all(not w.unexpected for w in writers),
           '%s against a sysfs kdamond, %d writes each: only the expected '
           'errors (%.0fs)' % (m.name, count, took),
           '; '.join(summary(w) for w in writers) + ' ' +
           '; '.join(bad[:5]))
    sysfs_on = kd.state() == 'on'
    tap.ok(not (sysfs_on and m.enabled()) and
           len(ml.kdamonds()) == int(sysfs_on) + int(m.enabled()),
           'never both on (sysfs %s, %s %s, kdamonds %s)' %
           (kd.state(), m.name, m.get('enabled'), ml.kdamonds()))
    if sysfs_on:
        kd.try_cmd('off')
    da.reset()
    expect_clean(tap, [m], 'sysfs storm')


def random_params(m, rnd, invalid):
    """New parameter values for @m; invalid ones if @invalid."""
    ram = da.biggest_system_ram()
    sample = rnd.choice((1000, 2000, 5000, 10000))
    lo = rnd.randint(3, 30)
    high = rnd.randint(0, 1000)
    mid = rnd.randint(0, high)
    vals = {
        'sample_interval': sample,
        'aggr_interval': sample * rnd.randint(1, 30),
        'min_nr_regions': lo,
        'max_nr_regions': rnd.randint(lo, 2000),
        'wmarks_high': high, 'wmarks_mid': mid,
        'wmarks_low': rnd.randint(0, mid),
        'wmarks_interval': rnd.choice((100000, 1000000, 5000000)),
        'quota_ms': rnd.choice((1, 10, 100)),
        'quota_reset_interval_ms': rnd.choice((10, 100, 1000)),
        'monitor_region_start': 0, 'monitor_region_end': 0,
    }
    if rnd.random() < 0.3:
        start = rnd.randrange(ram[0], ram[1] - (64 << 20), 1 << 20)
        vals['monitor_region_start'] = start
        vals['monitor_region_end'] = start + rnd.choice((1, 4, 64)) * (1 << 20)
    if m.name == 'damon_reclaim':
        vals.update(min_age=rnd.choice((0, 1000000, 30000000)),
                    quota_sz=rnd.choice((0, 1 << 20, 1 << 30)),
                    skip_anon=rnd.choice('YN'))
    else:
        vals.update(hot_thres_access_freq=rnd.randint(0, 1000),
                    cold_min_age=rnd.choice((0, 1000000, 120000000)))
    if invalid:
        which = rnd.randrange(4)
        if which == 0:
            vals['wmarks_mid'] = min(1000, vals['wmarks_high'] + 1)
            vals['wmarks_high'] = vals['wmarks_mid'] - 1
        elif which == 1:
            vals['min_nr_regions'], vals['max_nr_regions'] = 50, 10
        elif which == 2:
            vals['aggr_interval'] = sample - 1
        else:
            vals['monitor_region_start'] = ram[0] + (2 << 20)
            vals['monitor_region_end'] = ram[0] + (1 << 20)
    return vals


def commit_storm(tap, m, count, rnd):
    m.restore_defaults()
    err = m.try_set('enabled', 'Y')
    pid = m.pid()
    if not tap.ok(err == 0 and ml.is_kdamond(pid), '%s: enabled=Y' %
                  m.name, ml.errname(err)):
        return
    bad = []
    stop = threading.Event()
    reads = [0]

    def reader():
        while not stop.is_set():
            for p in m.params:
                try:
                    m.get(p)
                except OSError as e:
                    bad.append('read %s: %s' % (p, e))
            reads[0] += 1

    def step(i):
        invalid = rnd.random() < 0.2
        for p, v in random_params(m, rnd, invalid).items():
            m.set(p, v)
        err = m.try_set('commit_inputs', 'Y')
        if err != (EINVAL if invalid else 0):
            bad.append('commit %d (%s): %s' % (
                i, 'invalid' if invalid else 'valid', ml.errname(err)))
        if m.pid() != pid:
            bad.append('commit %d: kdamond_pid %d' % (i, m.pid()))
        return err
    rd = threading.Thread(target=reader, daemon=True)
    rd.start()
    w = Writer('%s commits' % m.name, count, step)
    finished, took = run_writers([w])
    stop.set()
    rd.join(10)
    tap.ok(finished and not bad and not w.unexpected,
           '%s: %d commits while running, parameters changed between '
           'them, a reader alongside (%d rounds): as expected (%.0fs)' %
           (m.name, count, reads[0], took),
           summary(w) + ' ' + '; '.join(bad[:5]))
    tap.ok(m.enabled() and m.pid() == pid and set(ml.kdamonds()) == {pid},
           '%s: the same kdamond runs on' % m.name,
           'enabled %s kdamond_pid %d kdamonds %s' %
           (m.get('enabled'), m.pid(), ml.kdamonds()))
    m.restore_defaults()
    expect_clean(tap, [m], '%s commit storm' % m.name)


def commit_and_toggle_storm(tap, m, count, rnd):
    m.restore_defaults()
    bad = []
    sub = random.Random(rnd.random())

    # EBUSY: while one waits on the kdamond (to stop, or to take a commit)
    # the other may not change the module's state
    def commit_step(i):
        err = m.try_set('commit_inputs', 'Y')
        if err and err != EBUSY:
            bad.append('commit: %s' % ml.errname(err))
        return err
    writers = [Writer('%s commits' % m.name, count, commit_step),
               Writer('%s enabled' % m.name, count,
                      toggler(m, sub, (EBUSY,), bad))]
    finished, took = run_writers(writers)
    tap.ok(finished and not bad and all(not w.unexpected for w in writers),
           '%s: commits and enabled=Y/N from two writers, %d each: '
           'success or EBUSY (%.0fs)' % (m.name, count, took),
           '; '.join(summary(w) for w in writers) + ' ' +
           '; '.join(bad[:5]))
    expect_clean(tap, [m], '%s commit+toggle storm' % m.name)


def main():
    tap = da.Tap('module_storms: enable/disable and commit storms on '
                 'damon_reclaim and damon_lru_sort')
    da.require_admin()
    mods = [ml.Module('damon_reclaim'), ml.Module('damon_lru_sort')]
    for m in mods:
        if not m.present():
            da.Tap.skip_all('%s not found' % m.dir)
    seed = int(os.environ.get('DAMON_STORM_SEED', time.time()))
    tap.diag('random seed %d (DAMON_STORM_SEED to repeat)' % seed)
    rnd = random.Random(seed)
    klog = ml.KernelLog()
    ml.both_off()
    da.reset()
    t0 = time.monotonic()
    try:
        for m in mods:
            m.restore_defaults()
        serial_storm(tap, mods[0], 300, rnd)
        serial_storm(tap, mods[1], 150, rnd)
        same_module_storm(tap, mods[0], 150, rnd)
        cross_module_storm(tap, mods, 150, rnd)
        sysfs_storm(tap, mods[0], 100, rnd)
        commit_storm(tap, mods[0], 200, rnd)
        commit_storm(tap, mods[1], 100, rnd)
        commit_and_toggle_storm(tap, mods[0], 100, rnd)
    finally:
        ml.both_off()
        da.reset()
        for m in mods:
            bad = m.restore_defaults()
            if bad:
                tap.diag('%s: could not restore %s' % (m.name, bad))
    for m in mods:
        err = m.try_set('enabled', 'Y')
        tap.ok(err == 0 and m.enabled() and ml.is_kdamond(m.pid()),
               '%s still starts after the storms' % m.name, ml.errname(err))
        m.off()
    da.wait_until(lambda: not ml.kdamonds(), 15)
    tap.ok(not ml.kdamonds(), 'no kdamond is left', ml.kdamonds())
    pgrep = shutil.which('pgrep')
    if pgrep:
        res = subprocess.run([pgrep, '-l', 'kdamond'], stdout=subprocess.PIPE,
                             stdin=subprocess.DEVNULL)
        tap.ok(res.returncode == 1 and not res.stdout.strip(),
               'pgrep kdamond finds nothing', res.stdout.decode())
    trouble = klog.trouble()
    tap.ok(not trouble, 'the kernel log shows no BUG/WARNING/KASAN/lockdep',
           '\n'.join(trouble[:20]))
    tap.diag('all storms took %.0fs' % (time.monotonic() - t0))
    tap.finish()


if __name__ == '__main__':
    main()
