#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The adaptive regions find area boundaries and follow a moving hot area.

moving_hot maps equal areas in one mapping.  Phase one keeps the
even-numbered areas busy: within a time limit, the damon:damon_aggregated
tracepoint must show every area told apart from its neighbours (busy areas
in regions with accesses, idle ones in regions without).  Phase two keeps
one area busy and moves it now and then: each time, the regions must show
the new area busy and the old one idle again within a few aggregation
intervals (upstream DAMON needs three to five under TCG).  Times are
counted in aggregation intervals of the trace, so a slow emulator does not
change the verdict.
"""

import hashlib
import os
import statistics
import subprocess
import time

import damon_admin as da

SAMPLE_US = 5000
AGGR_US = 100000
MAX_NR = AGGR_US // SAMPLE_US
NR_AREAS = 8
AREA_KIB = 8192
# a move must be followed within this many aggregation intervals (median)
MOVE_LIMIT = 10
MOVES = 5

tap = da.Tap('region_adaptation: area boundaries and a moving hot area')
da.require_admin()
da.reset()


def program(name):
    """Path of the workload @name, prebuilt on the host or compiled now."""
    src = os.path.join(da.HERE, name + '.c')
    with open(src, 'rb') as f:
        digest = hashlib.sha1(f.read()).hexdigest()
    cache = os.environ.get('DAMON_CACHE',
                           os.path.expanduser('~/.cache/damon-6.12'))
    pre = os.path.join(cache, 'selftests', name)
    try:
        with open(pre + '.c', 'rb') as f:
            if hashlib.sha1(f.read()).hexdigest() == digest and \
                    os.access(pre, os.X_OK):
                return pre
    except OSError:
        pass
    out = os.path.join(os.environ.get('TMPDIR', '/tmp'), 'damon-selftests',
                       name)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    subprocess.run(['gcc', '-O1', '-Wall', '-o', out, src], check=True)
    return out


class MovingHot:
    def __init__(self, even):
        cmd = [program('moving_hot'), '-n', str(NR_AREAS), '-s',
               str(AREA_KIB), '-t', '600'] + (['-e'] if even else [])
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, text=True)
        self.areas = []
        for line in self.proc.stdout:
            words = line.split()
            if words[0] == 'area':
                self.areas.append((int(words[2], 16), int(words[3], 16)))
            elif words[0] == 'ready':
                break

    def move(self):
        """Move the busy area on; returns its index once the move is done."""
        self.proc.send_signal(10)       # SIGUSR1
        for line in self.proc.stdout:
            words = line.split()
            if words[0] == 'hot':
                return int(words[1])
        return None

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def snapshots(lines):
    """Split trace lines into aggregations: [(first ts, regions)], and
    return them with the markers: [(ts, text)]."""
    snaps, markers, cur, last_start = [], [], None, None
    for ts, event, text in lines:
        if event == 'tracing_mark_write':
            markers.append((ts, text.strip()))
            continue
        m = da.AGGREGATED.match(text)
        if event != 'damon_aggregated' or not m:
            continue
        start, end = int(m.group(3)), int(m.group(4))
        nr, age = int(m.group(5)), int(m.group(6))
        if cur is None or start <= last_start:
            cur = (ts, [])
            snaps.append(cur)
        cur[1].append((start, end, nr, age))
        last_start = start
    return snaps, markers


def busy_share(regions, area, busy):
    """Share of @area in regions that look busy (or idle, if not @busy)."""
    sz = area[1] - area[0]
    got = sum(da.overlap((s, e), area) for s, e, nr, _ in regions
              if (nr * 4 >= MAX_NR) == busy)
    return got / sz


def areas_apart(regions, areas, busy_of):
    return all(busy_share(regions, a, busy_of(i)) >= 0.8
               for i, a in enumerate(areas))


def start_damon(pid):
    kd = da.Kdamond(0).setup('vaddr', [{'pid': pid}], sample_us=SAMPLE_US,
                             aggr_us=AGGR_US, update_us=1000000,
                             nr_regions=(10, 1000))
    return kd, kd.try_cmd('on')


# --- phase one: even areas busy ----------------------------------------------
wl = MovingHot(even=True)
tap.ok(len(wl.areas) == NR_AREAS, 'moving_hot -e maps %d areas' % NR_AREAS)
with da.TraceInstance('damon_region_adaptation', ['damon_aggregated']) as tr:
    tr.enable()
    kd, err = start_damon(wl.proc.pid)
    tap.ok(not err, 'vaddr monitoring of moving_hot -e is on',
           'errno %s' % err)
    deadline = time.monotonic() + 90
    apart_at = None
    while time.monotonic() < deadline and apart_at is None:
        time.sleep(2)
        snaps, _ = snapshots(tr.lines())
        for i, (_, regions) in enumerate(snaps):
            if areas_apart(regions, wl.areas, lambda a: a % 2 == 0):
                apart_at = i
                break
    kd.try_cmd('off')
    tr.enable(False)
    snaps, _ = snapshots(tr.lines())
wl.stop()
if snaps:
    for line in da.region_table(snaps[-1][1], [('area%d' % i, a) for i, a in
                                               enumerate(wl.areas)]):
        tap.diag(line)
tap.ok(apart_at is not None,
       'every area is told apart from its neighbours (busy areas busy, '
       'idle ones idle, 80% each)',
       '%d aggregations traced, none separates them' % len(snaps))
if apart_at is not None:
    tap.diag('separated after %d aggregation intervals' % (apart_at + 1))

# --- phase two: one busy area that moves -------------------------------------
da.reset()
wl = MovingHot(even=False)
latencies = []
with da.TraceInstance('damon_region_adaptation', ['damon_aggregated']) as tr:
    marker = os.path.join(tr.dir, 'trace_marker')
    tr.enable()
    kd, err = start_damon(wl.proc.pid)
    tap.ok(not err, 'vaddr monitoring of moving_hot is on', 'errno %s' % err)
    time.sleep(5)
    for _ in range(MOVES):
        hot = wl.move()
        da.write(marker, 'moved %d' % hot)
        time.sleep(4)
    kd.try_cmd('off')
    tr.enable(False)
    snaps, markers = snapshots(tr.lines())
wl.stop()

for ts, text in markers:
    hot = int(text.split()[1])
    old = (hot - 1) % NR_AREAS
    after = [r for t, r in snaps if t > ts]
    found = None
    for i, regions in enumerate(after):
        if busy_share(regions, wl.areas[hot], True) >= 0.8 and \
                busy_share(regions, wl.areas[old], False) >= 0.8:
            found = i + 1
            break
    tap.diag('move to area %d: found after %s of %d traced aggregations' %
             (hot, found, len(after)))
    latencies.append(found if found is not None else 10 ** 6)
tap.eq(len(latencies), MOVES, 'every move was marked in the trace')
median = statistics.median(latencies) if latencies else None
tap.ok(median is not None and median <= MOVE_LIMIT,
       'a moved hot area is found within %d aggregation intervals '
       '(median)' % MOVE_LIMIT, 'median %s of %s' % (median, latencies))
da.reset()
tap.finish()
