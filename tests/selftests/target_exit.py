#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The monitored process exits while DAMON watches it.

The kdamond must stop by itself: state reads off and pid -1, and "on"
must work again afterwards with a new process.  Meanwhile other threads
keep reading state and pid, and keep asking for the tried regions, and
must never see anything but "on"/"off" and a number, nor "on" again once
"off" was seen.
"""

import errno
import threading
import time

import damon_admin as da

tap = da.Tap('target_exit: the monitored process exits')
da.require_admin()
da.reset()
kd = da.Kdamond(0)

stop = threading.Event()
seen = [[], []]      # per reader: the (state, pid) pairs it read, in order
oddities = []
walk_results = {}


def reader(mine):
    while not stop.is_set():
        try:
            state, pid = kd.state(), kd.pid()
        except (OSError, ValueError) as e:
            oddities.append('read failed: %s' % e)
            continue
        if state not in ('on', 'off'):
            oddities.append('state %r' % state)
        mine.append((state, pid))


def walker():
    while not stop.is_set():
        err = kd.try_cmd('update_schemes_tried_regions')
        walk_results[err] = walk_results.get(err, 0) + 1
        time.sleep(0.05)


wl = da.Workload(hot_kib=512, cold_kib=4096, seconds=4)
kd.setup('vaddr', [{'pid': wl.pid}], sample_us=5000, aggr_us=50000)
err = kd.try_cmd('on')
if not tap.ok(not err, 'turn on monitoring of a process that exits in 4s',
              'errno %s' % err):
    wl.stop()
    tap.finish()
kpid = kd.pid()
threads = [threading.Thread(target=reader, args=(seen[0],), daemon=True),
           threading.Thread(target=reader, args=(seen[1],), daemon=True),
           threading.Thread(target=walker, daemon=True)]
for t in threads:
    t.start()

wl.proc.wait(timeout=60)
exited_at = time.monotonic()
off = da.wait_until(lambda: kd.state() == 'off', 30, 0.1)
tap.ok(off, 'the kdamond stops by itself after the process exits',
       'state still %s after 30s' % kd.state())
tap.diag('state went off %.2fs after the exit' %
         (time.monotonic() - exited_at))
time.sleep(1)
stop.set()
for t in threads:
    t.join(timeout=30)
tap.ok(not any(t.is_alive() for t in threads),
       'the reader and tried-regions threads finished (no hang)')
wl.stop()

tap.eq(kd.state(), 'off', 'state reads off')
tap.eq(kd.pid(), -1, 'pid reads -1')
tap.ok(not oddities, 'readers saw only valid values',
       '\n'.join(oddities[:5]))
flips = []
for i, mine in enumerate(seen):
    states = [s for s, _ in mine]
    first_off = states.index('off') if 'off' in states else len(states)
    if 'on' in states[first_off:]:
        flips.append('reader %d: on again after off (%d reads)' %
                     (i, len(states)))
tap.ok(not flips, 'no reader read "on" after having read "off"',
       '\n'.join(flips))
tap.diag('reads: %s' % [len(mine) for mine in seen])
tap.ok(all(p > 0 for mine in seen for s, p in mine
           if s == 'on' and p != -1),
       'pids read while on are positive')
tap.diag('tried-regions writes: %s' % {
    (errno.errorcode.get(k, k) if k else 'ok'): v
    for k, v in walk_results.items()})

# The thread of a kdamond that stopped by itself may linger, idle, until
# "off" (or a new "on") reaps it.  "off" on it may or may not be refused,
# since it is not running any more, but must leave things off.
lingering = (da.thread_name(kpid) or '').startswith('kdamond')
tap.diag('the kdamond thread %s after stopping by itself' %
         ('lingers' if lingering else 'is gone'))
err = kd.try_cmd('off')
tap.diag('"off" on the kdamond that stopped by itself: errno %s' % err)
tap.eq(kd.state(), 'off', 'still off after an extra "off"')
tap.ok(da.wait_until(lambda: not (da.thread_name(kpid) or '')
                     .startswith('kdamond'), 10),
       'the kdamond thread is gone after "off"')

with da.Workload(hot_kib=512, cold_kib=4096, seconds=600) as wl2:
    da.write(kd.target(0, 'pid_target'), wl2.pid)
    err = kd.try_cmd('on')
    tap.ok(not err and kd.state() == 'on' and kd.pid() > 0,
           '"on" works again with a new process', 'errno %s' % err)
    time.sleep(0.5)
    err = kd.try_cmd('update_schemes_tried_regions')
    tap.ok(not err, 'update_schemes_tried_regions works on the new run',
           'errno %s' % err)
    tap.ok(not kd.try_cmd('off') and kd.state() == 'off', 'turn it off')
da.reset()
tap.finish()
