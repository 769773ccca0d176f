#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""module_boot_params: damon_reclaim / damon_lru_sort parameters given on
the kernel command line.

Needs a boot of its own, e.g.

    scripts/vm/run --timeout 300 \\
        --append 'damon_reclaim.enabled=Y damon_reclaim.min_age=5000000' \\
        -- python3 tests/selftests/module_boot_params.py

Every damon_reclaim.NAME=VALUE and damon_lru_sort.NAME=VALUE of
/proc/cmdline must read back as given (Y/N for booleans, numbers as
numbers); a module booted with enabled=Y must be running right away
(enabled Y, kdamond_pid a live kdamond, which has been running since boot)
with its other parameters at their defaults and its monitoring region
set; enabled=N must then stop it and enabled=Y start it again.  Without
any such parameter on the command line there is nothing to check: the test
says so and fails, since it is meant to run only with them.
"""

import os
import re

import damon_admin as da
import damon_modules_lib as ml


def cmdline_params():
    """{module: {param: value}} of our modules on the kernel command line."""
    out = {}
    with open('/proc/cmdline') as f:
        words = f.read().split()
    for w in words:
        m = re.match(r'(damon_reclaim|damon_lru_sort)\.(\w+)=(.*)$', w)
        if m:
            out.setdefault(m.group(1), {})[m.group(2)] = m.group(3)
    return out


def as_read(value):
    """What a parameter given as @value on the command line reads."""
    if value in ('y', 'Y', '1', 'yes', 'on', 'true'):
        return {'Y', value}
    if value in ('n', 'N', '0', 'no', 'off', 'false'):
        return {'N', value}
    try:
        return {str(int(value, 0))}
    except ValueError:
        return {value}


def uptime():
    with open('/proc/uptime') as f:
        return float(f.read().split()[0])


def start_seconds(pid):
    """Seconds after boot at which @pid started."""
    with open('/proc/%d/stat' % pid) as f:
        rest = f.read().rsplit(')', 1)[1].split()
    return int(rest[19]) / ml.CLK_TCK


def main():
    tap = da.Tap('module_boot_params: module parameters from the kernel '
                 'command line')
    given = cmdline_params()
    with open('/proc/cmdline') as f:
        tap.diag('cmdline: %s' % f.read().strip())
    if not tap.ok(given, 'damon_reclaim.* or damon_lru_sort.* parameters '
                  'are on the kernel command line',
                  'boot with e.g. --append \'damon_reclaim.enabled=Y '
                  'damon_reclaim.min_age=5000000\''):
        tap.finish()
    for name, params in sorted(given.items()):
        m = ml.Module(name)
        if not tap.ok(m.present(), '%s exists' % m.dir):
            continue
        for p, v in sorted(params.items()):
            if p not in m.params:
                tap.diag('%s.%s is no parameter; ignored' % (name, p))
                continue
            got = m.get(p)
            tap.ok(got in as_read(v), '%s.%s reads %s as given' %
                   (name, p, got), 'given %s' % v)
        for p, (_, default) in sorted(m.params.items()):
            if p in params or default is None or p in (
                    'enabled', 'kdamond_pid', 'monitor_region_start',
                    'monitor_region_end'):
                continue
            tap.eq(m.get(p), default, '%s.%s keeps its default' % (name, p))
        if params.get('enabled') not in ('Y', 'y', '1'):
            continue
        pid = m.pid()
        tap.ok(m.enabled() and ml.is_kdamond(pid) and pid in ml.kdamonds(),
               '%s runs since boot: enabled %s, kdamond_pid %d (%s)' %
               (name, m.get('enabled'), pid, da.thread_name(pid)))
        if ml.is_kdamond(pid):
            started = start_seconds(pid)
            tap.ok(started < uptime(), 'its kdamond started %.1fs after '
                   'boot (now %.1fs)' % (started, uptime()))
        ram = da.biggest_system_ram()
        rng = (m.num('monitor_region_start'), m.num('monitor_region_end'))
        tap.ok(rng == ram or ('monitor_region_start' in params),
               'it monitors the biggest System RAM %#x-%#x' % ram,
               'monitor_region %#x-%#x' % rng)
        err = m.try_set('enabled', 'N')
        da.wait_until(lambda: not os.path.exists('/proc/%d' % pid), 10)
        tap.ok(err == 0 and not m.enabled() and m.pid() == -1 and
               not ml.kdamonds(), 'enabled=N stops it', ml.errname(err))
        err = m.try_set('enabled', 'Y')
        tap.ok(err == 0 and m.enabled() and ml.is_kdamond(m.pid()),
               'enabled=Y starts it again', ml.errname(err))
        for p, v in sorted(params.items()):
            if p in m.params and p != 'enabled':
                tap.ok(m.get(p) in as_read(v), '%s.%s still reads %s' %
                       (name, p, m.get(p)))
        m.off()
    tap.finish()


if __name__ == '__main__':
    main()
