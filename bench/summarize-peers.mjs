#!/usr/bin/env node
// summarize-peers.mjs — fold the per-run JSONs of run-peers.sh into one results JSON (summary,
// ratios, every run) and a Markdown table. Each figure is the median over rounds, with the min
// beside it where that matters; late-joiner samples are pooled over rounds before percentiles.
// usage: node summarize-peers.mjs --raw DIR --json OUT.json --md OUT.md [--meta JSON]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values: A } = parseArgs({ options: { raw: { type: 'string' }, json: { type: 'string' }, md: { type: 'string' }, meta: { type: 'string', default: '{}' } } });
const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const meta = JSON.parse(A.meta);

const files = fs.readdirSync(A.raw).filter((f) => f.endsWith('.json')).sort();
const runs = []; const skipped = [];
for (const f of files) {
  const d = JSON.parse(fs.readFileSync(path.join(A.raw, f), 'utf8'));
  (d.skipped ? skipped : runs).push(d);
}

// ---- helpers
const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const vals = (arr) => arr.map(num).filter((x) => x !== null);
const median = (arr) => { const a = vals(arr).sort((x, y) => x - y); if (!a.length) return null; const m = a.length >> 1; return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2; };
const min = (arr) => { const a = vals(arr); return a.length ? Math.min(...a) : null; };
const max = (arr) => { const a = vals(arr); return a.length ? Math.max(...a) : null; };
const sum = (arr) => vals(arr).reduce((a, b) => a + b, 0);
const pct = (arr, p) => { const s = vals(arr).sort((a, b) => a - b); if (!s.length) return null; return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p / 100 * s.length) - 1))]; };
const rd = (x, d = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);
const mm = (arr, d = 2) => ({ median: rd(median(arr), d), min: rd(min(arr), d), max: rd(max(arr), d), n: vals(arr).length });

// ---- idle RSS per peer instance (server + publisher, before any player): first run of the round
const idle = new Map();
for (const r of [...runs].sort((a, b) => a.n - b.n)) {
  const k = `${r.peer}/${r.round}`;
  if (!idle.has(k) && r.server && num(r.server.rssBeforeMB) !== null) idle.set(k, r.server.rssBeforeMB);
}

const peers = [...new Set(runs.map((r) => r.peer))];
const order = ['streamgate', 'nginx', 'nms', 'floor-node', 'floor-node-rtmp', 'floor-c'];
peers.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
const ns = [...new Set(runs.map((r) => r.n))].sort((a, b) => a - b);

const summary = [];
for (const n of ns) {
  for (const peer of peers) {
    const R = runs.filter((r) => r.peer === peer && r.n === n);
    if (!R.length) continue;
    const S = R.map((r) => r.server || {}); const P = R.map((r) => r.players);
    const late = R.flatMap((r) => (r.lateJoiners ? r.lateJoiners.samples : []));
    const perConn = n >= 50 ? R.map((r) => {
      const i = idle.get(`${r.peer}/${r.round}`);
      return r.server && i !== undefined ? (r.server.rssMaxMB - i) * 1024 / n : null;
    }) : [];
    const auxCpu = (name) => median(R.map((r) => (r.aux || []).find((a) => a.name === name)?.cpuPct ?? null));
    summary.push({
      peer, kind: R[0].kind, n, rounds: R.length,
      cpuSecPerGB: mm(S.map((s) => s.cpuSecPerGB)),
      userSecPerGB: mm(S.map((s) => s.userSecPerGB)),
      sysSecPerGB: mm(S.map((s) => s.sysSecPerGB)),
      serverCpuPct: mm(S.map((s) => s.cpuPctOfOneCore), 1),
      deliveredMbps: mm(P.map((p) => p.deliveredMbps), 1),
      perPlayerMbps: mm(P.map((p) => p.perPlayerMbps), 3),
      videoFpsPerPlayer: mm(P.map((p) => p.videoFpsPerPlayer), 1),
      rssIdleMB: mm(R.map((r) => idle.get(`${r.peer}/${r.round}`) ?? null), 1),
      rssMaxMB: mm(S.map((s) => s.rssMaxMB), 1),
      rssPerConnKB: mm(perConn, 1),
      ttfvMs: { p50: mm(P.map((p) => p.ttfvMs?.p50), 1), p95: mm(P.map((p) => p.ttfvMs?.p95), 1) },
      ttfkMs: { p50: mm(P.map((p) => p.ttfkMs.p50), 1), p95: mm(P.map((p) => p.ttfkMs.p95), 1) },
      playStartMs: { p50: mm(P.map((p) => p.playStartMs.p50), 1) },
      connectAnswerMs: { p50: mm(P.map((p) => p.connectAnswerMs?.p50), 1), p95: mm(P.map((p) => p.connectAnswerMs?.p95), 1) },
      // from the idle probe process (--connect-probes): the server's answer without the load client's lag
      connectProbeMs: { p50: mm(P.map((p) => p.connectProbeMs?.p50), 1), p95: mm(P.map((p) => p.connectProbeMs?.p95), 1) },
      stoppedReading: {
        n: max(R.map((r) => r.stoppedPlayers?.n ?? 0)), disconnected: sum(R.map((r) => r.stoppedPlayers?.disconnected ?? 0)),
      },
      lateJoiner: {
        samples: late.length, gotKeyframe: late.filter((s) => num(s.ttfkMs) !== null).length,
        ttfvMs: { p50: rd(pct(late.map((s) => s.ttfvMs), 50)), p95: rd(pct(late.map((s) => s.ttfvMs), 95)) },
        ttfkMs: { p50: rd(pct(late.map((s) => s.ttfkMs), 50)), p95: rd(pct(late.map((s) => s.ttfkMs), 95)) },
      },
      latencyMs: R[0].kind === 'raw' ? null : {
        p50: mm(R.map((r) => r.latencyMs?.p50), 1), p95: mm(R.map((r) => r.latencyMs?.p95), 1),
        samples: sum(R.map((r) => r.latencyMs?.samples)), unmatched: sum(R.map((r) => r.latencyMs?.unmatched)),
      },
      players: {
        // players that stopped reading (--stop-reading) are not among receivingMedia
        allGotMedia: R.every((r) => r.players.receivingMedia === r.n - (r.players.stoppedReading ?? 0)),
        receivingMediaMin: min(R.map((r) => r.players.receivingMedia + (r.players.stoppedReading ?? 0))),
        failed: sum(P.map((p) => p.failed)), disconnected: sum(P.map((p) => p.disconnected)),
        stalls: sum(P.map((p) => p.stalls)), playersWithStallsMax: max(P.map((p) => p.playersWithStalls)),
        maxGapMs: rd(max(P.map((p) => p.maxGapMs))),
        failReasons: [...new Set(P.flatMap((p) => p.failReasons))].slice(0, 5),
      },
      clientCpuPct: mm(R.map((r) => r.client?.cpuPctOfOneCore), 1),
      machineBusyPct: mm(R.map((r) => r.machine?.busyPct), 1),
      publisherCpuPct: rd(auxCpu('publisher')), tapCpuPct: rd(auxCpu('tap')),
    });
  }
}

// ---- CPU s/GB ratios against every other peer, per N. Headline: ratio of the minimums over
// rounds (a busy neighbour only ever adds CPU time, so the min is the least disturbed figure);
// the ratio of the medians is kept beside it.
const ratioOf = (which) => {
  const out = {};
  for (const n of ns) {
    const row = summary.filter((s) => s.n === n); out[n] = {};
    for (const a of row) {
      out[n][a.peer] = {};
      for (const b of row) if (a !== b && a.cpuSecPerGB[which] && b.cpuSecPerGB[which]) out[n][a.peer][b.peer] = rd(a.cpuSecPerGB[which] / b.cpuSecPerGB[which], 2);
    }
  }
  return out;
};
const ratios = ratioOf('min'); const ratiosMedian = ratioOf('median');

// ---- RSS each further player adds, between consecutive player counts (medians of the max RSS):
// RSS/conn above also carries what the process grows by once it serves anyone at all (young
// generation, code, allocator arenas), which dominates at small N; the slope is the player's own cost.
const rssPerAddedPlayerKB = {};
for (const peer of [...new Set(summary.map((s) => s.peer))]) {
  const rows = summary.filter((s) => s.peer === peer && num(s.rssMaxMB.median) !== null).sort((a, b) => a.n - b.n);
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    (rssPerAddedPlayerKB[peer] ??= {})[`${a.n}-${b.n}`] = rd(((b.rssMaxMB.median - a.rssMaxMB.median) * 1024) / (b.n - a.n), 1);
  }
}

// ---- versions and machine
const sh = (cmd, args) => { // stdout and stderr together (nginx -v prints to stderr)
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
  return r.error ? null : `${r.stdout || ''}${r.stderr || ''}`.trim() || null;
};
const nmsPkg = path.join(BENCH_DIR, 'peers/nms/node_modules/node-media-server/package.json');
const versions = {
  nginx: (sh('nginx', ['-v']) || '').replace(/^nginx version: /, '') || null, libnginxModRtmp: sh('dpkg-query', ['-W', '-f=${Version}', 'libnginx-mod-rtmp']),
  nodeMediaServer: fs.existsSync(nmsPkg) ? JSON.parse(fs.readFileSync(nmsPkg, 'utf8')).version : null,
  ffmpeg: (sh('ffmpeg', ['-version']) || '').split('\n')[0].replace(/ Copyright.*/, ''), node: process.version,
};
const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model, memGB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), loadavgAtEnd: os.loadavg().map((x) => rd(x, 2)) };
const date = new Date().toISOString();

const trimmed = runs.map((r) => { const { perConn, ...rest } = r; return rest; });
const out = { tool: 'bench/run-peers.sh', date, machine, versions, meta, summary, cpuSecPerGBRatios: { ofMin: ratios, ofMedian: ratiosMedian }, rssPerAddedPlayerKB, skipped, runs: trimmed };
fs.writeFileSync(A.json, JSON.stringify(out, null, 1) + '\n');

// ---- Markdown
const f = (x, d = 1) => (x === null || x === undefined ? '–' : (Math.round(x * 10 ** d) / 10 ** d).toString());
const L = [];
L.push(`# RTMP peers side by side — ${date.slice(0, 10)}${meta.quick ? ' (quick)' : ''}`, '');
L.push(`Machine: ${machine.cores} cores (${machine.cpu}), ${machine.memGB} GiB, Linux ${machine.kernel}; shared, so see "busy".`);
L.push(`Peers: ${versions.nginx || 'nginx ?'} + libnginx-mod-rtmp ${versions.libnginxModRtmp || '?'}; Node-Media-Server ${versions.nodeMediaServer || '?'} on Node ${versions.node}; floor-node = bench/peers/floor/relay.mjs, floor-c = bench/peers/floor/relay.c (byte copy, one write per FLV tag per player); floor-node-rtmp = bench/peers/floor/rtmp-relay.mjs (many streams: RTMP in and out, one copy per chunk, one write per message per player; the ×floor-node column when floor-node did not run).`);
L.push(`Stream: testsrc2 1280x720 30 fps x264 veryfast/zerolatency 2.5 Mbit/s, GOP 2 s, AAC 128k, ffmpeg -re -stream_loop -1 -c copy (${versions.ffmpeg || 'ffmpeg'}).`);
L.push(`Run: ${meta.rounds} rounds (peer order reversed every other round), warmup ${meta.warmupSec} s, window ${meta.durationSec} s, ramp ${meta.ramp}/s, ${meta.late} late joiners per run, ${meta.probes} latency probes; wall ${meta.wallSec} s.${meta.label ? ' Label: ' + meta.label + '.' : ''} streamgate: the ingest bundle with the container's NODE_OPTIONS (${meta.streamgateNodeOptions || 'none'})${meta.streamgateNodeFlags ? ' and ' + meta.streamgateNodeFlags : ''}.`);
L.push('', 'Figures: median over rounds (min in brackets); ×floor columns are ratios of the minimums. CPU = the server\'s whole process tree (user+sys), over the window, per GB (1e9 bytes) delivered to players. ' +
  'user s/GB = the user-space part (the rest is kernel: on loopback the sender also pays for the receiving side of TCP, so sys time is a large floor shared by all). RSS/conn = (max RSS in window − RSS with publisher only) / N. TTFK = TCP connect → first keyframe; ramp players connect at the ramp rate, late joiners one by one during the window (pooled over rounds). ' +
  'Connect answer = handshake done (C2 and connect sent) → connect _result received, by the loaded players; connect probe = the same, by a separate idle process connecting one at a time during the window (the server\'s answer without the load client\'s event-loop lag). Stopped readers = players that stop reading at the window start (--stop-reading), and how many the server disconnected by its end; their stalls are not counted. Latency = tap forward → probe receive of the same video message. Stalls = gaps > 1 s in the window.', '');
const floorRef = (n, p) => ratios[n]?.[p]?.['floor-c'];
const floorNode = (n, p) => ratios[n]?.[p]?.['floor-node'] ?? ratios[n]?.[p]?.['floor-node-rtmp'];
for (const n of ns) {
  const shape = runs.find((r) => r.n === n && r.shape)?.shape;
  L.push(`## N = ${n}${shape ? ` (${shape.replace("x", " streams × ")} players)` : ""}`, "");
  L.push('| peer | CPU s/GB | user s/GB | ×floor-c | ×floor-node | CPU % of a core | out Mbit/s | RSS MB (idle) | RSS/conn KB | TTFK ramp p50/p95 ms | late TTFV p50/p95 ms | late TTFK p50/p95 ms | connect answer p50/p95 ms | connect probe p50/p95 ms | latency p50/p95 ms | stalls / disc / no media | stopped readers (disc) | client CPU %, busy % |');
  L.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const s of summary.filter((x) => x.n === n)) {
    const lat = s.latencyMs ? `${f(s.latencyMs.p50.median)} / ${f(s.latencyMs.p95.median)}` : 'n/a';
    const raw = s.kind === 'raw';
    L.push(`| ${s.peer} | ${f(s.cpuSecPerGB.median, 2)} (${f(s.cpuSecPerGB.min, 2)}) | ${f(s.userSecPerGB.median, 2)} | ${f(floorRef(n, s.peer), 2)} | ${f(floorNode(n, s.peer), 2)} | ${f(s.serverCpuPct.median)} | ${f(s.deliveredMbps.median, 0)} | ${f(s.rssMaxMB.median)} (${f(s.rssIdleMB.median)}) | ${f(s.rssPerConnKB.median, 0)} | ` +
      `${raw ? 'n/a' : `${f(s.ttfkMs.p50.median, 0)} / ${f(s.ttfkMs.p95.median, 0)}`} | ${raw ? 'n/a' : `${f(s.lateJoiner.ttfvMs.p50, 0)} / ${f(s.lateJoiner.ttfvMs.p95, 0)}`} | ` +
      `${raw ? 'n/a' : `${f(s.lateJoiner.ttfkMs.p50, 0)} / ${f(s.lateJoiner.ttfkMs.p95, 0)} (${s.lateJoiner.samples})`} | ${raw ? 'n/a' : `${f(s.connectAnswerMs.p50.median)} / ${f(s.connectAnswerMs.p95.median)}`} | ` +
      `${raw ? 'n/a' : `${f(s.connectProbeMs.p50.median)} / ${f(s.connectProbeMs.p95.median)}`} | ${lat} | ` +
      `${s.players.stalls} / ${s.players.disconnected} / ${s.players.allGotMedia ? 0 : n - s.players.receivingMediaMin} | ` +
      `${s.stoppedReading.n ? `${s.stoppedReading.n} (${s.stoppedReading.disconnected})` : '–'} | ${f(s.clientCpuPct.median, 0)}, ${f(s.machineBusyPct.median, 0)} |`);
  }
  L.push('');
}
L.push('## CPU s/GB ratios (row ÷ column): of the minimums over rounds, of the medians in brackets', '');
for (const n of ns) {
  const ps = Object.keys(ratios[n]);
  L.push(`N = ${n}:`, '', `| | ${ps.join(' | ')} |`, `|---|${ps.map(() => '---').join('|')}|`);
  for (const a of ps) L.push(`| ${a} | ${ps.map((b) => (a === b ? '1' : `${f(ratios[n][a][b], 2)} (${f(ratiosMedian[n][a][b], 2)})`)).join(' | ')} |`);
  L.push('');
}
const spans = [...new Set(Object.values(rssPerAddedPlayerKB).flatMap((r) => Object.keys(r)))];
if (spans.length) {
  L.push('## RSS each further player adds (KB): (max RSS at the larger N − at the smaller) / difference in N, medians', '');
  L.push(`| peer | ${spans.map((x) => `N ${x}`).join(' | ')} |`, `|---|${spans.map(() => '---').join('|')}|`);
  for (const [peer, r] of Object.entries(rssPerAddedPlayerKB)) L.push(`| ${peer} | ${spans.map((x) => f(r[x], 0)).join(' | ')} |`);
  L.push('');
}
if (skipped.length) {
  L.push('## Skipped', '');
  for (const s of skipped) L.push(`- ${s.peer}${s.n ? ' N=' + s.n : ''} round ${s.round}: ${s.skipped}`);
  L.push('');
}
const pubCpu = median(summary.map((s) => s.publisherCpuPct)); const tapCpu = median(summary.map((s) => s.tapCpuPct));
L.push(`Not counted for any server: publisher (ffmpeg -c copy) ≈ ${f(pubCpu)} % of a core, tap ≈ ${f(tapCpu)} % of a core (medians). Raw per-run figures: the JSON beside this file.`, '');
fs.writeFileSync(A.md, L.join('\n'));
console.error(`wrote ${A.json} and ${A.md}: ${runs.length} runs, ${skipped.length} skipped`);
