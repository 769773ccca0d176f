#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""update_schemes_tried_regions racing with "off" and with a dying target.

A tried-regions update waits for the kdamond to go through its schemes
once.  Here it is asked for over and over by a separate process while
the main one turns the kdamond off after a random delay (10 rounds), and
then while the target process is killed in the middle of a long
aggregation interval.  Every write must return within a bounded time,
whatever it returns, and the kdamond must end up off.
"""

import os
import random
import subprocess
import time

import damon_admin as da

ROUNDS = 10

tap = da.Tap('tried_regions_vs_off: tried-regions updates racing with off')
da.require_admin()
da.reset()
kd = da.Kdamond(0)
state_file = os.path.join(kd.dir, 'state')

# A separate process that keeps writing update_schemes_tried_regions and
# prints one line per write: 0 if it worked, 1 if not.  A shell: it starts
# much faster than Python under an emulator, and echo is built in.
HAMMER = ('while :; do if echo update_schemes_tried_regions > "$1"; '
          'then echo 0; else echo 1; fi; done')


def start_hammer():
    return subprocess.Popen(['sh', '-c', HAMMER, 'hammer', state_file],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)


def stop_hammer(h, timeout=30):
    """Kill it; True if it went away in time (was not stuck)."""
    h.terminate()
    try:
        out, _ = h.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        h.kill()
        return False, []
    return True, [int(x) for x in out.split()]


random.seed(os.getpid())
with da.Workload(hot_kib=1024, cold_kib=8192) as wl:
    kd.setup('vaddr', [{'pid': wl.pid}], sample_us=5000, aggr_us=50000)
    failures = []
    results = {}
    for i in range(ROUNDS):
        err = kd.try_cmd('on')
        if err:
            failures.append('round %d: on failed, errno %d' % (i, err))
            continue
        h = start_hammer()
        time.sleep(random.uniform(0.1, 1.0))
        t0 = time.monotonic()
        err = kd.try_cmd('off')
        took = time.monotonic() - t0
        if err or kd.state() != 'off':
            failures.append('round %d: off errno %s state %s' %
                            (i, err, kd.state()))
        if took > 20:
            failures.append('round %d: off took %.1fs' % (i, took))
        done, errs = stop_hammer(h)
        if not done:
            failures.append('round %d: the tried-regions writer hung' % i)
        for e in errs:
            results[e] = results.get(e, 0) + 1
    tap.ok(not failures, '%d rounds of off racing with tried-regions '
           'updates' % ROUNDS, '\n'.join(failures))
    tap.diag('updates: %d worked, %d failed' % (results.get(0, 0),
                                                 results.get(1, 0)))
    tap.ok(results.get(0, 0) > 0, 'some updates succeeded along the way')
    tap.ok(os.path.isdir(kd.scheme(0, 'tried_regions')) and
           int(da.read(kd.scheme(0, 'tried_regions', 'total_bytes'))) >= 0,
           'tried_regions is readable afterwards')

# The target dies while an update waits for a long aggregation interval.
victim = da.Workload(hot_kib=512, cold_kib=2048)
kd.setup('vaddr', [{'pid': victim.pid}], sample_us=10000, aggr_us=3000000)
err = kd.try_cmd('on')
if tap.ok(not err, 'on with a 3 s aggregation interval', 'errno %s' % err):
    h = start_hammer()
    time.sleep(1)
    victim.stop()
    gone = da.wait_until(lambda: kd.state() == 'off', 30, 0.2)
    tap.ok(gone, 'the kdamond stops after its only target died')
    done, errs = stop_hammer(h)
    tap.ok(done, 'the pending tried-regions update returned')
    tap.diag('last update results (0 worked): %s' % errs[-5:])
kd.try_cmd('off')
tap.eq(kd.state(), 'off', 'state reads off at the end')
da.reset()
tap.finish()
