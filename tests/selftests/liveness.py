#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The admin files answer at once, whatever the kdamond's intervals.

A kdamond sampling once an hour, or with a scheme applied every ten
minutes, or asleep for an hour behind its watermarks, must still take off,
commit and statistics updates within a moment; a tried-regions update
waiting for such a scheme ends within its bound, and meanwhile the state
file and off are not kept waiting.
"""

import os
import subprocess
import threading
import time

import damon_admin as da

HOUR_US = 3600 * 1000 * 1000
# generous for an emulated, debug-kernel guest; the work itself is tiny
QUICK = 0.1
# the tried-regions update bound is 10 s of waiting; allow for the guest
WALK_BOUND = 20
# rounds of back-to-back requests; a lost wake-up would hang one for an hour
REPEAT = 25

tap = da.Tap('liveness: off, commit and updates return at once')
da.require_admin()
da.reset()

sleeper = subprocess.Popen(['sleep', '600'])


def timed(fn, *args):
    t0 = time.monotonic()
    ret = fn(*args)
    return ret, time.monotonic() - t0


def setup(sample_us, aggr_us, scheme=None):
    da.reset()
    kd = da.Kdamond(0).setup('vaddr', [{'pid': sleeper.pid}],
                             sample_us=sample_us, aggr_us=aggr_us,
                             update_us=HOUR_US, schemes=[scheme or {}])
    err = kd.try_cmd('on')
    tap.ok(not err, 'on with sample %d us, aggr %d us' % (sample_us, aggr_us),
           'errno %s' % err)
    return kd


# --- hour-long sampling interval ---------------------------------------------
kd = setup(HOUR_US, HOUR_US)
time.sleep(1)
# back to back, many times: a request that comes while the kdamond is on
# its way to sleep (it just served the last one) must not be left for an hour
WORDS = ('commit', 'update_schemes_stats', 'update_schemes_effective_quotas',
         'commit_schemes_quota_goals')
worst = {word: (0, 0.0) for word in WORDS}
for _ in range(REPEAT):
    for word in WORDS:
        err, took = timed(kd.try_cmd, word)
        if err or took >= QUICK:
            tap.diag('%s: errno %s, %.3f s' % (word, err, took))
        worst[word] = (worst[word][0] or err, max(worst[word][1], took))
for word in WORDS:
    err, took = worst[word]
    tap.ok(not err and took < QUICK,
           '%s returns within %d ms with an hour-long sampling interval, '
           '%d times' % (word, QUICK * 1000, REPEAT),
           'errno %s, worst %.3f s' % (err, took))
pid = kd.pid()
err, took = timed(kd.try_cmd, 'off')
tap.ok(not err and took < QUICK,
       'off returns within %d ms with an hour-long sampling interval' %
       (QUICK * 1000), 'errno %s, %.3f s' % (err, took))
tap.ok(da.wait_until(lambda: da.thread_name(pid) is None, 5),
       'the kdamond thread is gone')

# --- a scheme applied every ten minutes: tried regions wait, nothing else ---
kd = setup(5000, 100000, {'apply_interval_us': 600 * 1000 * 1000})
time.sleep(1)
result = {}


def update_tried():
    result['err'], result['took'] = timed(kd.try_cmd,
                                          'update_schemes_tried_regions')


walker = threading.Thread(target=update_tried)
walker.start()
time.sleep(1)
state, took = timed(kd.state)
tap.ok(state == 'on' and took < QUICK,
       'state reads at once while a tried-regions update waits',
       '%s in %.3f s' % (state, took))
err, took = timed(kd.try_cmd, 'update_schemes_stats')
tap.ok(not err and took < QUICK,
       'update_schemes_stats works at once meanwhile',
       'errno %s, %.3f s' % (err, took))
walker.join(WALK_BOUND + 10)
tap.ok(not walker.is_alive() and result.get('took', 1e9) <= WALK_BOUND,
       'the tried-regions update ends within its bound',
       'result %s' % result)
tap.ok(result.get('err') == 0, 'and succeeds, with what it saw',
       'errno %s' % result.get('err'))

# off while an update waits: off is not kept waiting, the update ends
walker = threading.Thread(target=update_tried)
walker.start()
time.sleep(1)
err, took = timed(kd.try_cmd, 'off')
tap.ok(not err and took < QUICK,
       'off returns at once while a tried-regions update waits',
       'errno %s, %.3f s' % (err, took))
walker.join(5)
tap.ok(not walker.is_alive(), 'the waiting update ends with the kdamond',
       'result %s' % result)

# --- asleep behind watermarks for an hour ------------------------------------
kd = setup(5000, 100000)
base = kd.scheme(0, 'watermarks')
da.write(os.path.join(base, 'interval_us'), HOUR_US)
# free memory is always below 1001 permil: deactivated above high
for name, v in (('high', 0), ('mid', 0), ('low', 0)):
    da.write(os.path.join(base, name), v)
da.write(os.path.join(base, 'metric'), 'free_mem_rate')
err, took = timed(kd.try_cmd, 'commit')
tap.ok(not err and took < QUICK, 'commit of hour-long watermarks at once',
       'errno %s, %.3f s' % (err, took))
time.sleep(1)
for word in ('commit', 'update_schemes_stats'):
    err, took = timed(kd.try_cmd, word)
    tap.ok(not err and took < QUICK,
           '%s at once while the kdamond sleeps behind its watermarks' %
           word, 'errno %s, %.3f s' % (err, took))
err, took = timed(kd.try_cmd, 'off')
tap.ok(not err and took < QUICK, 'off at once, too',
       'errno %s, %.3f s' % (err, took))

sleeper.kill()
sleeper.wait()
da.reset()
tap.finish()
