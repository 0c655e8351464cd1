#!/usr/bin/env node
// hls-poll.mjs — N HLS clients polling a live playlist and fetching each new segment once, as
// hls.js does (playlist every target duration / 2, segments as they appear), over keep-alive HTTP
// on loopback. Reports playlist and segment response times (p50/p99), bytes, and the CPU of the
// server's process (--watch-pid, from /proc/PID/stat) per GB served in the window.
// usage: node hls-poll.mjs --url http://127.0.0.1:PORT/live/bench/index.m3u8 --n 1000 --duration 20 [--watch-pid PID[,PID]]
import http from 'node:http';
import fs from 'node:fs';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({ options: { url: { type: 'string' }, n: { type: 'string', default: '100' }, duration: { type: 'string', default: '20' }, warmup: { type: 'string', default: '5' }, 'watch-pid': { type: 'string' } } });
const url = new URL(a.url);
if (!/^127\./.test(url.hostname)) { console.error('loopback only'); process.exit(2); }
const N = Number(a.n); const duration = Number(a.duration) * 1000; const warmup = Number(a.warmup) * 1000;
const agent = new http.Agent({ keepAlive: true, maxSockets: N + 10 });
const now = () => performance.now();
const pl = []; const seg = []; let bytes = 0; let errors = 0; let measuring = false;
// keep: the body is needed (playlists); segments are only counted, so the client spends little per byte
const get = (path, keep = true) => new Promise((resolve) => {
  const t0 = now();
  const req = http.get({ host: url.hostname, port: url.port, path, agent }, (res) => {
    const parts = []; let length = 0;
    res.on('data', (d) => { length += d.length; if (keep) parts.push(d); });
    res.on('end', () => resolve({ status: res.statusCode, body: keep ? Buffer.concat(parts) : null, length, ms: now() - t0 }));
  });
  req.on('error', () => resolve({ status: 0, body: Buffer.alloc(0), length: 0, ms: now() - t0 }));
});
const base = url.pathname.slice(0, url.pathname.lastIndexOf('/') + 1);
async function client(stopAt) {
  const seen = new Set();
  let target = 2;
  await new Promise((r) => setTimeout(r, Math.random() * 1000));
  while (now() < stopAt) {
    const p = await get(url.pathname + url.search);
    if (measuring) { pl.push(p.ms); bytes += p.length; if (p.status !== 200) errors++; }
    if (p.status === 200) {
      const text = p.body.toString('latin1');
      const td = /#EXT-X-TARGETDURATION:(\d+)/.exec(text); if (td) target = Number(td[1]);
      const uris = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
      for (const u of uris.slice(-1)) { // a live client starts near the edge and follows it
        if (seen.has(u)) continue;
        seen.add(u);
        const s = await get(u.startsWith('/') ? u : base + u, false);
        if (measuring) { seg.push(s.ms); bytes += s.length; if (s.status !== 200) errors++; }
      }
    }
    await new Promise((r) => setTimeout(r, (target * 1000) / 2));
  }
}
const cpu1 = (pid, user) => { try { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + (user ? 0 : Number(f[12]))) / 100; } catch { return 0; } };
const cpu = (pids, user = false) => pids.split(',').reduce((t, p) => t + cpu1(p, user), 0); // --watch-pid A,B: summed
const pct = (arr, p) => { if (!arr.length) return null; const s = [...arr].sort((x, y) => x - y); return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] * 10) / 10; };
const stopAt = now() + warmup + duration;
const runs = Array.from({ length: N }, () => client(stopAt));
await new Promise((r) => setTimeout(r, warmup));
const pid = a['watch-pid']; const c0 = pid ? cpu(pid) : null; const u0 = pid ? cpu(pid, true) : null; const self0 = process.cpuUsage(); measuring = true; const t0 = now();
await new Promise((r) => setTimeout(r, duration));
measuring = false; const c1 = pid ? cpu(pid) : null; const u1 = pid ? cpu(pid, true) : null; const secs = (now() - t0) / 1000; const self1 = process.cpuUsage(self0);
await Promise.all(runs);
agent.destroy();
const cpuSec = c0 !== null && c1 !== null ? c1 - c0 : null;
console.log(JSON.stringify({ url: a.url, n: N, windowSec: Math.round(secs), playlists: pl.length, segments: seg.length, errors,
  playlistMs: { p50: pct(pl, 50), p99: pct(pl, 99) }, segmentMs: { p50: pct(seg, 50), p99: pct(seg, 99) },
  mbit: Math.round((bytes * 8) / secs / 1e6), clientCpuPct: Math.round(((self1.user + self1.system) / 1e6 / secs) * 1000) / 10, serverCpuPct: cpuSec === null ? null : Math.round((cpuSec / secs) * 1000) / 10,
  serverCpuSecPerGB: cpuSec === null || !bytes ? null : Math.round((cpuSec / (bytes / 1e9)) * 100) / 100,
  serverUserSecPerGB: u0 === null || u1 === null || !bytes ? null : Math.round(((u1 - u0) / (bytes / 1e9)) * 100) / 100 }));
