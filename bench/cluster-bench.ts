/**
 * Cluster benchmark (not a timed test): three local ingest processes in cluster mode, as
 * `streamgate start --cluster 3` runs them, auth off, one ffmpeg publisher on process 1.
 *
 *   1. edge pull added latency: the same video message's arrival at an RTMP player on the owner
 *      and at one on an edge process; the difference (edge − owner) per message, p50 / p95.
 *   2. late joiner on an edge: an RTMP player connects to an edge process with no pull running
 *      (linger over), time from connect to its first video message, including the pull start.
 *   3. fan-out: N players (default 600) spread over the 3 processes with bench/rtmp-load.mjs,
 *      how many get media, time to first keyframe, stalls.
 *
 * Every player comes from 127.0.0.1, so the per-address connection cap is raised for the run.
 *
 * Usage: npx tsx bench/cluster-bench.ts [--players 600] [--late 10] [--seconds 10] [--json FILE]
 * Figures from a shared, loaded machine are only indicative.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalCluster } from '#cli/start-local-cluster.js';
import { loadConfig } from '#ingest/config.js';
import { PLAYER_CONNECT } from '#test/support/local-stack-harness.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { publishTestPattern } from '#test/support/ffmpeg-runs.js';
import { freePort, sleep } from '#test/support/wait.js';

const { values: args } = parseArgs({
  options: {
    players: { type: 'string', default: '600' },
    late: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '10' },
    json: { type: 'string' },
  },
});
const LINGER_MS = 1000;
const HEARTBEAT_MS = 500;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const r1 = (x: number): number => Math.round(x * 10) / 10;

async function player(port: number, stream: string): Promise<RtmpTestClient> {
  const c = new RtmpTestClient();
  await c.connect(`rtmp://127.0.0.1:${port}/live`, PLAYER_CONNECT);
  await c.play(stream);
  return c;
}

/** Arrival time (performance.now) of each video message, keyed by its timestamp and size. */
function arrivals(c: RtmpTestClient): Map<string, number> {
  const map = new Map<string, number>();
  // Stamp each message as the client records it.
  const push = c.received.push.bind(c.received);
  c.received.push = (...items) => {
    const now = performance.now();
    // Keyed by content: the edge's copy of a frame may carry another timestamp base.
    for (const m of items) if (m.kind === 'media' && m.typeId === 9) map.set(createHash('sha1').update(m.payload).digest('hex'), now);
    return push(...items);
  };
  return map;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'streamgate-cluster-bench-'));
  const [rtmp, http, rtsp, functionsPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const base = 40000 + Math.floor(Math.random() * 2000) * 10;
  const config = loadConfig({
    STREAMGATE_HOST: '127.0.0.1',
    STREAMGATE_RTMP_PORT: String(rtmp),
    STREAMGATE_HTTP_PORT: String(http),
    STREAMGATE_RTSP_PORTS: String(rtsp),
    STREAMGATE_FUNCTIONS_PORT: String(functionsPort),
    STREAMGATE_DATA_DIR: dataDir,
    STREAMGATE_RTP_PORTS: `${base}-${base + 29}`,
    STREAMGATE_AUTH: 'off',
  });
  const cluster = await startLocalCluster(config, {
    size: 3,
    stdio: 'ignore',
    env: {
      STREAMGATE_AUTH: 'off',
      STREAMGATE_LOG_LEVEL: 'warn',
      STREAMGATE_EDGE_LINGER_MS: String(LINGER_MS),
      STREAMGATE_LEASE_HEARTBEAT_MS: String(HEARTBEAT_MS),
      STREAMGATE_DRAIN_SECONDS: '1',
      // Every bench player comes from 127.0.0.1.
      STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS: '1000',
    },
  });
  const [owner, edgeA, edgeB] = cluster.members.map((m) => m.ports.rtmp!) as [number, number, number];
  const children: ChildProcess[] = [];
  const results: Record<string, unknown> = { machine: 'shared 2-core machine under load from other work; indicative only' };
  try {
    const pub = publishTestPattern(`rtmp://127.0.0.1:${owner}/live/bench`, { gop: 25 });
    children.push(pub);
    await sleep(3000);

    // 1. added latency of the edge pull
    const atOwner = await player(owner, 'bench');
    const atEdge = await player(edgeA, 'bench');
    const tOwner = arrivals(atOwner);
    const tEdge = arrivals(atEdge);
    await sleep(Number(args.seconds) * 1000);
    const deltas: number[] = [];
    for (const [key, t] of tEdge) {
      const o = tOwner.get(key);
      if (o !== undefined) deltas.push(t - o);
    }
    results.edgeAddedLatencyMs = { samples: deltas.length, p50: r1(pct(deltas, 50)), p95: r1(pct(deltas, 95)) };
    await atOwner.close();
    await atEdge.close();

    // 2. late joiners on an edge whose pull has stopped (linger over): includes the pull start
    const firstFrame: number[] = [];
    for (let i = 0; i < Number(args.late); i++) {
      await sleep(LINGER_MS + HEARTBEAT_MS * 3);
      const t0 = performance.now();
      const c = await player(edgeB, 'bench');
      await c.nextMessage((m) => m.kind === 'media' && m.typeId === 9, 10_000);
      firstFrame.push(performance.now() - t0);
      await c.close();
    }
    results.lateJoinerFirstVideoMs = { samples: firstFrame.length, p50: r1(pct(firstFrame, 50)), p95: r1(pct(firstFrame, 95)), max: r1(Math.max(...firstFrame)) };

    // 3. fan-out over the three processes
    const n = Number(args.players);
    const per = [0, 1, 2].map((i) => Math.floor(n / 3) + (i < n % 3 ? 1 : 0));
    const loads = await Promise.all(
      cluster.members.map(async (m, i) => {
        const out = join(dataDir, `load-${i}.json`);
        const child = spawn(
          process.execPath,
          ['bench/rtmp-load.mjs', '--url', `rtmp://127.0.0.1:${m.ports.rtmp}/live/bench`, '--n', String(per[i]), '--ramp', '100', '--warmup', '2', '--duration', args.seconds!, '--json', out],
          { stdio: 'ignore' },
        );
        children.push(child);
        await new Promise((r) => child.once('exit', r));
        return JSON.parse(readFileSync(out, 'utf8')) as { players: Record<string, unknown> };
      }),
    );
    results.fanOut = {
      players: n,
      perProcess: per,
      receivingMedia: loads.reduce((a, l) => a + Number(l.players.receivingMedia), 0),
      failed: loads.reduce((a, l) => a + Number(l.players.failed), 0),
      stalls: loads.reduce((a, l) => a + Number(l.players.stalls), 0),
      ttfkMsP95ByProcess: loads.map((l) => (l.players.ttfkMs as { p95: number }).p95),
    };
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await cluster.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify(results, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
