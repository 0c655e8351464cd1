/**
 * What one RTMP (or RTSP) player costs the ingest in memory (goal: under 50 KB per player), measured
 * inside the server process so heap, Buffers and RSS can be told apart:
 *
 *   node --expose-gc --import tsx bench/player-memory.ts [--n 200] [--stop-reading PCT]
 *        [--seconds 8] [--snapshot [--snapshot-dir DIR]] [--protocol rtmp|rtsp]
 *
 * tsx compiles with esbuild's keepNames, which gives every closure an own `name` property (a
 * dictionary of ~250 bytes each, ~17 per connection); the production bundle has none. For the
 * production figure run the same script bundled like the ingest:
 *
 *   npx esbuild bench/player-memory.ts --bundle --platform=node --format=esm --target=node20 \
 *     --outfile=bench/.cache/player-memory.mjs && node --expose-gc bench/.cache/player-memory.mjs
 *
 * Starts the ingest from source (auth off, RTMP on a free loopback port), publishes the bench's
 * pre-encoded 720p stream with ffmpeg `-c copy`, measures the process with the publisher only,
 * then runs `bench/rtmp-load.mjs` with N players (RTMP, or with `--protocol rtsp` RTSP players
 * taking RTP interleaved over their TCP connection) (optionally a share of them stop reading) and
 * measures again every second. Every figure is after a full GC: live memory, not garbage the
 * collector has not reached yet. `--snapshot` writes heap snapshots before and after and prints
 * the object kinds that grew, per player (kept in `--snapshot-dir` when given, for a look at what
 * retains them). Prints one JSON object at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { loadConfig } from '#ingest/config.js';
import { silentLogger } from '#domain/logger.js';
import { startIngest } from '#ingest/start-ingest.js';

// bench/, also when this file runs as the esbuild bundle in bench/.cache (see the header)
const here = dirname(fileURLToPath(import.meta.url));
const benchDir = existsSync(join(here, 'rtmp-load.mjs')) ? here : dirname(here);
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    'stop-reading': { type: 'string', default: '0' },
    seconds: { type: 'string', default: '8' },
    snapshot: { type: 'boolean', default: false },
    'snapshot-dir': { type: 'string' },
    protocol: { type: 'string', default: 'rtmp' },
    source: { type: 'string', default: join(benchDir, '.cache', 'testsrc2-720p30-2500k-aac128k-30s.flv') },
  },
});
const n = Number(args.n);
if (args.protocol !== 'rtmp' && args.protocol !== 'rtsp') throw new Error('--protocol takes rtmp or rtsp');
const seconds = Number(args.seconds);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc --import tsx');
if (!existsSync(args.source)) throw new Error(`no ${args.source}: run npm run bench -- --quick once (it encodes it)`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmp = mkdtempSync(join(tmpdir(), 'sg-player-memory-'));

interface Sample {
  rss: number;
  /** What V8 has reserved for its heap (all spaces): RSS the collector may not give back. */
  heapTotal: number;
  /** The young generation's reserved size: grows with the allocation rate, not with live objects. */
  newSpace: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

function sample(): Sample {
  gc!();
  const m = process.memoryUsage();
  const newSpace = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.space_size ?? 0;
  return { rss: m.rss, heapTotal: m.heapTotal, newSpace, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Self size and count per (node type, constructor name) of a V8 heap snapshot. */
function heapSummary(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]];
    const name = type === 'string' || type === 'number' || type === 'concatenated string' || type === 'sliced string' ? '' : snap.strings[snap.nodes[i + nameAt]];
    const key = `${type}:${name.slice(0, 60)}`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + sizeAt];
    out.set(key, entry);
  }
  return out;
}

function snapshot(label: string): string {
  gc!();
  return writeHeapSnapshot(join(args['snapshot-dir'] ?? tmp, `${label}.heapsnapshot`));
}

const config = loadConfig({
  STREAMGATE_AUTH: 'off',
  STREAMGATE_HOST: '127.0.0.1',
  STREAMGATE_RTMP_PORT: '0',
  STREAMGATE_HTTP_PORT: '0',
  STREAMGATE_FLV_PORT: '0',
  STREAMGATE_RELAY_FLV_PORT: '0',
  STREAMGATE_TS_PORT: '0',
  STREAMGATE_SRT_PORT: '0',
  STREAMGATE_RTSP_PORTS: '0',
  STREAMGATE_ADMIN_PORT: '0',
  STREAMGATE_DATA_DIR: tmp,
  STREAMGATE_LOG_LEVEL: 'error',
  // every player comes from 127.0.0.1: lift the per-address cap, as the bench's streamgate peers do
  STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS: '100000',
});
const ingest = await startIngest(config, { log: silentLogger });
const port = ingest.ports.rtmp;
const children: ChildProcess[] = [];
const url = `rtmp://127.0.0.1:${port}/live/bench`;

try {
  const publisher = spawn(
    'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', args.source, '-c', 'copy', '-f', 'flv', url],
    { stdio: 'ignore' },
  );
  children.push(publisher);
  for (let i = 0; i < 100 && !ingest.hub.isLive('live/bench'); i++) await sleep(100);
  if (!ingest.hub.isLive('live/bench')) throw new Error('publisher did not go live');
  await sleep(3000); // a full GOP in the cache, encodings made
  const before = sample();
  const snapBefore = args.snapshot ? snapshot('before') : undefined;

  const load = spawn(
    process.execPath,
    [
      join(benchDir, 'rtmp-load.mjs'),
      '--url', args.protocol === 'rtsp' ? `rtsp://127.0.0.1:${ingest.ports.rtsp}/live/bench` : url, '--n', String(n), '--ramp', '200', '--warmup', '2', '--duration', String(seconds),
      '--stop-reading', args['stop-reading'], '--json', join(tmp, 'load.json'), '--quiet',
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(load);
  const loadDone = new Promise<void>((resolve) => load.on('exit', () => resolve()));
  for (let i = 0; i < 300 && ingest.hub.streamInfo('live/bench')!.readers < n; i++) await sleep(100);
  const readers = ingest.hub.streamInfo('live/bench')!.readers;
  await sleep(2000);
  const samples: Sample[] = [];
  const readersTimeline: number[] = [];
  for (let s = 0; s < seconds - 1; s++) {
    samples.push(sample());
    readersTimeline.push(ingest.hub.streamInfo('live/bench')?.readers ?? 0);
    await sleep(1000);
  }
  const snapAfter = args.snapshot ? snapshot('after') : undefined;
  const info = ingest.hub.streamInfo('live/bench')!;
  await loadDone;
  const loadResult = JSON.parse(readFileSync(join(tmp, 'load.json'), 'utf8')) as {
    players: Record<string, unknown>;
    stoppedPlayers?: unknown;
  };

  const max = (k: keyof Sample) => Math.max(...samples.map((x) => x[k]));
  const perPlayer = (k: keyof Sample) => Math.round((max(k) - before[k]) / readers / 102.4) / 10;
  const result: Record<string, unknown> = {
    n,
    protocol: args.protocol,
    readers,
    stopReadingPct: Number(args['stop-reading']),
    kbPerPlayer: Object.fromEntries((Object.keys(before) as (keyof Sample)[]).map((k) => [k, perPlayer(k)])),
    mbBefore: Object.fromEntries(Object.entries(before).map(([k, v]) => [k, Math.round(v / 1e5) / 10])),
    mbMaxDuring: Object.fromEntries((Object.keys(before) as (keyof Sample)[]).map((k) => [k, Math.round(max(k) / 1e5) / 10])),
    framesDropped: info.framesDropped,
    load: {
      ...Object.fromEntries(
        ['receivingMedia', 'disconnected', 'stalls', 'playersWithStalls', 'maxGapMs', 'stoppedReading', 'connectAnswerMs', 'ttfkMs'].map((k) => [k, loadResult.players[k]]),
      ),
      stoppedPlayers: loadResult.stoppedPlayers,
    },
    /** Heap used after GC, MB, once a second: flat means bounded. */
    readersTimeline,
    heapUsedTimelineMb: samples.map((x) => Math.round(x.heapUsed / 1e5) / 10),
    arrayBuffersTimelineMb: samples.map((x) => Math.round(x.arrayBuffers / 1e5) / 10),
  };
  if (snapBefore !== undefined && snapAfter !== undefined) {
    const a = heapSummary(snapBefore);
    const b = heapSummary(snapAfter);
    result.heapGrowthPerPlayer = [...b]
      .map(([key, v]) => {
        const old = a.get(key) ?? { count: 0, bytes: 0 };
        return { key, count: Math.round(((v.count - old.count) / readers) * 10) / 10, bytes: Math.round((v.bytes - old.bytes) / readers) };
      })
      .filter((x) => x.bytes > 16)
      .sort((x, y) => y.bytes - x.bytes)
      .slice(0, 40);
  }
  process.stdout.write(JSON.stringify(result, null, 1) + '\n');
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await ingest.close();
  rmSync(tmp, { recursive: true, force: true });
}
