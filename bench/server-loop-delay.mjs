// server-loop-delay.mjs — loaded into a Node server under test (`node --import
// bench/server-loop-delay.mjs main.mjs`) so a bench sees what the server's own event loop did in its
// window: the loop delay histogram (perf_hooks.monitorEventLoopDelay, 10 ms resolution: Node's
// default, one timer wake-up every 10 ms; reported as the time past that interval), the share of time the loop was busy (event-loop
// utilisation) and the GC pauses. SIGUSR2 writes what was seen since the previous SIGUSR2 to
// $TMPDIR/server-loop-delay-PID.json and starts again, so a load client signals once when its window
// opens and once when it closes (bench/hls-poll.mjs --loop-pid). Nothing in the server reads it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

const RESOLUTION_MS = 10;
const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();
let elu = performance.eventLoopUtilization();
let since = performance.now();
let gc = { count: 0, ms: 0, maxMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++;
    gc.ms += e.duration;
    gc.maxMs = Math.max(gc.maxMs, e.duration);
    gcs.push({ start: e.startTime, ms: e.duration });
  }
}).observe({ entryTypes: ['gc'] });

// Long stalls, and what the main thread did in them: a 10 ms interval timer reads the thread's
// scheduler figures (/proc/self/schedstat: ns on a CPU, ns waiting on a run queue) at each tick,
// so a tick that comes more than STALL_MS late says whether the loop was running code (on CPU,
// GC included) or waiting for a core. 3.7 µs a read, 100 reads a second.
const STALL_MS = 20;
const schedFd = (() => { try { return fs.openSync('/proc/self/schedstat', 'r'); } catch { return undefined; } })();
const schedBuf = Buffer.alloc(128);
const sched = () => {
  if (schedFd === undefined) return [0, 0];
  const n = fs.readSync(schedFd, schedBuf, 0, 128, 0);
  const [run, wait] = schedBuf.toString('latin1', 0, n).split(' ');
  return [Number(run) / 1e6, Number(wait) / 1e6];
};
let stalls = [];
let gcs = [];
let tick = { at: performance.now(), sched: sched() };
const windowStart = { sched: tick.sched };
setInterval(() => {
  const at = performance.now();
  const now = sched();
  const gap = at - tick.at;
  if (gap > RESOLUTION_MS + STALL_MS) stalls.push({ start: tick.at, gapMs: gap, runMs: now[0] - tick.sched[0], waitMs: now[1] - tick.sched[1] });
  tick = { at, sched: now };
}, RESOLUTION_MS).unref();
const rd = (x) => Math.round(x * 10) / 10;
// The histogram holds the time between the timer's wake-ups; the delay is what exceeds the interval.
const late = (ns) => rd(Math.max(0, ns / 1e6 - RESOLUTION_MS));
process.on('SIGUSR2', () => {
  const now = performance.now();
  const busy = performance.eventLoopUtilization(elu);
  const nowSched = sched();
  const report = {
    pid: process.pid,
    windowMs: Math.round(now - since),
    loopDelayMs: { p50: late(histogram.percentile(50)), p99: late(histogram.percentile(99)), max: late(histogram.max) },
    loopBusyPct: rd(busy.utilization * 100),
    gc: { count: gc.count, ms: rd(gc.ms), maxMs: rd(gc.maxMs) },
    // The main thread over the window: ms on a CPU and ms runnable but waiting for one.
    mainThread: { runMs: rd(nowSched[0] - windowStart.sched[0]), waitMs: rd(nowSched[1] - windowStart.sched[1]) },
    stalls: stallReport(),
  };
  fs.writeFileSync(path.join(os.tmpdir(), `server-loop-delay-${process.pid}.json`), `${JSON.stringify(report)}\n`);
  histogram.reset();
  elu = performance.eventLoopUtilization();
  since = now;
  gc = { count: 0, ms: 0, maxMs: 0 };
  gcs = [];
  stalls = [];
  windowStart.sched = nowSched;
});

/** Ticks more than STALL_MS late in the window: their time split into on-CPU, run-queue wait and GC (overlap). */
function stallReport() {
  const overlapGc = (st) => gcs.reduce((t, g) => t + Math.max(0, Math.min(st.start + st.gapMs, g.start + g.ms) - Math.max(st.start, g.start)), 0);
  const rows = stalls.map((st) => ({ gapMs: rd(st.gapMs - RESOLUTION_MS), runMs: rd(st.runMs), waitMs: rd(st.waitMs), gcMs: rd(overlapGc(st)) }));
  const sum = (k) => rd(rows.reduce((t, r) => t + r[k], 0));
  return { count: rows.length, lateMs: sum('gapMs'), runMs: sum('runMs'), waitMs: sum('waitMs'), gcMs: sum('gcMs'), worst: rows.sort((x, y) => y.gapMs - x.gapMs).slice(0, 3) };
}
