#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Many writers and readers at once, against kdamonds that come and go.

Threads, all at once for DAMON_RACE_SECONDS (default 60): on/off loops,
commit loops with changing intervals, schemes, filters and goals growing
and shrinking while running, readers of pid, state, stats and tried
regions, tried-regions updates while the target process exits, several
kdamonds turned on and off together, resizes of the kdamonds directory,
and the damon_reclaim / damon_lru_sort parameters toggled alongside.

Any errno is fine (EBUSY, EINVAL, ENODEV...); what must not happen is a
hang (every thread must end within its deadline), a kdamond left over, or
a kernel complaint (the runner scans the kernel log).
"""

import errno
import os
import random
import subprocess
import threading
import time

import damon_admin as da

SECONDS = int(os.environ.get('DAMON_RACE_SECONDS', '60'))
NR_KDAMONDS = 5
MODULE_DIRS = ['/sys/module/damon_reclaim/parameters',
               '/sys/module/damon_lru_sort/parameters']

tap = da.Tap('race_stress: concurrent admin operations for %d s' % SECONDS)
da.require_admin()
da.reset()

stop = threading.Event()
sleeper = subprocess.Popen(['sleep', '3600'])
counts = {}
counts_lock = threading.Lock()


def count(name, err):
    key = '%s:%s' % (name, errno.errorcode.get(err, err) if err else 'ok')
    with counts_lock:
        counts[key] = counts.get(key, 0) + 1


def setup_kdamond(i, pid):
    kd = da.Kdamond(i)
    da.try_write(os.path.join(kd.dir, 'contexts', 'nr_contexts'), 1)
    da.try_write(kd.p('operations'), 'vaddr')
    da.try_write(kd.p('targets', 'nr_targets'), 1)
    da.try_write(kd.target(0, 'pid_target'), pid)
    da.try_write(kd.p('schemes', 'nr_schemes'), 1)
    for name, hi in (('sz', da.ULONG_MAX), ('nr_accesses', da.UINT_MAX),
                     ('age', da.UINT_MAX)):
        da.try_write(kd.scheme(0, 'access_pattern', name, 'max'), hi)
    return kd


def on_off(rng):
    kd = da.Kdamond(0)
    while not stop.is_set():
        count('on', kd.try_cmd('on'))
        time.sleep(rng.random() / 20)
        count('off', kd.try_cmd('off'))


def committer(rng):
    kd = da.Kdamond(0)
    iv = kd.p('monitoring_attrs', 'intervals')
    while not stop.is_set():
        sample = rng.choice([1000, 5000, 20000])
        da.try_write(os.path.join(iv, 'sample_us'), sample)
        da.try_write(os.path.join(iv, 'aggr_us'), sample * rng.choice([1, 5,
                                                                       20]))
        count('commit', kd.try_cmd('commit'))
        count('goals', kd.try_cmd('commit_schemes_quota_goals'))


def reshaper(rng):
    kd = da.Kdamond(0)
    while not stop.is_set():
        count('nr_schemes', da.try_write(kd.p('schemes', 'nr_schemes'),
                                         rng.randrange(4)))
        count('nr_filters', da.try_write(kd.scheme(0, 'filters',
                                                   'nr_filters'),
                                         rng.randrange(3)))
        count('nr_goals', da.try_write(kd.scheme(0, 'quotas', 'goals',
                                                 'nr_goals'),
                                       rng.randrange(3)))
        count('nr_targets', da.try_write(kd.p('targets', 'nr_targets'),
                                         rng.randrange(1, 3)))
        da.try_write(kd.target(0, 'pid_target'), sleeper.pid)


def reader(rng):
    while not stop.is_set():
        for root, _, files in os.walk(da.KDAMONDS):
            for f in files:
                if stop.is_set():
                    return
                try:
                    with open(os.path.join(root, f)) as fh:
                        fh.read()
                    count('read', 0)
                except OSError as e:
                    count('read', e.errno)


def updater(rng):
    kd = da.Kdamond(0)
    while not stop.is_set():
        word = rng.choice(['update_schemes_stats',
                           'update_schemes_tried_regions',
                           'update_schemes_tried_bytes',
                           'update_schemes_effective_quotas',
                           'clear_schemes_tried_regions'])
        count(word, kd.try_cmd(word))


def exiting_targets(rng):
    kd = da.Kdamond(1)
    while not stop.is_set():
        short = subprocess.Popen(['sleep', '%.2f' % (rng.random() / 2)])
        da.try_write(kd.target(0, 'pid_target'), short.pid)
        count('on-short', kd.try_cmd('on'))
        while short.poll() is None and not stop.is_set():
            count('tried-exiting',
                  kd.try_cmd('update_schemes_tried_regions'))
        short.wait()
        count('off-short', kd.try_cmd('off'))


def group(rng):
    kds = [da.Kdamond(i) for i in range(2, NR_KDAMONDS)]
    while not stop.is_set():
        for kd in kds:
            count('group-on', kd.try_cmd('on'))
        for kd in kds:
            count('group-off', kd.try_cmd('off'))
        count('nr_kdamonds', da.try_write(os.path.join(da.KDAMONDS,
                                                       'nr_kdamonds'),
                                          NR_KDAMONDS))


def modules(rng):
    dirs = [d for d in MODULE_DIRS if os.path.isdir(d)]
    while dirs and not stop.is_set():
        d = rng.choice(dirs)
        count('module-enable', da.try_write(os.path.join(d, 'enabled'),
                                            rng.choice('YN')))
        da.try_write(os.path.join(d, 'sample_interval'),
                     rng.choice([1000, 5000]))
        count('module-commit', da.try_write(os.path.join(d,
                                                         'commit_inputs'),
                                            'Y'))
        time.sleep(rng.random() / 20)
    for d in dirs:
        da.try_write(os.path.join(d, 'enabled'), 'N')


da.write(os.path.join(da.KDAMONDS, 'nr_kdamonds'), NR_KDAMONDS)
for i in range(NR_KDAMONDS):
    setup_kdamond(i, sleeper.pid)

workers = [on_off, committer, reshaper, reader, updater, exiting_targets,
           group, modules]
threads = []
for i, fn in enumerate(workers):
    t = threading.Thread(target=fn, args=(random.Random(1000 + i),),
                         name=fn.__name__, daemon=True)
    t.start()
    threads.append(t)
time.sleep(SECONDS)
stop.set()
stuck = []
deadline = time.monotonic() + 60
for t in threads:
    t.join(max(0, deadline - time.monotonic()))
    if t.is_alive():
        stuck.append(t.name)
tap.diag('operations: %s' % ', '.join('%s %d' % kv for kv in
                                      sorted(counts.items())))
tap.ok(not stuck, 'every thread ended within a minute of the stop',
       'still running: %s' % stuck)
tap.ok(sum(counts.values()) > 100, 'the threads got work done',
       '%d operations' % sum(counts.values()))
for d in MODULE_DIRS:
    if os.path.isdir(d):
        da.try_write(os.path.join(d, 'enabled'), 'N')
        # the parameters outlive the test: back to the default
        da.try_write(os.path.join(d, 'sample_interval'), 5000)
da.reset()
tap.ok(da.wait_until(lambda: not da.kdamond_threads(), 10),
       'no kdamond thread is left', 'pids %s' % da.kdamond_threads())
sleeper.kill()
sleeper.wait()
tap.finish()
