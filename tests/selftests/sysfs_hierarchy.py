#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The documented admin hierarchy: files, defaults and round trips.

Populates one of every numbered directory (kdamond, context, target, region,
scheme, quota goal, filter), then checks that every documented file and
directory is there with sane defaults, that each writable file gives back
what was written to it, that every documented keyword is taken, and that
lowering the counts removes the directories again.
"""

import os
import stat

import damon_admin as da
from damon_admin import read, write, try_write

tap = da.Tap('sysfs_hierarchy: documented files, defaults and round trips')
da.require_admin()
da.reset()

K = da.KDAMONDS
kd = da.Kdamond(0)

# --- the empty tree ---------------------------------------------------------
tap.ok(os.path.isfile(os.path.join(K, 'nr_kdamonds')),
       'admin/kdamonds/nr_kdamonds exists')
tap.eq(read(os.path.join(K, 'nr_kdamonds')), '0', 'nr_kdamonds starts at 0')
tap.eq(da.numbered(K), [], 'no kdamond directory before nr_kdamonds is set')

# --- populate one of everything ----------------------------------------------
steps = [
    (os.path.join(K, 'nr_kdamonds'), kd.dir),
    (os.path.join(kd.dir, 'contexts', 'nr_contexts'), kd.ctx),
    (kd.p('targets', 'nr_targets'), kd.target(0)),
    (kd.target(0, 'regions', 'nr_regions'), kd.target(0, 'regions', '0')),
    (kd.p('schemes', 'nr_schemes'), kd.scheme(0)),
    (kd.scheme(0, 'quotas', 'goals', 'nr_goals'),
     kd.scheme(0, 'quotas', 'goals', '0')),
    (kd.scheme(0, 'filters', 'nr_filters'), kd.scheme(0, 'filters', '0')),
]
for count_file, new_dir in steps:
    rel = os.path.relpath(count_file, da.ADMIN)
    tap.eq(read(count_file), '0', '%s reads 0 when created' % rel)
    err = try_write(count_file, 1)
    tap.ok(not err, 'write 1 to %s' % rel, 'errno %s' % err)
    tap.eq(read(count_file), '1', '%s reads back 1' % rel)
    tap.ok(os.path.isdir(new_dir), '%s/ appears' % os.path.relpath(
        new_dir, da.ADMIN))

# Every documented file and directory, relative to the admin directory, as
# the hierarchy figure and the text of the usage document list them.
CTX = 'kdamonds/0/contexts/0'
SCH = CTX + '/schemes/0'
dirs = [
    'kdamonds', 'kdamonds/0', 'kdamonds/0/contexts', CTX,
    CTX + '/monitoring_attrs', CTX + '/monitoring_attrs/intervals',
    CTX + '/monitoring_attrs/nr_regions', CTX + '/targets',
    CTX + '/targets/0', CTX + '/targets/0/regions',
    CTX + '/targets/0/regions/0', CTX + '/schemes', SCH,
    SCH + '/access_pattern', SCH + '/access_pattern/sz',
    SCH + '/access_pattern/nr_accesses', SCH + '/access_pattern/age',
    SCH + '/quotas', SCH + '/quotas/weights', SCH + '/quotas/goals',
    SCH + '/quotas/goals/0', SCH + '/watermarks', SCH + '/filters',
    SCH + '/filters/0', SCH + '/stats', SCH + '/tried_regions',
]
# (path, writable)
files = [
    ('kdamonds/nr_kdamonds', True),
    ('kdamonds/0/state', True), ('kdamonds/0/pid', False),
    ('kdamonds/0/contexts/nr_contexts', True),
    (CTX + '/avail_operations', False), (CTX + '/operations', True),
    (CTX + '/monitoring_attrs/intervals/sample_us', True),
    (CTX + '/monitoring_attrs/intervals/aggr_us', True),
    (CTX + '/monitoring_attrs/intervals/update_us', True),
    (CTX + '/monitoring_attrs/nr_regions/min', True),
    (CTX + '/monitoring_attrs/nr_regions/max', True),
    (CTX + '/targets/nr_targets', True),
    (CTX + '/targets/0/pid_target', True),
    (CTX + '/targets/0/regions/nr_regions', True),
    (CTX + '/targets/0/regions/0/start', True),
    (CTX + '/targets/0/regions/0/end', True),
    (CTX + '/schemes/nr_schemes', True),
    (SCH + '/action', True), (SCH + '/target_nid', True),
    (SCH + '/apply_interval_us', True),
    (SCH + '/access_pattern/sz/min', True),
    (SCH + '/access_pattern/sz/max', True),
    (SCH + '/access_pattern/nr_accesses/min', True),
    (SCH + '/access_pattern/nr_accesses/max', True),
    (SCH + '/access_pattern/age/min', True),
    (SCH + '/access_pattern/age/max', True),
    (SCH + '/quotas/ms', True), (SCH + '/quotas/bytes', True),
    (SCH + '/quotas/reset_interval_ms', True),
    (SCH + '/quotas/effective_bytes', False),
    (SCH + '/quotas/weights/sz_permil', True),
    (SCH + '/quotas/weights/nr_accesses_permil', True),
    (SCH + '/quotas/weights/age_permil', True),
    (SCH + '/quotas/goals/nr_goals', True),
    (SCH + '/quotas/goals/0/target_metric', True),
    (SCH + '/quotas/goals/0/target_value', True),
    (SCH + '/quotas/goals/0/current_value', True),
    (SCH + '/watermarks/metric', True),
    (SCH + '/watermarks/interval_us', True),
    (SCH + '/watermarks/high', True), (SCH + '/watermarks/mid', True),
    (SCH + '/watermarks/low', True),
    (SCH + '/filters/nr_filters', True),
    (SCH + '/filters/0/type', True), (SCH + '/filters/0/matching', True),
    (SCH + '/filters/0/memcg_path', True),
    (SCH + '/filters/0/addr_start', True),
    (SCH + '/filters/0/addr_end', True),
    (SCH + '/stats/nr_tried', False), (SCH + '/stats/sz_tried', False),
    (SCH + '/stats/nr_applied', False), (SCH + '/stats/sz_applied', False),
    (SCH + '/stats/qt_exceeds', False),
    # upstream added this one in 6.14; today's damo reads it
    (SCH + '/stats/sz_ops_filter_passed', False),
    (SCH + '/tried_regions/total_bytes', False),
]


def full(rel):
    return os.path.join(da.ADMIN, rel)


for d in dirs:
    tap.ok(os.path.isdir(full(d)), 'directory %s/ exists' % d)
for f, writable in files:
    path = full(f)
    if not tap.ok(os.path.isfile(path), 'file %s exists' % f):
        continue
    mode = os.stat(path).st_mode
    if writable:
        tap.ok(mode & stat.S_IWUSR and mode & stat.S_IRUSR,
               '%s is readable and writable' % f, 'mode %o' % mode)
    else:
        tap.ok(mode & stat.S_IRUSR and not mode & 0o222,
               '%s is read-only' % f, 'mode %o' % mode)

# The filter's target index file is "target_idx" in the text of the usage
# document and "damon_target_idx" in upstream kernels; accept either.
fdir = full(SCH + '/filters/0')
tidx = [n for n in ('damon_target_idx', 'target_idx')
        if os.path.isfile(os.path.join(fdir, n))]
tap.ok(tidx, 'filters/0 has a target index file (damon_target_idx)',
       'files: %s' % sorted(os.listdir(fdir)))
if not os.path.exists(os.path.join(fdir, 'memcg_id')):
    tap.diag('note: the hierarchy figure lists filters/0/memcg_id, but the '
             'text documents memcg_path, which is what is there')

# --- defaults ----------------------------------------------------------------
tap.eq(kd.state(), 'off', 'state defaults to off')
tap.eq(kd.pid(), -1, 'pid reads -1 while off')
avail = read(kd.p('avail_operations')).split()
tap.ok(avail and set(avail) <= {'vaddr', 'fvaddr', 'paddr'},
       'avail_operations lists known operations sets', repr(avail))
for ops in ('vaddr', 'fvaddr', 'paddr'):
    tap.ok(ops in avail, 'avail_operations includes %s (built in)' % ops,
           repr(avail))
tap.ok(read(kd.p('operations')) in avail,
       'default operations is an available one',
       read(kd.p('operations')))

iv = kd.p('monitoring_attrs', 'intervals')
sample = int(read(os.path.join(iv, 'sample_us')))
aggr = int(read(os.path.join(iv, 'aggr_us')))
update = int(read(os.path.join(iv, 'update_us')))
tap.eq((sample, aggr, update), (5000, 100000, 60000000),
       'default intervals are upstream\'s: 5 ms, 100 ms, 60 s')
nrr = kd.p('monitoring_attrs', 'nr_regions')
lo, hi = int(read(os.path.join(nrr, 'min'))), int(read(os.path.join(nrr,
                                                                    'max')))
tap.eq((lo, hi), (10, 1000), 'default nr_regions is 10..1000')
tap.ok(int(read(kd.target(0, 'pid_target'))) >= 0,
       'pid_target default is not negative')
rs = int(read(kd.target(0, 'regions', '0', 'start')))
re_ = int(read(kd.target(0, 'regions', '0', 'end')))
tap.ok(rs <= re_, 'default region start <= end', '%d %d' % (rs, re_))

tap.eq(read(kd.scheme(0, 'action')), 'stat', 'default action is stat')
tap.eq(read(kd.scheme(0, 'target_nid')), '-1', 'target_nid defaults to -1')
tap.eq(read(kd.scheme(0, 'apply_interval_us')), '0',
       'apply_interval_us defaults to 0 (the aggregation interval)')
for name in ('sz', 'nr_accesses', 'age'):
    a = int(read(kd.scheme(0, 'access_pattern', name, 'min')))
    b = int(read(kd.scheme(0, 'access_pattern', name, 'max')))
    # all zeros: a new scheme matches nothing until told what to match
    tap.eq((a, b), (0, 0), 'access_pattern/%s defaults to 0..0' % name)
for name in ('ms', 'bytes', 'effective_bytes'):
    tap.eq(read(kd.scheme(0, 'quotas', name)), '0',
           'quotas/%s defaults to 0 (no quota)' % name)
tap.eq(read(kd.scheme(0, 'quotas', 'reset_interval_ms')), '0',
       'quotas/reset_interval_ms defaults to 0')
for name in ('sz_permil', 'nr_accesses_permil', 'age_permil'):
    tap.eq(read(kd.scheme(0, 'quotas', 'weights', name)), '0',
           'quotas/weights/%s defaults to 0 (no preference)' % name)
tap.ok(read(kd.scheme(0, 'quotas', 'goals', '0', 'target_metric'))
       in da.GOAL_METRICS, 'default goal metric is a documented keyword')
tap.eq(read(kd.scheme(0, 'watermarks', 'metric')), 'none',
       'watermarks/metric defaults to none')
tap.ok(read(kd.scheme(0, 'filters', '0', 'type')) in da.FILTER_TYPES,
       'default filter type is a documented keyword')
tap.ok(read(kd.scheme(0, 'filters', '0', 'matching')) in ('Y', 'N'),
       'filter matching reads Y or N')
for name in ('nr_tried', 'sz_tried', 'nr_applied', 'sz_applied',
             'qt_exceeds'):
    tap.eq(read(kd.scheme(0, 'stats', name)), '0',
           'stats/%s starts at 0' % name)
tap.eq(read(kd.scheme(0, 'tried_regions', 'total_bytes')), '0',
       'tried_regions/total_bytes starts at 0')
tap.eq(da.numbered(kd.scheme(0, 'tried_regions')), [],
       'tried_regions has no region directory yet')

# --- round trips ----------------------------------------------------------------
U64 = str(da.ULONG_MAX)
roundtrip = [
    (CTX + '/monitoring_attrs/intervals/sample_us', ['1', '7000', '5000']),
    (CTX + '/monitoring_attrs/intervals/aggr_us', ['123456', '100000']),
    (CTX + '/monitoring_attrs/intervals/update_us', [U64, '1000000']),
    (CTX + '/monitoring_attrs/nr_regions/min', ['3', '42', '10']),
    (CTX + '/monitoring_attrs/nr_regions/max', ['4242', '1000']),
    (CTX + '/targets/0/pid_target', ['1', str(os.getpid()), '0']),
    (CTX + '/targets/0/regions/0/start', ['4096', U64, '0']),
    (CTX + '/targets/0/regions/0/end', ['8192', U64, '0']),
    (SCH + '/target_nid', ['-1', '1', '0']),
    (SCH + '/apply_interval_us', ['250000', '0']),
    (SCH + '/access_pattern/sz/min', ['4096', '0']),
    (SCH + '/access_pattern/sz/max', ['8192', U64]),
    (SCH + '/access_pattern/nr_accesses/min', ['1', '0']),
    (SCH + '/access_pattern/nr_accesses/max', ['20', '4294967295']),
    (SCH + '/access_pattern/age/min', ['10', '0']),
    (SCH + '/access_pattern/age/max', ['20', '4294967295']),
    (SCH + '/quotas/ms', ['10', '0']),
    (SCH + '/quotas/bytes', [str(1 << 30), '0']),
    (SCH + '/quotas/reset_interval_ms', ['1000']),
    (SCH + '/quotas/weights/sz_permil', ['4294967295', '0']),
    (SCH + '/quotas/weights/nr_accesses_permil', ['500', '0']),
    (SCH + '/quotas/weights/age_permil', ['1000', '0']),
    (SCH + '/quotas/goals/0/target_value', ['10000', '0']),
    (SCH + '/quotas/goals/0/current_value', ['7777', '0']),
    (SCH + '/watermarks/interval_us', ['5000000', '0']),
    (SCH + '/watermarks/high', ['600', '0']),
    (SCH + '/watermarks/mid', ['500', '0']),
    (SCH + '/watermarks/low', ['300', '0']),
    (SCH + '/filters/0/memcg_path', ['/having_care_already', '/']),
    (SCH + '/filters/0/addr_start', ['4096', '0']),
    (SCH + '/filters/0/addr_end', [U64, '0']),
]
if tidx:
    roundtrip.append((SCH + '/filters/0/' + tidx[0], ['3', '0']))
for rel, values in roundtrip:
    for v in values:
        err = try_write(full(rel), v + '\n')
        got = read(full(rel)) if not err else None
        tap.ok(not err and got == v, 'round trip %s = %s' % (rel, v),
               'write errno %s, read back %r' % (err, got))

# the count files round-trip through their own sizes above; the bool:
for v, want in (('Y', 'Y'), ('N', 'N'), ('1', 'Y'), ('0', 'N')):
    err = try_write(full(SCH + '/filters/0/matching'), v)
    got = read(full(SCH + '/filters/0/matching'))
    tap.ok(not err and got == want, 'filters/0/matching: %s reads %s' %
           (v, want), 'errno %s, read %r' % (err, got))

# --- keywords ---------------------------------------------------------------------
keyword_files = [
    (CTX + '/operations', avail),
    (SCH + '/action', da.ACTIONS),
    (SCH + '/watermarks/metric', da.WMARK_METRICS),
    (SCH + '/quotas/goals/0/target_metric', da.GOAL_METRICS),
    (SCH + '/filters/0/type', da.FILTER_TYPES),
]
for rel, words in keyword_files:
    for w in words:
        err = try_write(full(rel), w)
        got = read(full(rel))
        tap.ok(not err and got == w, '%s takes "%s"' % (rel, w),
               'errno %s, read %r' % (err, got))

# --- read-only files refuse writes and keep their value ---------------------------
for f, writable in files:
    if writable:
        continue
    before = read(full(f))
    err = try_write(full(f), '1')
    tap.ok(err != 0 and read(full(f)) == before,
           'writing read-only %s fails' % f, 'errno %s' % err)

# --- depopulate -------------------------------------------------------------------
for count_file, gone_dir in reversed(steps):
    rel = os.path.relpath(count_file, da.ADMIN)
    err = try_write(count_file, 0)
    tap.ok(not err and not os.path.exists(gone_dir),
           'writing 0 to %s removes its directories' % rel,
           'errno %s' % err)

# the count can go up by more than one, and back
nk = os.path.join(K, 'nr_kdamonds')
tap.ok(not try_write(nk, 3) and da.numbered(K) == ['0', '1', '2'],
       'nr_kdamonds=3 creates 0/ 1/ 2/', repr(da.numbered(K)))
tap.ok(not try_write(nk, 1) and da.numbered(K) == ['0'],
       'nr_kdamonds=1 removes 1/ and 2/ only', repr(da.numbered(K)))
da.reset()
tap.finish()
