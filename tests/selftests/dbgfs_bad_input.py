#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Garbage into every file of the debugfs interface, and writes it refuses.

Every malformed write must fail with EINVAL and leave every file as it
was: missing, extra, non-decimal and overflowing numbers, ranges upside
down, unknown actions and metrics, inputs over the size limit, a second
write() on the same open file, writes to kdamond_pid (DEPRECATED cannot
even be opened for writing: EACCES).  While the contexts run, every
write to their files fails with EBUSY (and garbage still with EINVAL),
and so do mk_contexts, rm_contexts and "on".  The debugfs and sysfs
contexts never run at once.  Contexts made with
mk_contexts start and stop with the root's.  The deprecation warning is
logged once.
"""

import errno
import os
import subprocess

import damon_admin as da
import damon_dbgfs as dd

tap = da.Tap('dbgfs_bad_input: garbage into every debugfs file')
dd.require()
dd.reset()

EINVAL, EBUSY = errno.EINVAL, errno.EBUSY


def raw_write(path, data):
    """One write() of bytes @data; 0 or the errno."""
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, data)
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)
    return 0


def snapshot(ctx=''):
    return {f: dd.try_read(ctx, f) for f in dd.CTX_FILES} | \
        {'monitor_on': dd.monitor_on(), 'contexts': dd.contexts()}


def refused(path, values, wanted, what, ctx=''):
    """Write each of @values to @path; each must fail with @wanted and
    change nothing."""
    before = snapshot(ctx)
    bad = []
    for v in values:
        data = v if isinstance(v, bytes) else str(v).encode()
        err = raw_write(dd.p(path), data)
        if err != wanted:
            bad.append('%r: %s' % (data[:60], errno.errorcode.get(err, err)))
    after = snapshot(ctx)
    tap.ok(not bad, '%s: %d inputs fail with %s' %
           (what, len(values), errno.errorcode[wanted]), '\n'.join(bad))
    tap.ok(after == before, '%s: nothing changed' % what,
           'before %r\nafter  %r' % (before, after))


sleeper = subprocess.Popen(['sleep', '3600'])
try:
    log = dd.kernel_log()
    # some tests clear the log; then the boot messages are gone too
    log_whole = 'Linux version' in log
    lines = [log.count('damon-dbgfs: ' + dd.NOTICE)]

    # known values in every file
    dd.write('10000 200000 2000000 11 111', 'attrs')
    dd.write(sleeper.pid, 'target_ids')
    dd.write('0 4096 8192\n0 8192 16384', 'init_regions')
    good_scheme = dd.scheme_line('stat', sz=(4096, 8192), nr_accesses=(1, 2),
                                 age=(3, 4), quota=(10, 1 << 30, 1000),
                                 weights=(1, 2, 3),
                                 wmarks=(1, 5000000, 600, 500, 300))
    dd.write(good_scheme, 'schemes')
    tap.eq(dd.read('schemes'), good_scheme + ' 0 0 0 0 0\n',
           'schemes reads back as written, with five statistics')

    huge = b' ' * (256 * 1024) + b'1'
    refused('attrs', [
        '', '\n', '1 2 3 4', '1 2 3 4 5 6', '1 2 3 4 x', 'x', 'on',
        '-1 2 3 4 5', '1.5 2 3 4 5', '0x10 2 3 4 5', '1,2,3,4,5',
        '18446744073709551616 2 3 4 5', '1 2 3 4 99999999999999999999999',
        '1 2 3 5 4',		# min_nr_regions > max_nr_regions
        '1 2 3 2 5',		# fewer than three regions
        '0 2 3 4 5',		# no sampling interval
        '2 1 3 4 5',		# aggregation shorter than sampling
        b'\x00 1 2 3 4 5', b'\xff\xfe\xfd', huge], EINVAL, 'attrs')

    refused('target_ids', [
        da.free_pid(), '%d %d' % (sleeper.pid, da.free_pid()), '0', '-1',
        '2147483648', '99999999999999999999', ' '.join(['1'] * 33),
        huge], EINVAL, 'target_ids')

    refused('init_regions', [
        '0 10', '0 10 20 0', '0 20 10', '0 10 10', '1 10 20',
        '0 10 20 0 15 30', '0 30 40 0 10 20', 'x', '0 10 0x20', '0 10 20x',
        '-1 10 20', '32 10 20', '0 10 18446744073709551616', huge],
        EINVAL, 'init_regions')

    one = '1 2 3 4 5 6 5 0 0 0 1 2 3 0 100 3 2 1'
    refused('schemes', [
        'x', one.rsplit(' ', 1)[0], one + ' 0', one + ' x', one + 'x',
        one + ' ' + one, one.replace(' 5 0 0 0', ' 6 0 0 0', 1),
        one.replace(' 0 100 ', ' 2 100 ', 1),
        '2 1' + one[3:], '1 2 4 3' + one[7:], '1 2 3 4 6 5' + one[11:],
        one.replace('100 3 2 1', '100 2 3 1'),
        one.replace('100 3 2 1', '100 3 1 2'),
        '1 2 3 4294967296' + one[7:], '1 18446744073709551616' + one[3:],
        '1 2\n3 4 5 6 3 0 0 0 1 2 3 1 100 3 2 1', one + '\ngarbage',
        huge], EINVAL, 'schemes')

    refused('monitor_on_DEPRECATED', [
        '', 'x', 'onn', 'on off', 'ON', '1', huge], EINVAL, 'monitor_on')
    refused('mk_contexts', [
        '', '\n', 'a/b', '.', '..', 'a b', 'x' * 256, huge], EINVAL,
        'mk_contexts')
    refused('rm_contexts', ['', 'a b', 'attrs', 'DEPRECATED', huge], EINVAL,
            'rm_contexts')
    refused('rm_contexts', ['nosuchcontext'], errno.ENOENT,
            'rm_contexts of an unknown name')
    refused('mk_contexts', ['attrs', 'monitor_on_DEPRECATED'], errno.EEXIST,
            'mk_contexts of a file\'s name')
    refused('kdamond_pid', ['1', ''], EINVAL, 'kdamond_pid (read-only)')
    try:
        err = raw_write(dd.p('DEPRECATED'), b'1')
    except OSError as e:
        err = e.errno
    tap.errno_is(err, errno.EACCES,
                 'opening DEPRECATED (read-only) for writing')
    refused('monitor_on_DEPRECATED', ['off'], errno.EPERM, '"off" while off')

    # one input, one write(): a second write on the open file is refused
    before = snapshot()
    fd = os.open(dd.p('attrs'), os.O_WRONLY)
    try:
        os.write(fd, b'10000 200000 2000000 11 111')
        try:
            os.write(fd, b'1 2 3 4 5')
            err = 0
        except OSError as e:
            err = e.errno
    finally:
        os.close(fd)
    tap.errno_is(err, EINVAL, 'a second write() on one open file')
    tap.eq(snapshot(), before, 'the second write() changed nothing')

    # not garbage: target_ids ends at the first word that is no number
    dd.write('%d abc 1' % sleeper.pid, 'target_ids')
    tap.eq(dd.read('target_ids'), '%d\n' % sleeper.pid,
           'target_ids takes the ids before a word that is no number')
    tap.eq(dd.read('init_regions'), '',
           'setting the targets drops the initial regions')
    dd.write('abc %d' % sleeper.pid, 'target_ids')
    tap.eq(dd.read('target_ids'), '\n', '"abc ..." sets no target')
    refused('monitor_on_DEPRECATED', ['on'], EINVAL, '"on" with no target')

    # busy while on
    dd.write(sleeper.pid, 'target_ids')
    dd.write('0 4096 8192', 'init_regions')
    err = dd.try_write('on', 'monitor_on_DEPRECATED')
    tap.ok(not err, 'turn on', 'errno %s' % err)
    tap.eq(dd.monitor_on(), 'on', 'monitor_on_DEPRECATED reads on')
    refused('attrs', ['5000 100000 1000000 10 1000'], EBUSY, 'attrs while on')
    refused('target_ids', [sleeper.pid, '', 'paddr'], EBUSY,
            'target_ids while on')
    refused('init_regions', ['0 4096 8192', ''], EBUSY,
            'init_regions while on')
    refused('schemes', ['', good_scheme], EBUSY, 'schemes while on')
    refused('attrs', ['1 2 3'], EINVAL, 'garbage into attrs while on')
    refused('schemes', ['x'], EINVAL, 'garbage into schemes while on')
    refused('monitor_on_DEPRECATED', ['on'], EBUSY, '"on" while on')
    refused('mk_contexts', ['foo'], EBUSY, 'mk_contexts while on')
    refused('rm_contexts', ['foo'], EBUSY, 'rm_contexts while on')
    tap.errno_is(dd.try_read('init_regions')[1], EBUSY,
                 'reading init_regions while on')

    # debugfs and sysfs never run at once
    kd = da.Kdamond(0).setup('vaddr', [{'pid': sleeper.pid}])
    tap.errno_is(kd.try_cmd('on'), EBUSY, 'a sysfs kdamond while debugfs runs')
    tap.ok(not dd.try_write('off', 'monitor_on_DEPRECATED') and
           dd.monitor_on() == 'off', 'turn off')
    tap.errno_is(kd.try_cmd('on'), 0, 'the sysfs kdamond once debugfs is off')
    tap.eq(dd.monitor_on(), 'on',
           'monitor_on_DEPRECATED reads on while a sysfs kdamond runs')
    dd.write(sleeper.pid, 'target_ids')
    refused('monitor_on_DEPRECATED', ['on'], EBUSY,
            'debugfs "on" while a sysfs kdamond runs')
    refused('mk_contexts', ['foo'], EBUSY,
            'mk_contexts while a sysfs kdamond runs')
    tap.errno_is(kd.try_cmd('off'), 0, 'sysfs kdamond off')
    da.reset()

    # more contexts
    tap.errno_is(dd.try_write('foo', 'mk_contexts'), 0, 'mk_contexts foo')
    tap.eq(sorted(os.listdir(dd.p('foo'))), dd.CTX_FILES,
           'foo has the five files of a context')
    refused('mk_contexts', ['foo', ' foo\n'], errno.EEXIST,
            'mk_contexts foo again')
    tap.eq(dd.read('foo', 'attrs'), dd.DEFAULT_ATTRS + '\n',
           'a new context has the default attributes')
    refused('monitor_on_DEPRECATED', ['on'], EINVAL,
            '"on" while foo has no target')
    refused('foo/attrs', ['1 2 3 4'], EINVAL, 'garbage into foo/attrs', 'foo')
    dd.write('paddr', 'foo', 'target_ids')
    tap.eq(dd.read('foo', 'target_ids'), '42\n', 'foo monitors paddr')
    ram = da.biggest_system_ram()
    dd.write('0 %d %d' % (ram[0], ram[1]), 'foo', 'init_regions')
    err = dd.try_write('on', 'monitor_on_DEPRECATED')
    tap.ok(not err, 'turn on both contexts', 'errno %s' % err)
    pids = [dd.read('kdamond_pid').strip(), dd.read('foo', 'kdamond_pid').strip()]
    tap.ok(all(p.isdigit() for p in pids) and pids[0] != pids[1],
           'two kdamonds', str(pids))
    refused('foo/target_ids', ['paddr'], EBUSY, 'foo/target_ids while on',
            'foo')
    tap.ok(not dd.try_write('off', 'monitor_on_DEPRECATED') and
           dd.read('foo', 'kdamond_pid') == 'none\n', 'both off')
    tap.eq(dd.read('foo', 'target_ids'), '42\n',
           'the paddr target stays after off')
    tap.errno_is(dd.try_write('foo', 'rm_contexts'), 0, 'rm_contexts foo')
    tap.ok(not os.path.exists(dd.p('foo')), 'foo is gone')
    refused('rm_contexts', ['foo'], errno.ENOENT, 'rm_contexts foo again')

    log = dd.kernel_log()
    log_whole = log_whole and 'Linux version' in log
    lines.append(log.count('damon-dbgfs: ' + dd.NOTICE))
    tap.ok(lines[1] == 1 or (not log_whole and lines[1] == 0),
           'the deprecation warning is in the kernel log once',
           'before this test %d, after %d; whole log: %s' %
           (lines[0], lines[1], log_whole))
finally:
    sleeper.kill()
    sleeper.wait()
    dd.reset()
tap.finish()
