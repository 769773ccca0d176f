#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The examples of the product guide's debugfs section, typed as written.

Each example of the "debugfs 接口(已弃用!)" part runs as the shell commands
the guide shows (the "# " prompt dropped, <debugfs> replaced by where
debugfs is mounted), in one bash each, and what it prints must be what the
guide shows.  The guide's example processes 42 and 4242 must exist for its
target_ids example: a process that does not exist fails the write.  A
sleeping child is made with each of those pids (clone3() with set_tid)
unless something already has it.

What the guide leaves implicit is done between examples and said so: the
init_regions example starts from the targets 42 and 4242, and the
kdamond_pid example needs targets again, because stopping the monitoring
(the example before it) drops the targets of processes, as the interface
always did.
"""

import ctypes
import errno
import os
import signal
import subprocess

import damon_admin as da
import damon_dbgfs as dd

tap = da.Tap('dbgfs_guide_example: the guide\'s debugfs examples, as written')
dd.require()
dd.reset()

SYS_CLONE3 = 435


class CloneArgs(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in (
        'flags', 'pidfd', 'child_tid', 'parent_tid', 'exit_signal', 'stack',
        'stack_size', 'tls', 'set_tid', 'set_tid_size', 'cgroup')]


def spawn_with_pid(pid):
    """A sleeping child process whose pid is @pid, or None."""
    libc = ctypes.CDLL(None, use_errno=True)
    tid = (ctypes.c_int * 1)(pid)
    args = CloneArgs(exit_signal=signal.SIGCHLD,
                     set_tid=ctypes.addressof(tid), set_tid_size=1)
    ret = libc.syscall(SYS_CLONE3, ctypes.byref(args), ctypes.sizeof(args))
    if ret == 0:
        # the child: a copy of this single-threaded program
        try:
            os.execv('/bin/sleep', ['sleep', '3600'])
        finally:
            os._exit(1)
    if ret < 0:
        tap.diag('clone3(set_tid=%d): %s' %
                 (pid, os.strerror(ctypes.get_errno())))
        return None
    return ret


children = []


def ensure_process(pid):
    if os.path.exists('/proc/%d' % pid):
        tap.diag('pid %d is there already: %s' % (pid, da.thread_name(pid)))
        return True
    child = spawn_with_pid(pid)
    if child is not None:
        children.append(child)
    return child == pid


def bash(text):
    """Run @text as bash commands; (status, stdout, stderr)."""
    text = text.replace('<debugfs>', dd._MNT)
    out = subprocess.run(['bash', '-c', text], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         env=dict(os.environ, LC_ALL='C'))
    return out.returncode, out.stdout.decode(), out.stderr.decode()


def example(title, text, want_out, want_err='', want_rc=0):
    """Run a guide example; its output must be @want_out, exactly.

    With @want_out None, only the status and stderr are checked.
    """
    rc, out, err = bash(text)
    tap.ok(rc == want_rc and out == (out if want_out is None else want_out)
           and err == want_err, 'guide example: %s' % title,
           'status %d (want %d)\nstdout %r (want %r)\nstderr %r (want %r)' %
           (rc, want_rc, out, want_out, err, want_err))
    return out


try:
    tap.ok(ensure_process(42) and ensure_process(4242),
           'processes 42 and 4242 exist, as the guide supposes')
    for pid in (42, 4242):
        tap.diag('pid %d: %s' % (pid, da.thread_name(pid)))

    # The notice: its e-mail addresses are what the kernel prints (the
    # guide's web page shows them hidden).
    example('DEPRECATED', '''
cd <debugfs>/damon
cat DEPRECATED
''', dd.NOTICE + '\n')

    example('attrs', '''
cd <debugfs>/damon
echo 5000 100000 1000000 10 1000 > attrs
cat attrs
''', '5000 100000 1000000 10 1000\n')

    example('target_ids', '''
cd <debugfs>/damon
echo 42 4242 > target_ids
cat target_ids
''', '42 4242\n')

    example('target_ids, paddr', '''
cd <debugfs>/damon
echo paddr > target_ids
cat target_ids
''', '42\n')

    tap.diag('setup: the targets 42 and 4242 again')
    dd.write('42 4242', 'target_ids')
    example('init_regions', '''
cd <debugfs>/damon
cat target_ids
echo "0   1       100 \\
        0   100     200 \\
        1   20      40  \\
        1   50      100" > init_regions
''', '42 4242\n')
    tap.eq(dd.read('init_regions'), '0 1 100\n0 100 200\n1 20 40\n1 50 100\n',
           'init_regions reads back the four regions, by target')

    example('schemes', '''
cd <debugfs>/damon
scheme="4096 8192  0 5    10 20    2"  # target access pattern and action
scheme+=" 10 $((1024*1024*1024)) 1000" # quotas
scheme+=" 0 0 100"                     # prioritization weights
scheme+=" 1 5000000 600 500 300"       # watermarks
echo "$scheme" > schemes
''', '')
    tap.eq(dd.read('schemes'),
           '4096 8192 0 5 10 20 2 10 1073741824 1000 0 0 100 '
           '1 5000000 600 500 300 0 0 0 0 0\n',
           'schemes reads back the scheme, with five zero statistics')

    example('monitor_on_DEPRECATED', '''
cd <debugfs>/damon
echo on > monitor_on_DEPRECATED
echo off > monitor_on_DEPRECATED
cat monitor_on_DEPRECATED
''', 'off\n')
    tap.eq(dd.read('target_ids'), '\n',
           'once stopped, the process targets are gone, as they always were')

    tap.diag('setup: the targets 42 and 4242 again')
    dd.write('42 4242', 'target_ids')
    out = example('kdamond_pid', '''
cd <debugfs>/damon
cat monitor_on_DEPRECATED
cat kdamond_pid
echo on > monitor_on_DEPRECATED
cat kdamond_pid
''', None)
    lines = out.splitlines()
    kpid = int(lines[2]) if len(lines) == 3 and lines[2].isdigit() else -1
    tap.ok(lines[:2] == ['off', 'none'] and kpid > 0 and
           (da.thread_name(kpid) or '').startswith('kdamond'),
           'kdamond_pid: off, none, then the pid of a kdamond',
           'output %r, thread %s' % (out, da.thread_name(kpid)))
    tap.eq(dd.monitor_on(), 'on', 'monitor_on_DEPRECATED reads on')
    tap.ok(not dd.try_write('off', 'monitor_on_DEPRECATED') and
           dd.read('kdamond_pid') == 'none\n', 'off again: kdamond_pid none')

    example('mk_contexts', '''
cd <debugfs>/damon
ls foo
''', '', "ls: cannot access 'foo': No such file or directory\n", 2)
    example('mk_contexts, continued', '''
cd <debugfs>/damon
echo foo > mk_contexts
ls foo
''', 'attrs\ninit_regions\nkdamond_pid\nschemes\ntarget_ids\n')
    example('rm_contexts', '''
cd <debugfs>/damon
echo foo > rm_contexts
ls foo
''', '', "ls: cannot access 'foo': No such file or directory\n", 2)
finally:
    for child in children:
        try:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        except OSError as e:
            if e.errno != errno.ESRCH:
                raise
    dd.reset()
tap.finish()
