#!/usr/bin/env node
// hls-poll.mjs — N HLS clients polling a live playlist like hls.js and fetching each new segment
// once, over keep-alive HTTP/1.1 on loopback. Reports playlist and segment response times
// (p50/p99), bytes, the CPU of the server's process(es) (--watch-pid, from /proc/PID/stat) per GB
// served in the window, and the poller's own CPU and event-loop delay (its floor: a response's time
// includes the wait for the poller's loop to get to it).
//
// Each request carries the header fields hls.js's requests carry in Chromium (User-Agent, Origin,
// Referer, sec-ch-ua, ...), since parsing them is part of a server's cost per request.
// The clients are spread over --threads worker threads (default 2), each with its own event loop
// and its own sockets, so the poller does not saturate one loop at 1000 clients. Each client is one
// kept-alive connection with a minimal HTTP/1.1 reader (status line, Content-Length, body counted
// into one reused read buffer; playlists kept), not node:http: the poller's cost per byte is the
// kernel's copy, not a stream per response.
//
// Polling as hls.js does (RFC 8216 §6.3.4): after a playlist with a new segment, reload one target
// duration after that load started; after an unchanged one, half a target duration. The first load
// fetches the newest segment only (a live client starts near the edge); later loads fetch every
// segment not seen yet, in order. Clients start spread over one target duration.
//
// usage: node hls-poll.mjs --url http://127.0.0.1:PORT/live/bench/index.m3u8 --n 1000 --duration 20
//          [--warmup 5] [--threads 2] [--probe-ms 50] [--watch-pid PID[,PID]] [--loop-pid PID]
// --probe-ms: one extra client on the main thread loads only the playlist every that many ms
// (0: none) and reports probePlaylistMs: the server's answer time without the workers' own delay.
// --loop-pid: a Node server started with `--import bench/server-loop-delay.mjs`: it is sent SIGUSR2
// when the window opens and when it closes, and its loop delay, loop busy share and GC pauses in the
// window are reported (serverLoop).
// Bursts: a new segment sends most clients for it within a second. The first request for each
// segment (over all clients) opens a burst; playlist loads (and probe loads) that start within 1 s
// after it are reported apart from the others (playlistMs.inBurst / .quiet), with the bursts' size
// (requests, MB, ms until 90 % of its requests had started).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The other fields hls.js's requests carry in Chromium (a server parses them all on every request).
const BROWSER_FIELDS = [
  'Connection: keep-alive',
  'sec-ch-ua-platform: "Linux"',
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'sec-ch-ua: "Chromium";v="131", "Not_A Brand";v="24"',
  'sec-ch-ua-mobile: ?0',
  'Accept: */*',
  'Origin: http://127.0.0.1',
  'Sec-Fetch-Site: cross-site',
  'Sec-Fetch-Mode: cors',
  'Referer: http://127.0.0.1/',
  'Accept-Encoding: gzip, deflate, br, zstd',
  'Accept-Language: en-US,en;q=0.9',
].map((f) => `${f}\r\n`).join('');

/** One kept-alive connection: GET path → { status, length, body (kept only when asked), ms }. */
class Client {
  constructor(host, port) {
    this.host = host; this.port = port; this.socket = undefined; this.pending = undefined; this.readBuf = Buffer.allocUnsafe(256 * 1024);
  }
  connect() {
    return new Promise((resolve) => {
      const s = net.connect({ host: this.host, port: this.port, noDelay: true, onread: { buffer: this.readBuf, callback: (n, buf) => { this.onBytes(buf, n); return true; } } });
      s.once('connect', () => resolve(true));
      s.on('error', () => { this.fail(); resolve(false); });
      s.on('close', () => { this.fail(); this.socket = undefined; });
      this.socket = s;
    });
  }
  fail() { const p = this.pending; this.pending = undefined; if (p) p.resolve({ status: 0, length: 0, body: undefined, ms: now() - p.t0 }); }
  async get(path, keep) {
    if (this.socket === undefined || this.socket.destroyed) { if (!(await this.connect())) return { status: 0, length: 0, body: undefined, ms: 0 }; }
    return new Promise((resolve) => {
      this.pending = { resolve, keep, t0: now(), head: '', status: 0, length: -1, got: 0, parts: [] };
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n${BROWSER_FIELDS}\r\n`);
    });
  }
  onBytes(buf, n) {
    const p = this.pending;
    if (p === undefined) return;
    let off = 0;
    if (p.length < 0) {
      const seen = Math.min(n, 8192); // a head is small: never turn a whole segment read into a string
      p.head += buf.toString('latin1', 0, seen);
      const end = p.head.indexOf('\r\n\r\n');
      if (end < 0) { if (p.head.length >= 8192) this.socket.destroy(); return; }
      p.status = Number(p.head.slice(9, 12));
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(p.head.slice(0, end));
      p.length = m ? Number(m[1]) : 0;
      const bodyStart = end + 4;
      const inHead = p.head.length - bodyStart; // body bytes that came with the head
      off = seen - inHead;
    }
    const take = Math.min(n - off, p.length - p.got);
    if (take > 0) { if (p.keep) p.parts.push(Buffer.from(buf.subarray(off, off + take))); p.got += take; }
    if (p.got >= p.length) {
      this.pending = undefined;
      p.resolve({ status: p.status, length: p.got, body: p.keep ? Buffer.concat(p.parts) : undefined, ms: now() - p.t0 });
    }
  }
  close() { this.socket?.destroy(); }
}

async function runWorker({ url: u, n, warmupMs, durationMs, startAt }) {
  const url = new URL(u);
  const base = url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1);
  const pl = []; const plT = []; const seg = []; const segFirst = {}; const segBytes = {}; const segStarts = {}; let bytes = 0; let errors = 0; let measuring = false;
  const measureFrom = startAt + warmupMs; const stopAt = measureFrom + durationMs;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  const clock = () => performance.timeOrigin + now(); // shared across threads: wall-clock ms
  async function client() {
    const c = new Client(url.hostname, Number(url.port));
    const seen = new Set();
    let target = 2; let first = true;
    await sleep(Math.random() * target * 1000);
    while (clock() < stopAt) {
      const loadStart = now();
      const plStart = clock();
      const p = await c.get(url.pathname + url.search, true);
      if (measuring) { pl.push(p.ms); plT.push(plStart); bytes += p.length; if (p.status !== 200) errors++; }
      let changed = false;
      if (p.status === 200 && p.body) {
        const text = p.body.toString('latin1');
        const td = /#EXT-X-TARGETDURATION:(\d+)/.exec(text); if (td) target = Number(td[1]);
        const uris = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
        const fresh = (first ? uris.slice(-1) : uris).filter((x) => !seen.has(x));
        first = false;
        for (const x of fresh) {
          seen.add(x); changed = true;
          if (clock() >= stopAt) break;
          const segStart = clock();
          const s = await c.get(x.startsWith('/') ? x : base + x, false);
          if (measuring) {
            seg.push(s.ms); bytes += s.length; if (s.status !== 200) errors++;
            segFirst[x] = Math.min(segFirst[x] ?? Infinity, segStart); segBytes[x] = (segBytes[x] ?? 0) + s.length; (segStarts[x] ??= []).push(segStart);
          }
        }
        if (seen.size > 64) for (const x of [...seen].slice(0, seen.size - 64)) seen.delete(x);
      }
      const wait = (changed ? target * 1000 : (target * 1000) / 2) - (now() - loadStart);
      await sleep(Math.max(0, Math.min(wait, stopAt - clock())));
    }
    c.close();
  }
  const runs = Array.from({ length: n }, () => client());
  await sleep(measureFrom - clock());
  measuring = true; loop.enable();
  await sleep(stopAt - clock());
  measuring = false; loop.disable();
  await Promise.all(runs);
  return { pl, plT, seg, segFirst, segBytes, segStarts, bytes, errors, loopP99: loop.percentile(99) / 1e6, loopMax: loop.max / 1e6 };
}

if (!isMainThread) {
  parentPort.postMessage(await runWorker(workerData));
} else {
  const { values: a } = parseArgs({ options: { url: { type: 'string' }, n: { type: 'string', default: '100' }, duration: { type: 'string', default: '20' }, warmup: { type: 'string', default: '5' }, threads: { type: 'string', default: '2' }, 'probe-ms': { type: 'string', default: '50' }, 'watch-pid': { type: 'string' }, 'loop-pid': { type: 'string' } } });
  const url = new URL(a.url);
  if (!/^127\./.test(url.hostname)) { console.error('loopback only'); process.exit(2); }
  const N = Number(a.n); const threads = Math.max(1, Math.min(N, Number(a.threads)));
  const warmupMs = Number(a.warmup) * 1000; const durationMs = Number(a.duration) * 1000;
  const startAt = performance.timeOrigin + now() + 300; // workers need a moment to start
  const cpu1 = (pid, user) => { try { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + (user ? 0 : Number(f[12]))) / 100; } catch { return 0; } };
  const cpu = (pids, user = false) => pids.split(',').reduce((t, p) => t + cpu1(p, user), 0); // --watch-pid A,B: summed
  const pct = (arr, p) => { if (!arr.length) return null; const s = [...arr].sort((x, y) => x - y); return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] * 10) / 10; };
  const shares = Array.from({ length: threads }, (_, i) => Math.floor(N / threads) + (i < N % threads ? 1 : 0));
  const results = shares.map((n) => new Promise((resolve, reject) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { url: a.url, n, warmupMs, durationMs, startAt } });
    w.once('message', resolve); w.once('error', reject);
  }));
  // The probe: one more client on this thread (idle otherwise), loading the playlist only, every
  // --probe-ms. It reads no segment bodies, so its times are the server's answer plus loopback, not
  // the wait for a worker busy reading the segments of its hundreds of clients.
  const probeMs = Number(a['probe-ms']); const probe = []; const probeT = [];
  // The server's own loop in the window (bench/server-loop-delay.mjs answers SIGUSR2).
  const loopPid = a['loop-pid'] ? Number(a['loop-pid']) : undefined;
  const loopFile = loopPid === undefined ? undefined : path.join(os.tmpdir(), `server-loop-delay-${loopPid}.json`);
  const signalLoop = () => { try { process.kill(loopPid, 'SIGUSR2'); return true; } catch { return false; } };
  let probing = probeMs > 0;
  const probeRun = (async () => {
    if (!probing) return;
    const c = new Client(url.hostname, Number(url.port)); let measure = false;
    setTimeout(() => { measure = true; }, Math.max(0, startAt + warmupMs - (performance.timeOrigin + now()))).unref();
    while (probing) {
      const t = now(); const r = await c.get(url.pathname + url.search, false);
      if (measure && probing) { probe.push(r.status === 200 ? r.ms : Number.NaN); probeT.push(performance.timeOrigin + t); }
      await sleep(Math.max(0, probeMs - (now() - t)));
    }
    c.close();
  })();
  await sleep(startAt + warmupMs - (performance.timeOrigin + now()));
  if (loopFile) { fs.rmSync(loopFile, { force: true }); signalLoop(); }
  const pid = a['watch-pid']; const c0 = pid ? cpu(pid) : null; const u0 = pid ? cpu(pid, true) : null; const self0 = process.cpuUsage(); const t0 = now();
  await sleep(durationMs);
  let serverLoop = null;
  if (loopFile) {
    await sleep(50); fs.rmSync(loopFile, { force: true });
    if (signalLoop()) for (let i = 0; i < 40 && serverLoop === null; i++) { await sleep(25); try { serverLoop = JSON.parse(fs.readFileSync(loopFile, 'utf8')); } catch { /* not written yet */ } }
  }
  const c1 = pid ? cpu(pid) : null; const u1 = pid ? cpu(pid, true) : null; const secs = (now() - t0) / 1000; const self1 = process.cpuUsage(self0);
  probing = false; await probeRun;
  const probeOk = probe.filter((x) => !Number.isNaN(x));
  const parts = await Promise.all(results);
  const pl = parts.flatMap((p) => p.pl); const plT = parts.flatMap((p) => p.plT); const seg = parts.flatMap((p) => p.seg);
  const bytes = parts.reduce((t, p) => t + p.bytes, 0); const errors = parts.reduce((t, p) => t + p.errors, 0);
  const cpuSec = c0 !== null && c1 !== null ? c1 - c0 : null;
  const clientSec = (self1.user + self1.system) / 1e6;
  const rd = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
  // Bursts: each segment's first request opens one; a load starting in the second after it is "in a burst".
  const first = {}; const segBytes = {}; const starts = {};
  for (const p of parts) for (const [x, t] of Object.entries(p.segFirst)) { first[x] = Math.min(first[x] ?? Infinity, t); segBytes[x] = (segBytes[x] ?? 0) + p.segBytes[x]; (starts[x] ??= []).push(...p.segStarts[x]); }
  const burstStarts = Object.values(first).sort((x, y) => x - y);
  const inBurst = (t) => burstStarts.some((b) => t >= b && t < b + 1000);
  const split = (ms, ts) => { const b = []; const q = []; ms.forEach((x, i) => { if (!Number.isNaN(x)) (inBurst(ts[i]) ? b : q).push(x); }); return { inBurst: { n: b.length, p50: pct(b, 50), p99: pct(b, 99), max: pct(b, 100) }, quiet: { n: q.length, p50: pct(q, 50), p99: pct(q, 99), max: pct(q, 100) } }; };
  const med = (xs) => { const s = [...xs].sort((x, y) => x - y); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };
  // Whole bursts only: the first and last segments of the window were cut by its edges.
  const whole = Object.keys(first).sort((x, y) => first[x] - first[y]).slice(1, -1);
  const bursts = whole.map((x) => { const s = starts[x].sort((p, q) => p - q); return { requests: s.length, mb: segBytes[x] / 1e6, spread90Ms: s[Math.max(0, Math.ceil(0.9 * s.length) - 1)] - s[0] }; });
  console.log(JSON.stringify({ url: a.url, n: N, threads, windowSec: Math.round(secs), playlists: pl.length, segments: seg.length, errors,
    playlistMs: { p50: pct(pl, 50), p99: pct(pl, 99), ...split(pl, plT) }, segmentMs: { p50: pct(seg, 50), p99: pct(seg, 99) },
    mbit: Math.round((bytes * 8) / secs / 1e6), clientCpuPct: rd((clientSec / secs) * 100, 1), clientCpuSecPerGB: bytes ? rd(clientSec / (bytes / 1e9)) : null,
    probePlaylistMs: probeMs > 0 ? { n: probe.length, errors: probe.length - probeOk.length, p50: pct(probeOk, 50), p99: pct(probeOk, 99), max: pct(probeOk, 100), ...split(probe, probeT) } : null,
    bursts: { count: bursts.length, requests: med(bursts.map((b) => b.requests)), mb: bursts.length ? rd(med(bursts.map((b) => b.mb)), 1) : null, spread90Ms: bursts.length ? Math.round(med(bursts.map((b) => b.spread90Ms))) : null },
    serverLoop,
    clientLoopDelayMs: { p99: rd(Math.max(...parts.map((p) => p.loopP99)), 1), max: rd(Math.max(...parts.map((p) => p.loopMax)), 1) },
    serverCpuPct: cpuSec === null ? null : rd((cpuSec / secs) * 100, 1),
    serverCpuSecPerGB: cpuSec === null || !bytes ? null : rd(cpuSec / (bytes / 1e9)),
    serverUserSecPerGB: u0 === null || u1 === null || !bytes ? null : rd((u1 - u0) / (bytes / 1e9)) }));
}
