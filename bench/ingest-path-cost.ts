/**
 * The user-space CPU cost of streamgate's media path in one process, without sockets or a
 * scheduler in the way: M RTMP publish sessions (RtmpServerSession, fed the bench source's bytes as
 * an encoder sends them, one message per read), the hub, and K RTMP players per stream (the shared
 * player encoder; what they would write is counted, not sent). The figure is CPU time per MB
 * published, stable on a loaded machine where the side-by-side bench is not (CPU time is what the
 * code costs; the scheduler only adds waiting). Run it against another checkout with --repo DIR to
 * compare before and after a change:
 *
 *   node --import tsx bench/ingest-path-cost.ts --streams 100 --players 1 [--seconds 30] [--repo DIR]
 *
 * The source is bench/.cache/testsrc2-720p30-2500k-aac128k-30s.flv (run-peers.sh encodes it).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values: a } = parseArgs({
  options: {
    streams: { type: 'string', default: '100' },
    players: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '3' },
    repo: { type: 'string', default: resolve(import.meta.dirname, '..') },
    source: { type: 'string' },
  },
});
const repo = resolve(a.repo);
const M = Number(a.streams);
const K = Number(a.players);
const mod = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(repo, path)).href)) as T;

type Frame = { kind: string };
type Sink = { id: string; protocol: string; keepsNoFrameViews?: boolean; onPublish(): void; write(frames: readonly Frame[], shared: boolean): boolean; onUnpublish(): void; onEnd(): void };
const { Hub } = await mod<{ Hub: new (o: unknown) => { publish(p: string, i: unknown): { ok: boolean; publication: { push(f: Frame): void } }; subscribe(p: string, s: Sink): unknown } }>('ingest/src/hub/hub.ts');
const { RtmpServerSession } = await mod<{ RtmpServerSession: new (o: unknown) => { feed(b: Uint8Array): void; acceptConnect(t: number): void; acceptPublish(s: number, n: string): void; authorizeInput?(): void } }>('ingest/src/protocols/rtmp/rtmp-server-session.ts');
const { encodeMessageChunks } = await mod<{ encodeMessageChunks(m: unknown, c: number): Buffer }>('ingest/src/protocols/rtmp/chunk-encoder.ts');
const { encodeAmf0 } = await mod<{ encodeAmf0(...v: unknown[]): Uint8Array }>('ingest/src/protocols/amf/amf0-encoder.ts');
const { RtmpPlayerEncoder } = await mod<{ RtmpPlayerEncoder: new (c: number, s: number, a: boolean, v: boolean) => { bytes?(f: readonly Frame[]): Buffer; batchParts?(f: readonly Frame[]): readonly Buffer[]; parts(f: readonly Frame[]): Buffer[] } }>('ingest/src/servers/rtmp/rtmp-player-encoder.ts');

// The publisher's bytes: handshake, connect, createStream, publish, Set Chunk Size 4096, then one
// buffer per FLV tag of the source (chunked at 4096), as ffmpeg writes them.
const source = readFileSync(a.source ?? join(import.meta.dirname, '.cache/testsrc2-720p30-2500k-aac128k-30s.flv'));
const cmd = (csid: number, streamId: number, ...values: unknown[]): Buffer =>
  encodeMessageChunks({ chunkStreamId: csid, timestamp: 0, typeId: 20, streamId, payload: Buffer.from(encodeAmf0(...values)) }, 128);
const setup = Buffer.concat([
  Buffer.from([3]), Buffer.alloc(1536), Buffer.alloc(1536),
  cmd(3, 0, 'connect', 1, { app: 'live', tcUrl: 'rtmp://127.0.0.1/live' }),
  cmd(3, 0, 'createStream', 2, null),
  cmd(4, 1, 'publish', 3, null, 'bench', 'live'),
  encodeMessageChunks({ chunkStreamId: 2, timestamp: 0, typeId: 1, streamId: 0, payload: Buffer.from([0, 0, 0x10, 0]) }, 128),
]);
const reads: Buffer[] = [];
let mediaBytes = 0;
for (let o = source.readUInt32BE(5) + 4; o + 11 <= source.length; ) {
  const type = source[o]!;
  const size = source.readUIntBE(o + 1, 3);
  const ts = (source.readUIntBE(o + 4, 3) | (source[o + 7]! << 24)) >>> 0;
  const body = source.subarray(o + 11, o + 11 + size);
  o += 11 + size + 4;
  if (type !== 8 && type !== 9) continue;
  reads.push(encodeMessageChunks({ chunkStreamId: type === 9 ? 6 : 4, timestamp: ts, typeId: type, streamId: 1, payload: body }, 4096));
  mediaBytes += size;
}
const sourceSeconds = 30;

// The time the collector paused the main thread, by kind (perf_hooks 'gc' entries).
const { PerformanceObserver, constants } = await import('node:perf_hooks');
const gcMs = { minor: 0, major: 0, incremental: 0, weak: 0 };
const gcCount = { minor: 0, major: 0, incremental: 0, weak: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail: { kind: number } }).detail.kind;
    const k = kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : kind === constants.NODE_PERFORMANCE_GC_MAJOR ? 'major' : kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL ? 'incremental' : 'weak';
    gcMs[k] += e.duration;
    gcCount[k] += 1;
  }
}).observe({ entryTypes: ['gc'] });
// Reads land in one buffer reused for every read, as the server's shared read buffer does.
const readBuffer = Buffer.allocUnsafeSlow(Math.max(...reads.map((r) => r.length)));

async function once(): Promise<{ cpuMs: number; mb: number; outMb: number; rssMb: number; gcMs: typeof gcMs; gcCount: typeof gcCount }> {
  const hub = new Hub({ gop: { maxBytes: 8 << 20, maxDurationMs: 10_000 }, reader: { maxQueueBytes: 8 << 20, maxBlockedMs: 10_000 }, waitForPublisherMs: 30_000 });
  let out = 0;
  const sessions = Array.from({ length: M }, (_, i) => {
    const path = `live/bench${i}`;
    let publication: { push(f: Frame): void } | undefined;
    const session = new RtmpServerSession({
      send: () => true,
      onEvent: (e: { type: string; transactionId: number; streamId: number; name: string; frame: Frame }) => {
        if (e.type === 'connect') session.acceptConnect(e.transactionId);
        else if (e.type === 'publish') {
          session.acceptPublish(e.streamId, e.name);
          session.authorizeInput?.(); // as the server does once a publish is allowed
          const r = hub.publish(path, { id: `p${i}`, protocol: 'rtmp', remoteAddress: 'x', kick: () => undefined });
          publication = r.publication;
        } else if (e.type === 'frame') publication?.push(e.frame);
      },
    });
    session.feed(setup);
    const encoder = new RtmpPlayerEncoder(4096, 1, true, true);
    for (let k = 0; k < K; k++) {
      hub.subscribe(path, {
        // as the RTMP player over plain TCP: what it cannot write at once it copies
        id: `r${i}-${k}`, protocol: 'rtmp', keepsNoFrameViews: true, onPublish: () => undefined, onUnpublish: () => undefined, onEnd: () => undefined,
        write: (frames, shared) => {
          if (shared && encoder.batchParts) for (const p of encoder.batchParts(frames)) out += p.byteLength;
          else if (shared && encoder.bytes) out += encoder.bytes(frames).byteLength;
          else for (const p of encoder.parts(frames)) out += p.byteLength;
          return true;
        },
      });
    }
    return session;
  });
  const loops = Math.max(1, Math.round(Number(a.seconds) / sourceSeconds));
  for (const k of Object.keys(gcMs) as (keyof typeof gcMs)[]) gcMs[k] = gcCount[k] = 0;
  const t0 = process.cpuUsage();
  for (let l = 0; l < loops; l++) {
    for (const read of reads) {
      for (const s of sessions) {
        read.copy(readBuffer);
        s.feed(readBuffer.subarray(0, read.length));
      }
      await new Promise((r) => setImmediate(r)); // the hub's flush of this tick
    }
  }
  const used = process.cpuUsage(t0);
  await new Promise((r) => setImmediate(r)); // the observer's last entries
  const rssMb = Math.round(process.memoryUsage().rss / 1e5) / 10;
  return { cpuMs: (used.user + used.system) / 1000, mb: (mediaBytes * loops * M) / 1e6, outMb: out / 1e6, rssMb, gcMs: { ...gcMs }, gcCount: { ...gcCount } };
}

const results = [];
for (let r = 0; r < Number(a.rounds); r++) {
  const x = await once();
  results.push(x);
  const gc = (k: keyof typeof gcMs): string => `${k} ${x.gcCount[k]}/${x.gcMs[k].toFixed(0)} ms`;
  process.stderr.write(
    `round ${r + 1}: ${(x.cpuMs / x.mb).toFixed(2)} CPU ms per MB published (${x.mb.toFixed(0)} MB in, ${x.outMb.toFixed(0)} MB out; ` +
      `GC pauses ${gc('minor')}, ${gc('major')}, ${gc('incremental')} of ${x.cpuMs.toFixed(0)} CPU ms; RSS ${x.rssMb} MB at the end)\n`,
  );
}
const best = Math.min(...results.map((x) => x.cpuMs / x.mb));
console.log(JSON.stringify({ repo, streams: M, playersPerStream: K, rounds: results.length, cpuMsPerMbPublishedMin: Number(best.toFixed(3)), results }));
