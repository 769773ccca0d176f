#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Structured garbage into every writable DAMON file, stopped and running.

Walks every writable file under /sys/kernel/mm/damon/admin (one of every
directory populated) and, if present, the damon_reclaim and damon_lru_sort
parameters, and writes values built to hit the edges: empty, blanks,
negative, zero, 2^32, 2^64-1 and beyond, hex, huge strings, NUL bytes,
keywords valid elsewhere, min above max, overlapping and unsorted regions,
regions beyond RAM and the address space, exited pids, bad NUMA nodes and
memcg paths, extreme interval ratios.  Between writes it turns the kdamond
on, commits, and sends every state keyword.

Checks: a refused write leaves the value it had; whatever was accepted
either runs or is refused at on/commit (and then the old configuration
still runs, with the same kdamond); no round of writes blocks; the kernel
log stays clean (the runner checks it).  Seeded (DAMON_FUZZ_SEED) and
bounded (DAMON_FUZZ_WRITES, DAMON_FUZZ_SECONDS); it prints what it tried.
"""

import errno
import os
import random
import subprocess
import time

import damon_admin as da

SEED = int(os.environ.get('DAMON_FUZZ_SEED', '20261201'))
WRITES = int(os.environ.get('DAMON_FUZZ_WRITES', '20000'))
SECONDS = int(os.environ.get('DAMON_FUZZ_SECONDS', '480'))
# How many writes the emulated guest gets through in SECONDS depends on the
# host and its load (here 36 to 45 a second): half of WRITES is enough to
# have hit every file many times.  That nothing blocks is checked round by
# round instead: a round is at most 40 writes and a few commands.
MIN_WRITES = WRITES // 2
ROUND_LIMIT = 60

STATE_WORDS = ['on', 'off', 'commit', 'commit_schemes_quota_goals',
               'update_schemes_stats', 'update_schemes_tried_regions',
               'update_schemes_tried_bytes', 'clear_schemes_tried_regions',
               'update_schemes_effective_quotas']
KEYWORDS = (da.ACTIONS + da.WMARK_METRICS + da.GOAL_METRICS +
            da.FILTER_TYPES + ['vaddr', 'fvaddr', 'paddr', 'Y', 'N'] +
            STATE_WORDS)
MODULE_DIRS = ['/sys/module/damon_reclaim/parameters',
               '/sys/module/damon_lru_sort/parameters']

tap = da.Tap('fuzz_admin: structured garbage into every file (seed %d)' %
             SEED)
da.require_admin()
da.reset()
rng = random.Random(SEED)

sleeper = subprocess.Popen(['sleep', '3600'])
gone = subprocess.Popen(['true'])
gone.wait()
ram = da.biggest_system_ram() or (1 << 20, 1 << 30)


def numbers():
    return [0, 1, 2, 3, 7, 10, 100, 1000, 4096, 5000, 100000, 1 << 20,
            (1 << 31) - 1, 1 << 31, (1 << 32) - 1, 1 << 32, (1 << 32) + 1,
            (1 << 63) - 1, 1 << 63, (1 << 64) - 1, sleeper.pid, gone.pid,
            os.getpid(), 1, ram[0], ram[1], ram[1] << 4, 1 << 62,
            rng.randrange(1 << 64), rng.randrange(1 << 20)]


def garbage():
    """One value to write, most of them wrong somehow."""
    kind = rng.randrange(16)
    if kind < 6:
        return str(rng.choice(numbers()))
    if kind == 6:
        return str(-rng.choice(numbers()))
    if kind == 7:
        return hex(rng.choice(numbers()))
    if kind == 8:
        return str((1 << 64) + rng.randrange(1 << 32))
    if kind == 9:
        return rng.choice(KEYWORDS)
    if kind == 10:
        return rng.choice(['', ' ', '\n', '\t\n', '\0', '1\0', '1 2',
                           '0x', '--1', '+1', '1e3', '1.5', 'on\noff'])
    if kind == 11:
        return rng.choice('abc' + 'Z/_') * rng.choice([1, 4095, 4096, 8192])
    if kind == 12:
        return rng.choice(['/', '/nonexistent', '/' + 'x' * 5000, '//',
                           '/sys/fs/cgroup', '..'])
    if kind == 13:
        return rng.choice(KEYWORDS) + rng.choice([' ', 'x', '\0', '\n\n'])
    return str(rng.randrange(-5, 1 << 16))


def writable_files(root):
    out = []
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            try:
                if os.stat(p).st_mode & 0o200:
                    out.append(p)
            except OSError:
                pass
    return out


def populate():
    """One kdamond with one of every directory, monitoring a sleeper."""
    da.reset()
    kd = da.Kdamond(0).setup('vaddr', [{'pid': sleeper.pid}],
                             sample_us=5000, aggr_us=100000,
                             schemes=[{}, {'action': 'pageout',
                                           'nr_accesses': (0, 0)}])
    da.write(kd.target(0, 'regions', 'nr_regions'), 0)
    for i in range(2):
        da.try_write(kd.scheme(i, 'quotas', 'goals', 'nr_goals'), 1)
        da.try_write(kd.scheme(i, 'filters', 'nr_filters'), 2)
    return kd


def running_config(kd):
    """What kdamond @kd runs after a successful on or commit: its
    operations set and the pids of its targets."""
    pids = []
    for i in da.numbered(kd.p('targets')):
        try:
            pids.append(int(da.read(kd.target(int(i), 'pid_target'))))
        except (OSError, ValueError):
            pass
    return value_of(kd.p('operations')), pids


def stopped_on_its_own(config):
    """Whether a kdamond running @config may have ended by itself: a
    virtual address kdamond does once every target process is gone (the
    fuzzer writes small pids too, some of them kernel workers that come and
    go)."""
    ops, pids = config
    return ops in ('vaddr', 'fvaddr') and \
        not any(os.path.exists('/proc/%d' % p) for p in pids if p > 0)


def value_of(path):
    try:
        return da.read(path)
    except OSError as e:
        return 'errno %d' % e.errno


counts = {'writes': 0, 'refused': 0, 'accepted': 0, 'on_ok': 0,
          'on_refused': 0, 'commit_ok': 0, 'commit_refused': 0}
problems = []
kd = populate()
config = None
files = writable_files(da.ADMIN)
module_files = []
for d in MODULE_DIRS:
    if os.path.isdir(d):
        module_files += [p for p in writable_files(d)
                         if os.path.basename(p) not in ('enabled',
                                                        'commit_inputs')]
# the modules' parameters as they were, to be put back at the end
saved = {p: value_of(p) for p in module_files}
tap.ok(len(files) > 40, 'found the writable admin files',
       '%d files' % len(files))
tap.diag('%d admin files, %d module parameters; %d writes or %d s' %
         (len(files), len(module_files), WRITES, SECONDS))

deadline = time.monotonic() + SECONDS
rounds = 0
next_report = 10000
slowest = (0, 0)
while counts['writes'] < WRITES and time.monotonic() < deadline:
    rounds += 1
    round_start = time.monotonic()
    if counts['writes'] >= next_report:
        # long runs (the soak): how far it got, should the run be cut; the
        # kernel log reaches the host's console.log while the test runs
        progress = '%d writes after %.0f s, %d problems' % (
            counts['writes'], time.monotonic() - deadline + SECONDS,
            len(problems))
        tap.diag(progress)
        da.try_write('/dev/kmsg', 'fuzz_admin: %s\n' % progress)
        next_report += 10000
    if rounds % 50 == 1:
        # a fresh tree now and then, so that deep files exist again
        kd = populate()
        files = writable_files(da.ADMIN)
        if rng.random() < 0.5:
            if kd.try_cmd('on'):
                counts['on_refused'] += 1
            else:
                counts['on_ok'] += 1
                config = running_config(kd)
    # the tree changes only when a count or the state is written: walk it
    # again only then (the walk costs more than the writes, emulated)
    stale = False
    for _ in range(rng.randrange(5, 40)):
        path = rng.choice(files + module_files)
        if not os.path.exists(path):
            continue
        counts['writes'] += 1
        if os.path.basename(path) == 'state':
            word = rng.choice(STATE_WORDS + [garbage()])
            if not da.try_write(path, word) and \
                    word.strip() in ('on', 'commit') \
                    and path == os.path.join(kd.dir, 'state'):
                config = running_config(kd)
            stale = True
            continue
        before = value_of(path)
        if os.path.basename(path).startswith('nr_'):
            # counts: small ones, ones too big to allocate, and words; not
            # the tens of thousands of directories that would only be slow
            value = rng.choice(['0', '1', '2', '3', '5', '-1', '0x2',
                                '2147483647', '2147483648', '4294967296',
                                '18446744073709551615', '', ' ', '\0',
                                'abc', '1e3', '2 3', 'on'])
        else:
            value = garbage()
        err = da.try_write(path, value)
        if err:
            counts['refused'] += 1
            after = value_of(path)
            if after != before and len(problems) < 20:
                problems.append('%s changed from %r to %r on a refused '
                                'write (errno %d)' % (path, before, after,
                                                      err))
        else:
            counts['accepted'] += 1
            stale |= os.path.basename(path).startswith('nr_')
    # the fuzzer may have removed the kdamond directory itself
    if not os.path.isdir(kd.ctx):
        kd = populate()
        stale = True
    # what was accepted runs, or is refused whole
    running = kd.state() == 'on'
    pid = kd.pid() if running else -1
    word = 'commit' if running else 'on'
    err = kd.try_cmd(word)
    counts['%s_%s' % (word, 'ok' if not err else 'refused')] += 1
    if not err:
        config = running_config(kd)
    elif running and err == errno.ECANCELED and config and \
            stopped_on_its_own(config):
        counts['ended_with_targets'] = counts.get('ended_with_targets', 0) + 1
    elif running and err != errno.EINTR:
        if kd.state() != 'on' or kd.pid() != pid:
            if len(problems) < 20:
                problems.append('a refused commit (errno %d) did not leave '
                                'the kdamond running as it was (it ran %s)' %
                                (err, config))
    if rng.random() < 0.2:
        word = rng.choice(STATE_WORDS)
        if not kd.try_cmd(word) and word in ('on', 'commit'):
            config = running_config(kd)
        stale = True
    if stale:
        files = writable_files(da.ADMIN)
    slowest = max(slowest, (time.monotonic() - round_start, rounds))

tap.diag('tried %d writes in %d rounds: %s' % (counts['writes'], rounds,
                                               counts))
tap.diag('slowest round: %.1f s (round %d)' % slowest)
tap.ok(counts['writes'] >= MIN_WRITES,
       'the fuzzer got through at least %d of its %d writes within %d s' %
       (MIN_WRITES, WRITES, SECONDS), '%d' % counts['writes'])
tap.ok(slowest[0] < ROUND_LIMIT,
       'no round of writes took %d s or more: nothing blocks' % ROUND_LIMIT,
       '%.1f s' % slowest[0])
tap.ok(not problems, 'refused writes and commits change nothing',
       '\n'.join(problems))
tap.ok(counts['on_ok'] and counts['commit_ok'] and counts['commit_refused'],
       'configurations both ran and were refused along the way',
       str(counts))

# leave nothing behind: every module off with its parameters as they were,
# every kdamond gone
for d in MODULE_DIRS:
    if os.path.isdir(d):
        da.try_write(os.path.join(d, 'enabled'), 'N')
# twice: some values are only accepted once others are back
for _ in range(2):
    for p, v in saved.items():
        da.try_write(p, v)
tap.eq({p: value_of(p) for p in saved}, saved,
       'the module parameters are back to what they were')
da.reset()
tap.ok(da.wait_until(lambda: not da.kdamond_threads(), 10),
       'no kdamond thread is left', 'pids %s' % da.kdamond_threads())
sleeper.kill()
sleeper.wait()
tap.finish()
