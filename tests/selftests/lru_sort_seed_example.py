#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""lru_sort_seed_example: the damon_lru_sort example of the seed document.

    # cd /sys/modules/damon_lru_sort/parameters
    # echo 500 > hot_thres_access_freq
    # echo 120000000 > cold_min_age
    # echo 10 > quota_ms
    # echo 1000 > quota_reset_interval_ms
    # echo 500 > wmarks_high
    # echo 400 > wmarks_mid
    # echo 200 > wmarks_low
    # echo Y > enabled

typed as written, but in /sys/module/ (the seed's /sys/modules/ is a typo:
module parameters live in /sys/module/<name>/parameters/).  The watermarks
make the module work only while free memory is between 20% and 40% (and
start below 40%), so the test first takes memory away: it reserves huge
pages until about 30% is free (memory on no LRU list, which DAMON can do
nothing with).  Should that not be possible, the watermarks are scaled
around the free memory rate instead, and the output says so.

The workload has a hot buffer (written all the time, TLB flushed so that the
emulator sets Accessed bits) whose pages start on the inactive LRU list, as
new anonymous pages do, and a cold one (written once) whose pages the test
moves to the active list by reading them twice through /proc/PID/mem.
Judged by the ACTIVE flag of their pages (/proc/PID/pagemap ->
/proc/kpageflags) and the kdamond's CPU time (/proc/PID/stat):
  1. as written (cold_min_age 120 s): the hot pages become active, the cold
     ones stay active (not old enough yet), the hot statistics grow;
  2. cold_min_age lowered to 5 s and the time quota lifted (quota_ms 0),
     committed with commit_inputs=Y, to keep the run short (in the emulated
     debug kernel 10 ms a second go through about a MiB, and the cold
     scheme has all the guest's RAM to go through): the cold pages go to
     the inactive list, the hot ones stay active;
  3. the kdamond's CPU time in part 1 (utime + stime of /proc/PID/stat)
     stays within its quota (10 ms per second for each of the two schemes)
     on top of what monitoring alone costs, measured just before with a
     sysfs kdamond monitoring the same range with the same attributes and
     no scheme (a module whose watermarks keep it inactive does not
     monitor at all, so it can not be the reference), with generous slack
     for the emulator.
"""

import time

import damon_admin as da
import damon_modules_lib as ml

HOT_KIB = 16 * 1024
COLD_KIB = 64 * 1024
TARGET_PERMIL = 300
HOT_TIMEOUT = 150
HOT_ACTIVE = 0.75
COLD_TIMEOUT = 120
BASELINE_SECONDS = 20
# quota: 10 ms per 1000 ms for each of the two schemes
QUOTA_SHARE = 2 * 10 / 1000
# the emulator makes timing coarse, and the cost of monitoring varies with
# the number of regions and the load of the host
CPU_SLACK = 0.15


def seconds(ticks):
    return ticks / ml.CLK_TCK


def monitoring_baseline(tap, attrs):
    """CPU share of a sysfs kdamond monitoring what the module would, with
    the module's attributes and no scheme, over BASELINE_SECONDS."""
    rng = (int(attrs['monitor_region_start']),
           int(attrs['monitor_region_end']))
    da.reset()
    kd = da.Kdamond(0).setup(
        'paddr', [{'regions': [rng]}],
        sample_us=int(attrs['sample_interval']),
        aggr_us=int(attrs['aggr_interval']),
        nr_regions=(int(attrs['min_nr_regions']),
                    int(attrs['max_nr_regions'])), schemes=[])
    kd.cmd('on')
    try:
        pid = kd.pid()
        c0, t0 = ml.cpu_ticks(pid), time.monotonic()
        time.sleep(BASELINE_SECONDS)
        share = seconds(ml.cpu_ticks(pid) - c0) / (time.monotonic() - t0)
    finally:
        kd.try_cmd('off')
        da.reset()
    tap.diag('monitoring alone (a sysfs paddr kdamond, same range and '
             'attributes, no scheme): %.1f%% of a CPU' % (share * 100))
    return share


def lru_report(w):
    hot, cold = w.pages('hot', lru=True), w.pages('cold', lru=True, step=2)
    return hot, cold


def run(tap, m, w, hog):
    tap.diag('workload %d: hot %s (huge pages where possible), cold %s' %
             (w.pid, ml.mib(w.hot[1] - w.hot[0]),
              ml.mib(w.cold[1] - w.cold[0])))
    w.touch_twice('cold')
    hot, cold = lru_report(w)
    tap.diag('before: hot %s; cold (every 2nd page) %s' % (hot, cold))
    tap.ok(hot.frac('active') < 0.3,
           'setup: the hot pages start inactive (%.0f%% active)' %
           (hot.frac('active') * 100))
    tap.ok(cold.frac('active') > 0.9,
           'setup: the cold pages start active (%.0f%% active)' %
           (cold.frac('active') * 100))

    permil = ml.free_permil()
    wmarks = (500, 400, 200)
    tap.diag('%d huge pages reserved: free memory rate MemFree/MemTotal = '
             '%d permil' % (hog.nr(), permil))
    if not 200 < permil < 400:
        wmarks = (min(1000, permil + 100), min(1000, permil + 50),
                  max(0, permil - 100))
        tap.diag('not between the seed\'s wmarks_low 200 and wmarks_mid '
                 '400: the watermarks are scaled to %d/%d/%d' % wmarks)
    ram = da.biggest_system_ram()
    base = monitoring_baseline(tap, {
        'monitor_region_start': ram[0], 'monitor_region_end': ram[1],
        **{p: m.params[p][1] for p in (
            'sample_interval', 'aggr_interval', 'min_nr_regions',
            'max_nr_regions')}})
    commands = [('hot_thres_access_freq', 500),
                ('cold_min_age', 120000000), ('quota_ms', 10),
                ('quota_reset_interval_ms', 1000),
                ('wmarks_high', wmarks[0]), ('wmarks_mid', wmarks[1]),
                ('wmarks_low', wmarks[2]), ('enabled', 'Y')]
    tap.diag('cd %s   (the seed says /sys/modules/..., a typo)' % m.dir)
    t0 = time.monotonic()
    typed = m.cd_and_type(commands, tap)
    for fname, value in commands:
        tap.eq(m.get(fname), str(value), '%s reads back %s' % (fname, value))
    pid = m.pid()
    if not tap.ok(typed and ml.is_kdamond(pid),
                  'kdamond_pid %d is a kdamond' % pid):
        return
    c0, tc = ml.cpu_ticks(pid), time.monotonic()

    # 1. as written
    def hot_done(v):
        return v[0].frac('active') >= HOT_ACTIVE and \
            time.monotonic() - t0 >= BASELINE_SECONDS
    (hot, cold), took = ml.poll(lambda: lru_report(w), hot_done,
                                HOT_TIMEOUT, 5)
    elapsed = time.monotonic() - tc
    used = seconds(ml.cpu_ticks(pid) - c0)
    stats = m.stats()
    tap.diag('after %.0fs: hot %s; cold %s' % (took, hot, cold))
    tap.diag('stats: %s' % stats)
    tap.ok(hot.frac('active') >= HOT_ACTIVE,
           'the hot pages become active (%.0f%%) within %ds' %
           (hot.frac('active') * 100, HOT_TIMEOUT))
    tap.ok(stats['bytes_lru_sorted_hot_regions'] > 0 and
           stats['nr_lru_sorted_hot_regions'] > 0,
           'bytes_lru_sorted_hot_regions grew (%s)' %
           ml.mib(stats['bytes_lru_sorted_hot_regions']))
    tap.ok(cold.frac('active') > 0.9,
           'the cold pages stay active before cold_min_age (%.0f%% '
           'active after %.0fs)' % (cold.frac('active') * 100, elapsed))
    tap.diag('kdamond %d: %.1fs of CPU in %.0fs (%.1f%%)' %
             (pid, used, elapsed, used * 100 / elapsed))

    # 2. a shorter cold_min_age, and no time quota
    tap.diag('echo 5000000 > cold_min_age; echo 0 > quota_ms; echo Y > '
             'commit_inputs   (not in the example: 120 s of age, and a '
             'pass over all RAM in 10 ms a second, which covers about a '
             'MiB in the emulator, would take far too long)')
    m.set('cold_min_age', 5000000)
    m.set('quota_ms', 0)
    err = m.try_set('commit_inputs', 'Y')
    tap.ok(err == 0, 'commit_inputs=Y', ml.errname(err))
    tap.eq(m.pid(), pid, 'the same kdamond runs on')

    def cold_done(v):
        return v[1].frac('active') <= 0.2
    (hot, cold), took = ml.poll(lambda: lru_report(w), cold_done,
                                COLD_TIMEOUT, 5)
    stats = m.stats()
    tap.diag('after %.0fs: hot %s; cold %s' % (took, hot, cold))
    tap.diag('stats: %s' % stats)
    tap.ok(cold.frac('active') <= 0.2,
           'the cold pages become inactive (%.0f%% active) within %ds' %
           (cold.frac('active') * 100, COLD_TIMEOUT))
    tap.ok(hot.frac('active') >= HOT_ACTIVE - 0.1,
           'the hot pages stay active (%.0f%%)' % (hot.frac('active') * 100))
    tap.ok(stats['bytes_lru_sorted_cold_regions'] > 0,
           'bytes_lru_sorted_cold_regions grew (%s)' %
           ml.mib(stats['bytes_lru_sorted_cold_regions']))

    # 3. CPU time of the first part, against monitoring alone
    budget = base + QUOTA_SHARE + CPU_SLACK
    tap.ok(used / elapsed <= budget,
           'as written, the kdamond\'s CPU share %.1f%% is within its quota '
           '(2 x 1%%) on top of monitoring alone, with slack for the '
           'emulator: %.1f%% + 2%% + %.0f%% = %.1f%%' % (
               used * 100 / elapsed, base * 100, CPU_SLACK * 100,
               budget * 100))


def main():
    tap = da.Tap('lru_sort_seed_example: the seed\'s damon_lru_sort '
                 'example, judged by the LRU lists')
    da.require_admin()
    m = ml.Module('damon_lru_sort')
    if not m.present():
        da.Tap.skip_all('%s not found' % m.dir)
    ml.both_off()
    da.reset()
    m.restore_defaults()
    try:
        with ml.Workload(HOT_KIB, COLD_KIB, thp=True) as w, \
                ml.HugeHog(TARGET_PERMIL) as hog:
            run(tap, m, w, hog)
    finally:
        ml.both_off()
        da.reset()
        bad = m.restore_defaults()
        if bad:
            tap.diag('could not restore %s' % bad)
    tap.ok(not ml.kdamonds(), 'no kdamond is left', ml.kdamonds())
    tap.finish()


if __name__ == '__main__':
    main()
