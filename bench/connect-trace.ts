/**
 * Where the time between the end of the RTMP handshake and the connect `_result` goes, seen from
 * inside the ingest (goal: answer within 5 ms of the handshake):
 *
 *   node --import tsx bench/connect-trace.ts [--n 200] [--ramp 200] [--publish]
 *
 * Starts the ingest from source (auth off), optionally publishes the bench stream (so players get
 * media and the server is busy fanning out), runs `bench/rtmp-load.mjs` with N players and marks,
 * per connection, on the server's clock: the read that completed C2, the read that carried
 * `connect` (its wait in the event loop shows as the gap), `connect` decoded, access control
 * decided (`acceptConnect`), `_result` handed to the socket. Prints percentiles of each step and
 * the client's own figure (handshake done → `_result` received) for comparison.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '#ingest/config.js';
import { silentLogger } from '#domain/logger.js';
import { RtmpServerSession } from '#ingest/protocols/rtmp/rtmp-server-session.js';
import { startIngest } from '#ingest/start-ingest.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    ramp: { type: 'string', default: '200' },
    publish: { type: 'boolean', default: false },
    source: { type: 'string', default: join(benchDir, '.cache', 'testsrc2-720p30-2500k-aac128k-30s.flv') },
  },
});
const n = Number(args.n);

interface Marks {
  c2?: number;
  connectRead?: number;
  decoded?: number;
  accept?: number;
  written?: number;
}
const marks = new Map<RtmpServerSession, Marks>();
const markOf = (s: RtmpServerSession): Marks => {
  let m = marks.get(s);
  if (m === undefined) marks.set(s, (m = {}));
  return m;
};

// Bench-only instrumentation: wraps the session's entry points; the ingest's code is unchanged.
interface SessionProto {
  readonly state: RtmpServerSession['state'];
  feed(bytes: Uint8Array): void;
  onConnect(command: unknown): void;
  acceptConnect(transactionId: number): void;
}
const proto = RtmpServerSession.prototype as unknown as SessionProto;
const { feed, acceptConnect, onConnect } = proto;
const markOfThis = (self: SessionProto) => markOf(self as unknown as RtmpServerSession);
let feedStart = 0;
proto.feed = function (this: SessionProto, bytes: Uint8Array) {
  feedStart = performance.now();
  const wasHandshake = this.state === 'handshake';
  feed.call(this, bytes);
  if (wasHandshake && this.state !== 'handshake') markOfThis(this).c2 = feedStart;
};
proto.onConnect = function (this: SessionProto, command: unknown) {
  const m = markOfThis(this);
  m.connectRead = feedStart;
  m.decoded = performance.now();
  onConnect.call(this, command);
};
proto.acceptConnect = function (this: SessionProto, transactionId: number) {
  const m = markOfThis(this);
  m.accept = performance.now();
  acceptConnect.call(this, transactionId);
  m.written = performance.now();
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] * 100) / 100;
};
const tmp = mkdtempSync(join(tmpdir(), 'sg-connect-trace-'));
const ingest = await startIngest(
  loadConfig({
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
  }),
  { log: silentLogger },
);
const url = `rtmp://127.0.0.1:${ingest.ports.rtmp}/live/bench`;
const children: ChildProcess[] = [];
try {
  if (args.publish) {
    if (!existsSync(args.source)) throw new Error(`no ${args.source}: run npm run bench -- --quick once (it encodes it)`);
    children.push(
      spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-re', '-stream_loop', '-1', '-i', args.source, '-c', 'copy', '-f', 'flv', url], {
        stdio: 'ignore',
      }),
    );
    for (let i = 0; i < 100 && !ingest.hub.isLive('live/bench'); i++) await sleep(100);
    await sleep(2000);
    marks.clear();
  }
  const load = spawn(
    process.execPath,
    [join(benchDir, 'rtmp-load.mjs'), '--url', url, '--n', String(n), '--ramp', args.ramp, '--warmup', '1', '--duration', '2',
      '--connect-timeout', '8', '--json', join(tmp, 'load.json'), '--quiet'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(load);
  await new Promise<void>((resolve) => load.on('exit', () => resolve()));
  const all = [...marks.values()].filter((m) => m.c2 !== undefined && m.written !== undefined);
  const step = (from: keyof Marks, to: keyof Marks) => {
    const xs = all.map((m) => m[to]! - m[from]!);
    return { p50: pct(xs, 50), p95: pct(xs, 95), max: pct(xs, 100) };
  };
  const client = JSON.parse(readFileSync(join(tmp, 'load.json'), 'utf8')).players;
  process.stdout.write(
    JSON.stringify(
      {
        n,
        publishing: args.publish,
        connections: all.length,
        serverMs: {
          c2ReadToConnectRead: step('c2', 'connectRead'),
          connectReadToDecoded: step('connectRead', 'decoded'),
          decodedToAccept: step('decoded', 'accept'),
          acceptToWritten: step('accept', 'written'),
          c2ReadToWritten: step('c2', 'written'),
        },
        clientMs: { connectAnswer: client.connectAnswerMs, receivingMedia: client.receivingMedia },
      },
      null,
      1,
    ) + '\n',
  );
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await ingest.close();
  rmSync(tmp, { recursive: true, force: true });
}
