# SPDX-License-Identifier: GPL-2.0
"""Helpers for the selftests of the deprecated DAMON debugfs interface.

Nothing here knows more than the documented files of <debugfs>/damon/.

    DBGFS         the directory, or None when debugfs is not mounted
    require()     skip the program unless the interface is there to use
    reset()       monitoring off, extra contexts gone, default values back
    Swap          zram swap on /dev/zram0, set up and taken down
    smaps_kib()   Rss and Swap of the mapping that holds an address
"""

import errno
import os
import subprocess
import time

import damon_admin as da


def _debugfs_mount():
    with open('/proc/mounts') as f:
        for line in f:
            fields = line.split()
            if len(fields) > 2 and fields[2] == 'debugfs':
                return fields[1]
    return None


_MNT = _debugfs_mount()
DBGFS = os.path.join(_MNT, 'damon') if _MNT else None

CTX_FILES = ['attrs', 'init_regions', 'kdamond_pid', 'schemes', 'target_ids']
ROOT_FILES = ['DEPRECATED', 'mk_contexts', 'monitor_on_DEPRECATED',
              'rm_contexts']
DEFAULT_ATTRS = '5000 100000 60000000 10 1000'
NOTICE = ('DAMON debugfs interface is deprecated, so users should move to '
          'DAMON_SYSFS. If you cannot, please report your usecase to '
          'damon@lists.linux.dev and linux-mm@kvack.org.')
ACTIONS = {'willneed': 0, 'cold': 1, 'pageout': 2, 'hugepage': 3,
           'nohugepage': 4, 'stat': 5}


def p(*parts):
    """A path below <debugfs>/damon/."""
    return os.path.join(DBGFS, *parts)


def read(*parts):
    with open(p(*parts)) as f:
        return f.read()


def write(value, *parts):
    da.write(p(*parts), value)


def try_write(value, *parts):
    return da.try_write(p(*parts), value)


def try_read(*parts):
    """(content, 0) or (None, errno)."""
    try:
        return read(*parts), 0
    except OSError as e:
        return None, e.errno


def monitor_on():
    return read('monitor_on_DEPRECATED').strip()


def contexts():
    """Names of the context directories made with mk_contexts."""
    return sorted(n for n in os.listdir(DBGFS)
                  if os.path.isdir(os.path.join(DBGFS, n)))


def in_use():
    """Whether DAMON is in use here by someone we must not disturb."""
    if os.environ.get('DAMON_VM') == '1' or \
            os.environ.get('DAMON_SELFTEST_FORCE') == '1':
        return False
    return da.in_use() or monitor_on() == 'on'


def require():
    """Skip the whole program unless the debugfs interface is ours."""
    if os.geteuid() != 0:
        da.Tap.skip_all('must run as root')
    if DBGFS is None:
        da.Tap.skip_all('debugfs is not mounted')
    if not os.path.isdir(DBGFS):
        da.Tap.skip_all('%s not found (CONFIG_DAMON_DBGFS_DEPRECATED?)' %
                        DBGFS)
    if in_use():
        da.Tap.skip_all('DAMON is in use; not touching it (set '
                        'DAMON_SELFTEST_FORCE=1 to run anyway)')


def reset():
    """Every kdamond off, the extra contexts gone, default values back."""
    err = try_write('off', 'monitor_on_DEPRECATED')
    if err not in (0, errno.EPERM):
        raise OSError(err, 'cannot turn debugfs monitoring off')
    if os.path.isdir(da.KDAMONDS):
        da.reset()
    for name in contexts():
        write(name, 'rm_contexts')
    write('', 'target_ids')
    write('', 'schemes')
    write(DEFAULT_ATTRS, 'attrs')


def scheme_line(action='stat', sz=(0, da.ULONG_MAX),
                nr_accesses=(0, da.UINT_MAX), age=(0, da.UINT_MAX),
                quota=(0, 0, 0), weights=(0, 0, 0), wmarks=(0, 0, 0, 0, 0)):
    """One line of the schemes file."""
    nums = list(sz) + list(nr_accesses) + list(age) + [ACTIONS[action]] + \
        list(quota) + list(weights) + list(wmarks)
    return ' '.join(str(n) for n in nums)


def scheme_stats(text):
    """The five statistics of each scheme line that reading shows."""
    out = []
    for line in text.splitlines():
        nums = [int(n) for n in line.split()]
        if len(nums) == 23:
            out.append(dict(zip(('nr_tried', 'sz_tried', 'nr_applied',
                                 'sz_applied', 'qt_exceeds'), nums[18:])))
    return out


def kernel_log():
    """The kernel log, as text (reading /dev/kmsg needs no dmesg)."""
    out = subprocess.run(['dmesg'], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    return out.stdout.decode(errors='replace')


def smaps_kib(pid, addr):
    """{'Rss': kib, 'Swap': kib, 'Size': kib} of the mapping holding addr."""
    found = False
    vals = {}
    with open('/proc/%d/smaps' % pid) as f:
        for line in f:
            head = line.split()[0]
            if '-' in head and not head.endswith(':'):
                if found:
                    break
                start, end = (int(x, 16) for x in head.split('-'))
                found = start <= addr < end
                continue
            if found and head.rstrip(':') in ('Rss', 'Swap', 'Size'):
                vals[head.rstrip(':')] = int(line.split()[1])
    return vals


class Swap:
    """zram swap on /dev/zram0; taken down again if we set it up."""

    SYS = '/sys/block/zram0'

    def __init__(self, size='512M'):
        self.ours = False
        if self.active():
            return
        if not os.path.isdir(self.SYS):
            raise OSError(errno.ENOENT, 'no /dev/zram0 (CONFIG_ZRAM?)')
        if int(da.read(os.path.join(self.SYS, 'disksize'))):
            raise OSError(errno.EBUSY, 'zram0 is set up already')
        da.write(os.path.join(self.SYS, 'disksize'), size)
        self.ours = True
        try:
            for cmd in (['mkswap', '/dev/zram0'], ['swapon', '/dev/zram0']):
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        except (OSError, subprocess.CalledProcessError):
            self.remove()
            raise

    @staticmethod
    def active():
        with open('/proc/swaps') as f:
            return any(line.startswith('/dev/zram0') for line in f)

    def remove(self):
        if not self.ours:
            return
        if self.active():
            subprocess.run(['swapoff', '/dev/zram0'],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        for _ in range(10):
            if not da.try_write(os.path.join(self.SYS, 'reset'), 1):
                break
            time.sleep(0.5)
        self.ours = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
