#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turning a kdamond on and off many times in a row.

30 rounds with vaddr on a sleeping process, then 10 with paddr on the
biggest System RAM range.  Every "on" must give a running kdamond thread,
every "off" must stop it (state off, pid -1, thread gone).
"""

import subprocess
import time

import damon_admin as da

VADDR_ROUNDS = 30
PADDR_ROUNDS = 10

tap = da.Tap('onoff_loop: repeated on/off')
da.require_admin()
da.reset()
kd = da.Kdamond(0)


def rounds(label, n):
    failures = []
    pids = set()
    for i in range(n):
        err = kd.try_cmd('on')
        state, pid = kd.state(), kd.pid()
        if err or state != 'on' or pid <= 0:
            failures.append('round %d on: errno %s state %s pid %d' %
                            (i, err, state, pid))
        else:
            pids.add(pid)
        if i % 3 == 0:
            time.sleep(0.05)     # let it sample a little, sometimes
        err = kd.try_cmd('off')
        state, after = kd.state(), kd.pid()
        if err or state != 'off' or after != -1:
            failures.append('round %d off: errno %s state %s pid %d' %
                            (i, err, state, after))
        if pid > 0 and (da.thread_name(pid) or '').startswith('kdamond'):
            # kthread_stop() returned: the thread must not linger
            if da.wait_until(lambda: not (da.thread_name(pid) or '')
                             .startswith('kdamond'), 5) is False:
                failures.append('round %d: kdamond %d still there' %
                                (i, pid))
    tap.ok(not failures, '%d %s on/off rounds' % (n, label),
           '\n'.join(failures[:10]))
    tap.diag('%s: %d distinct kdamond pids' % (label, len(pids)))


sleeper = subprocess.Popen(['sleep', '600'])
kd.setup('vaddr', [{'pid': sleeper.pid}], sample_us=5000, aggr_us=50000)
start = time.monotonic()
rounds('vaddr', VADDR_ROUNDS)
tap.diag('vaddr rounds took %.1fs' % (time.monotonic() - start))

ram = da.biggest_system_ram()
if ram and 'paddr' in da.read(kd.p('avail_operations')).split():
    kd.setup('paddr', [{'regions': [ram]}], sample_us=5000, aggr_us=50000,
             nr_regions=(10, 100))
    start = time.monotonic()
    rounds('paddr', PADDR_ROUNDS)
    tap.diag('paddr rounds took %.1fs' % (time.monotonic() - start))

tap.ok(sleeper.poll() is None, 'the monitored process is unharmed')
sleeper.kill()
sleeper.wait()
da.reset()
tap.finish()
