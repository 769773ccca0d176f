#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Bad input is refused with the usual errnos and changes nothing.

Numbers are parsed like the kernel's kstrto*() helpers do (EINVAL for
what is not a number, ERANGE for what does not fit), keywords must be one
of the documented ones, a kdamond supports one context only, and "on"
refuses inconsistent monitoring input, leaving the kdamond off.  While a
kdamond runs, its directory count can not change and "on" is refused.
"""

import errno
import os
import subprocess

import damon_admin as da
from damon_admin import read, write, try_write

EINVAL, ERANGE, ENOMEM, EBUSY = (errno.EINVAL, errno.ERANGE, errno.ENOMEM,
                                 errno.EBUSY)

tap = da.Tap('sysfs_bad_input: errnos of bad writes, state left unchanged')
da.require_admin()
da.reset()

kd = da.Kdamond(0)
sleeper = subprocess.Popen(['sleep', '600'])
kd.setup('vaddr', [{'pid': sleeper.pid, 'regions': [(4096, 8192)]}])
write(kd.scheme(0, 'quotas', 'goals', 'nr_goals'), 1)
write(kd.scheme(0, 'filters', 'nr_filters'), 1)

CTX = os.path.relpath(kd.ctx, da.ADMIN)
SCH = CTX + '/schemes/0'


def full(rel):
    return os.path.join(da.ADMIN, rel)


def check_refused(rel, value, wanted):
    """Writing @value to @rel fails with @wanted and changes nothing."""
    path = full(rel)
    before = read(path)
    err = try_write(path, value)
    ok = tap.errno_is(err, wanted, 'write %r to %s' % (value, rel))
    after = read(path)
    if after != before:
        tap.ok(False, '%s unchanged after the refused write' % rel,
               'was %r, now %r' % (before, after))
    return ok


ulong_files = [
    CTX + '/monitoring_attrs/intervals/sample_us',
    CTX + '/monitoring_attrs/intervals/aggr_us',
    CTX + '/monitoring_attrs/intervals/update_us',
    CTX + '/monitoring_attrs/nr_regions/min',
    CTX + '/monitoring_attrs/nr_regions/max',
    CTX + '/targets/0/regions/0/start',
    CTX + '/targets/0/regions/0/end',
    SCH + '/apply_interval_us',
    SCH + '/access_pattern/sz/min', SCH + '/access_pattern/sz/max',
    SCH + '/access_pattern/nr_accesses/min',
    SCH + '/access_pattern/nr_accesses/max',
    SCH + '/access_pattern/age/min', SCH + '/access_pattern/age/max',
    SCH + '/quotas/ms', SCH + '/quotas/bytes',
    SCH + '/quotas/reset_interval_ms',
    SCH + '/quotas/goals/0/target_value',
    SCH + '/quotas/goals/0/current_value',
    SCH + '/watermarks/interval_us', SCH + '/watermarks/high',
    SCH + '/watermarks/mid', SCH + '/watermarks/low',
    SCH + '/filters/0/addr_start', SCH + '/filters/0/addr_end',
]
uint_files = [
    SCH + '/quotas/weights/sz_permil',
    SCH + '/quotas/weights/nr_accesses_permil',
    SCH + '/quotas/weights/age_permil',
]
int_files = [
    CTX + '/targets/0/pid_target',
    SCH + '/target_nid',
]
fdir = full(SCH + '/filters/0')
for name in ('damon_target_idx', 'target_idx'):
    if os.path.isfile(os.path.join(fdir, name)):
        int_files.append(SCH + '/filters/0/' + name)
        break

# --- numbers ------------------------------------------------------------------
for rel in ulong_files:
    check_refused(rel, 'abc', EINVAL)
    check_refused(rel, '12abc', EINVAL)
    check_refused(rel, '-1', EINVAL)
    check_refused(rel, '\n', EINVAL)
    check_refused(rel, str(1 << 64), ERANGE)
for rel in uint_files:
    check_refused(rel, 'ten', EINVAL)
    check_refused(rel, '-5', EINVAL)
    check_refused(rel, str(1 << 32), ERANGE)
for rel in int_files:
    check_refused(rel, 'x1', EINVAL)
    check_refused(rel, '1.5', EINVAL)
    check_refused(rel, str(1 << 31), ERANGE)
    check_refused(rel, str(-(1 << 31) - 1), ERANGE)

# --- keywords ---------------------------------------------------------------------
for rel, good in ((CTX + '/operations', 'vaddr'), (SCH + '/action', 'stat'),
                  (SCH + '/watermarks/metric', 'none'),
                  (SCH + '/quotas/goals/0/target_metric', 'user_input'),
                  (SCH + '/filters/0/type', 'anon')):
    check_refused(rel, 'no_such_keyword', EINVAL)
    check_refused(rel, good.upper(), EINVAL)
    check_refused(rel, good + ' ' + good, EINVAL)
    check_refused(rel, '\n', EINVAL)
check_refused(SCH + '/filters/0/matching', 'maybe', EINVAL)
check_refused('kdamonds/0/state', 'no_such_command', EINVAL)
check_refused('kdamonds/0/state', 'ON', EINVAL)

# --- directory counts ------------------------------------------------------------
count_files = [
    'kdamonds/nr_kdamonds', 'kdamonds/0/contexts/nr_contexts',
    CTX + '/targets/nr_targets', CTX + '/targets/0/regions/nr_regions',
    CTX + '/schemes/nr_schemes', SCH + '/quotas/goals/nr_goals',
    SCH + '/filters/nr_filters',
]
for rel in count_files:
    check_refused(rel, 'one', EINVAL)
    check_refused(rel, '-1', EINVAL)
    # too big for the int the kernel parses, or for memory
    check_refused(rel, '100000000000', {EINVAL, ERANGE, ENOMEM})
for rel in count_files:
    # fits an int, but no kernel can allocate that many directories
    check_refused(rel, str((1 << 31) - 1), {ENOMEM, EINVAL})
check_refused('kdamonds/0/contexts/nr_contexts', '2', EINVAL)
tap.ok(os.path.isdir(kd.scheme(0, 'filters', '0')) and
       os.path.isdir(kd.target(0, 'regions', '0')),
       'the existing directories survived the refused counts')

# --- "on" with inconsistent input: refused, kdamond stays off ----------------------


def refused_on(desc, wanted=EINVAL):
    err = kd.try_cmd('on')
    tap.errno_is(err, wanted, '"on" with %s' % desc)
    tap.ok(kd.state() == 'off' and kd.pid() == -1,
           'still off after "on" with %s' % desc,
           'state %s pid %s' % (kd.state(), kd.pid()))
    if not err:
        kd.try_cmd('off')


ram = da.biggest_system_ram()
M = 1 << 20
for ops in ('fvaddr', 'paddr'):
    if ops not in read(kd.p('avail_operations')).split():
        continue
    base = ram[0] if ops == 'paddr' and ram else 0x10000000
    kd.setup(ops, [{'pid': sleeper.pid, 'regions':
                    [(base, base + 4 * M), (base + 2 * M, base + 6 * M)]}])
    refused_on('%s overlapping regions' % ops)
    kd.setup(ops, [{'pid': sleeper.pid, 'regions':
                    [(base + 4 * M, base + 6 * M), (base, base + 2 * M)]}])
    refused_on('%s unsorted regions' % ops)
    kd.setup(ops, [{'pid': sleeper.pid, 'regions':
                    [(base + 4 * M, base + 2 * M)]}])
    refused_on('%s region start > end' % ops)

kd.setup('vaddr', [{'pid': sleeper.pid}], nr_regions=(100, 10))
refused_on('nr_regions min > max')
kd.setup('vaddr', [{'pid': sleeper.pid}], nr_regions=(1, 10))
refused_on('nr_regions min < 3')
kd.setup('vaddr', [{'pid': sleeper.pid}], sample_us=100000, aggr_us=5000)
refused_on('aggr_us < sample_us')
kd.setup('vaddr', [{'pid': da.free_pid()}])
refused_on('a pid that no process has')

# --- refusals while on -----------------------------------------------------------------
kd.setup('vaddr', [{'pid': sleeper.pid}], sample_us=10000, aggr_us=100000)
err = kd.try_cmd('on')
tap.ok(not err and kd.state() == 'on', '"on" with valid input works',
       'errno %s' % err)
pid = kd.pid()
tap.ok(pid > 0, 'kdamond pid is positive while on', str(pid))
tap.errno_is(kd.try_cmd('on'), EBUSY, '"on" while on')
for n in (2, 0, 1):
    check_refused('kdamonds/nr_kdamonds', str(n), EBUSY)
tap.ok(os.path.isdir(kd.dir), 'kdamonds/0 still exists')

iv = kd.p('monitoring_attrs', 'intervals')
write(os.path.join(iv, 'aggr_us'), 1000)   # below sample_us
tap.errno_is(kd.try_cmd('commit'), EINVAL, '"commit" with aggr_us < sample_us')
tap.ok(kd.state() == 'on' and kd.pid() == pid,
       'the kdamond keeps running after the refused commit',
       'state %s pid %d' % (kd.state(), kd.pid()))
write(os.path.join(iv, 'aggr_us'), 100000)
tap.ok(not kd.try_cmd('commit'), '"commit" with fixed input works')
tap.ok(not kd.try_cmd('off') and kd.state() == 'off' and kd.pid() == -1,
       '"off" stops it')
tap.errno_is(kd.try_cmd('commit'), EINVAL, '"commit" while off')

sleeper.kill()
sleeper.wait()
da.reset()
tap.finish()
