#!/usr/bin/env node
// summarize-hls.mjs — the hls scenario's table: per N and peer, the median (min) over rounds of the
// server's CPU s/GB, CPU %, playlist and segment response p50/p99 and throughput, and the CPU s/GB
// ratios between peers (of the minimums; medians in brackets). Input: hls-poll.mjs JSON per run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: A } = parseArgs({ options: { raw: { type: 'string' }, json: { type: 'string' }, md: { type: 'string' }, meta: { type: 'string', default: '{}' } } });
const meta = JSON.parse(A.meta);
const runs = fs.readdirSync(A.raw).filter((f) => f.startsWith('hls-') && f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(A.raw, f), 'utf8')));
const skipped = fs.readdirSync(A.raw).filter((f) => f.endsWith('-skip.json')).map((f) => JSON.parse(fs.readFileSync(path.join(A.raw, f), 'utf8')));
const nums = (xs) => xs.filter((x) => typeof x === 'number' && Number.isFinite(x));
const median = (xs) => { const s = nums(xs).sort((a, b) => a - b); return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null; };
const min = (xs) => { const s = nums(xs); return s.length ? Math.min(...s) : null; };
const max = (xs) => { const s = nums(xs); return s.length ? Math.max(...s) : null; };
const rd = (x, d = 2) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);
const ns = [...new Set(runs.map((r) => r.n))].sort((a, b) => a - b);
const peers = [...new Set(runs.map((r) => r.peer))];
const summary = [];
for (const n of ns) for (const peer of peers) {
  const R = runs.filter((r) => r.n === n && r.peer === peer);
  if (!R.length) continue;
  const mm = (get) => ({ median: rd(median(R.map(get))), min: rd(min(R.map(get))) });
  summary.push({ n, peer, rounds: R.length, cpuSecPerGB: mm((r) => r.serverCpuSecPerGB), userSecPerGB: mm((r) => r.serverUserSecPerGB), cpuPct: mm((r) => r.serverCpuPct), mbit: mm((r) => r.mbit),
    playlistMs: { p50: rd(median(R.map((r) => r.playlistMs.p50)), 1), p99: rd(median(R.map((r) => r.playlistMs.p99)), 1), p99Max: rd(max(R.map((r) => r.playlistMs.p99)), 1) },
    probePlaylistMs: { p50: rd(median(R.map((r) => r.probePlaylistMs?.p50)), 1), p99: rd(median(R.map((r) => r.probePlaylistMs?.p99)), 1), p99Max: rd(max(R.map((r) => r.probePlaylistMs?.p99)), 1) },
    segmentMs: { p50: rd(median(R.map((r) => r.segmentMs.p50)), 1), p99: rd(median(R.map((r) => r.segmentMs.p99)), 1) },
    errors: R.reduce((a, r) => a + r.errors, 0), playlists: R.reduce((a, r) => a + r.playlists, 0), segments: R.reduce((a, r) => a + r.segments, 0),
    clientCpuPct: rd(median(R.map((r) => r.clientCpuPct)), 1), clientCpuSecPerGB: rd(median(R.map((r) => r.clientCpuSecPerGB))),
    clientLoopDelayP99Ms: rd(max(R.map((r) => r.clientLoopDelayMs?.p99)), 1), loadavg: rd(median(R.map((r) => r.loadavg)), 1) });
}
const ratios = {};
for (const n of ns) {
  ratios[n] = {};
  for (const a of summary.filter((s) => s.n === n)) for (const b of summary.filter((s) => s.n === n)) {
    if (a === b || !a.cpuSecPerGB.min || !b.cpuSecPerGB.min) continue;
    (ratios[n][a.peer] ??= {})[b.peer] = { ofMin: rd(a.cpuSecPerGB.min / b.cpuSecPerGB.min), ofMedian: rd(a.cpuSecPerGB.median / b.cpuSecPerGB.median) };
  }
}
const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model, loadavgAtEnd: os.loadavg().map((x) => rd(x)) };
fs.writeFileSync(A.json, JSON.stringify({ tool: 'bench/run-peers.sh --scenario hls', date: new Date().toISOString(), machine, meta, summary, cpuSecPerGBRatios: ratios, skipped, runs }, null, 1) + '\n');
const f = (x) => (x === null || x === undefined ? '–' : String(x));
const L = [`# HLS polling side by side — ${new Date().toISOString().slice(0, 10)}`, '',
  `Machine: ${machine.cores} cores (${machine.cpu}). Run: ${meta.rounds} rounds, warmup ${meta.warmupSec} s, window ${meta.durationSec} s; wall ${meta.wallSec} s.${meta.label ? ` Label: ${meta.label}.` : ''}`,
  'Clients: bench/hls-poll.mjs (worker threads of kept-alive clients polling like hls.js: playlist again one target duration after a change, half of one after none; each new segment once). CPU = the server\'s process group per GB served. sg-hls: streamgate\'s HLS from memory; nginx-hls: nginx-rtmp writes the files, nginx serves them with sendfile (nginx-hls-copy: sendfile off). Median (min) over rounds. Client: the poller\'s own CPU (all threads) and the worst p99 of its event-loop delay (a floor under every response time it reports). Probe: one more client on the poller\'s idle main thread loading only the playlist every 50 ms (no segment bodies to read), so its times are the server\'s answer without the workers\' own wait. Load avg: 1-minute load at the end of each run, median.', '',
  '| N | peer | CPU s/GB | user s/GB | CPU % of a core | Mbit/s | playlist p50 / p99 ms (worst p99) | probe playlist p50 / p99 ms (worst p99) | segment p50 / p99 ms | requests (errors) | client CPU % (s/GB) | client loop p99 ms | load avg |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|'];
for (const s of summary) L.push(`| ${s.n} | ${s.peer} | ${f(s.cpuSecPerGB.median)} (${f(s.cpuSecPerGB.min)}) | ${f(s.userSecPerGB.median)} | ${f(s.cpuPct.median)} | ${f(s.mbit.median)} | ${f(s.playlistMs.p50)} / ${f(s.playlistMs.p99)} (${f(s.playlistMs.p99Max)}) | ${f(s.probePlaylistMs.p50)} / ${f(s.probePlaylistMs.p99)} (${f(s.probePlaylistMs.p99Max)}) | ${f(s.segmentMs.p50)} / ${f(s.segmentMs.p99)} | ${s.playlists + s.segments} (${s.errors}) | ${f(s.clientCpuPct)} (${f(s.clientCpuSecPerGB)}) | ${f(s.clientLoopDelayP99Ms)} | ${f(s.loadavg)} |`);
L.push('', '## CPU s/GB ratios (row ÷ column): of the minimums (of the medians)', '');
for (const n of ns) for (const [a, row] of Object.entries(ratios[n])) for (const [b, r] of Object.entries(row)) L.push(`- N=${n}: ${a} ÷ ${b} = ${r.ofMin} (${r.ofMedian})`);
// Where a late playlist's time went, round by round: loads in the second after a segment's first
// request (a burst) apart from the others, the bursts' size, and the server's own loop in the window
// (Node peers started with server-loop-delay.mjs).
L.push('', '## Playlist times in segment bursts, and the server\'s loop (round by round)', '',
  'In burst: loads starting within 1 s after a segment\'s first request; quiet: the others. Burst: median over the window\'s whole bursts of requests, MB and ms until 90 % of its requests had started. Server loop: perf_hooks loop delay p99 / max (time past its 10 ms timer interval), loop busy share, GC pauses (count, longest). Stalls: ticks of a 10 ms timer more than 20 ms late, their late time split by the main thread\'s /proc schedstat into on a CPU (running code, GC included) and runnable but waiting for a core, and GC overlapping them; main-thread wait: ms the main thread waited for a core in the whole window.', '',
  '| N | peer | round | playlist p99 in burst / quiet ms | probe p99 in burst / quiet ms (max) | burst requests, MB, 90 % within ms | server loop delay p99 / max ms | loop busy % | GC count, max ms | stalls: count, late ms = on CPU + waiting (GC) | main-thread wait ms | client loop p99 ms | load |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of [...runs].sort((x, y) => x.n - y.n || x.peer.localeCompare(y.peer) || x.round - y.round)) {
  const sl = r.serverLoop; const b = r.bursts; const pb = r.probePlaylistMs;
  L.push(`| ${r.n} | ${r.peer} | ${r.round} | ${f(r.playlistMs.inBurst?.p99)} / ${f(r.playlistMs.quiet?.p99)} | ${f(pb?.inBurst?.p99)} / ${f(pb?.quiet?.p99)} (${f(pb?.max)}) | ${b ? `${f(b.requests)}, ${f(b.mb)}, ${f(b.spread90Ms)}` : '–'} | ${sl ? `${sl.loopDelayMs.p99} / ${sl.loopDelayMs.max}` : '–'} | ${f(sl?.loopBusyPct)} | ${sl ? `${sl.gc.count}, ${sl.gc.maxMs}` : '–'} | ${sl?.stalls ? `${sl.stalls.count}, ${sl.stalls.lateMs} = ${sl.stalls.runMs} + ${sl.stalls.waitMs} (${sl.stalls.gcMs})` : '–'} | ${f(sl?.mainThread?.waitMs)} | ${f(r.clientLoopDelayMs?.p99)} | ${f(rd(r.loadavg, 1))} |`);
}
if (skipped.length) L.push('', '## Skipped', '', ...skipped.map((s) => `- ${s.peer}${s.n ? ` N=${s.n}` : ''} round ${s.round}: ${s.skipped}`));
fs.writeFileSync(A.md, L.join('\n') + '\n');
console.error(`wrote ${A.json} and ${A.md}: ${runs.length} runs`);
