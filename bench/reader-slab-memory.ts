/**
 * What a reader of a stream costs its RTMP publisher in memory: does the publisher reuse its 64 KiB
 * slabs (ByteSlab) while the reader watches, or allocate new ones that only the collector frees?
 *
 *   node --expose-gc --import tsx bench/reader-slab-memory.ts --reader srt|hls|rtmps|none [--mb 60] [--repo DIR]
 *
 * An in-process ingest (--repo DIR: that checkout's sources, e.g. main before a change) gets an RTMP
 * publish of distinct 8000-byte H.264 frames at about 10 MB/s (50 frames every 40 ms) until --mb
 * megabytes went in, with one reader: an SRT player (this checkout's SrtClient, reading), the HLS
 * output (started by one playlist request), an RTMPS player (this checkout's RtmpTestClient over
 * TLS with the test fixtures' certificate, reading), or none. Printed: 64 KiB buffers allocated with
 * Buffer.allocUnsafeSlow during the publish (the publisher's new slabs, plus the shared read buffer),
 * full (mark-compact) collections, and after a forced GC the process's RSS and ArrayBuffer memory.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { distinctVideoFrame, fixtureVideoConfig } from '#test/support/distinct-video-frames.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { freeUdpPort } from '#test/support/udp.js';
import { SrtClient } from '#ingest/relay/srt-client.js';

const { values: a } = parseArgs({
  options: {
    reader: { type: 'string', default: 'srt' },
    mb: { type: 'string', default: '60' },
    repo: { type: 'string', default: resolve(import.meta.dirname, '..') },
  },
});
const repo = resolve(a.repo!);
const mod = async <T>(path: string): Promise<T> => (await import(pathToFileURL(join(repo, path)).href)) as T;

// Counts the slabs: ByteSlab allocates each with Buffer.allocUnsafeSlow(64 KiB).
let slabs = 0;
const allocUnsafeSlow = Buffer.allocUnsafeSlow;
Buffer.allocUnsafeSlow = (size: number) => {
  if (size === 64 * 1024) slabs++;
  return allocUnsafeSlow(size);
};
let markCompacts = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) markCompacts++;
}).observe({ entryTypes: ['gc'] });

type Running = { ports: Record<string, number>; close(): Promise<void> };
const { loadConfig } = await mod<{ loadConfig(env: Record<string, string>): { srtPort: number } }>('ingest/src/config.ts');
const { startIngest } = await mod<{ startIngest(c: unknown, d: unknown): Promise<Running> }>('ingest/src/start-ingest.ts');
const { createLogger } = await mod<{ createLogger(level: string): unknown }>('domain/src/logger.ts');
const srtPort = await freeUdpPort();
const config = loadConfig({
  STREAMGATE_AUTH: 'off', STREAMGATE_HOST: '127.0.0.1', STREAMGATE_RTMP_PORT: '0', STREAMGATE_RTMPS_PORT: '0', STREAMGATE_HTTP_PORT: '0', STREAMGATE_FLV_PORT: '0',
  STREAMGATE_RELAY_FLV_PORT: '0', STREAMGATE_TS_PORT: '0', STREAMGATE_RTSP_PORTS: '0', STREAMGATE_ADMIN_PORT: '0', STREAMGATE_SRT_PORT: String(srtPort),
  STREAMGATE_DATA_DIR: join(import.meta.dirname, '.cache', 'reader-slab-memory'),
  STREAMGATE_TLS_CERT: join(import.meta.dirname, '..', 'test', 'fixtures', 'tls', 'localhost-cert.pem'),
  STREAMGATE_TLS_KEY: join(import.meta.dirname, '..', 'test', 'fixtures', 'tls', 'localhost-key.pem'),
});
const ingest = await startIngest(config, { log: createLogger('warn') });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const publisher = new RtmpTestClient();
await publisher.connect(`rtmp://127.0.0.1:${ingest.ports.rtmp}/live`);
await publisher.publish('mem');
publisher.sendFrame(fixtureVideoConfig());
publisher.sendFrame(distinctVideoFrame(0));
let srt: SrtClient | undefined;
let framesRead = 0;
let rtmps: RtmpTestClient | undefined;
if (a.reader === 'srt') {
  let started = false;
  srt = new SrtClient({
    endpoint: { host: '127.0.0.1', port: srtPort, streamId: 'read:live/mem', keyLength: 16, latencyMs: 2000 },
    mode: 'read',
    allowPrivate: true,
    timeoutMs: 5000,
    onStart: () => (started = true),
    onFrame: (f) => {
      if (f.kind === 'video') framesRead++;
    },
    onClose: () => undefined,
  });
  srt.start();
  while (!started) await sleep(5);
} else if (a.reader === 'rtmps') {
  rtmps = new RtmpTestClient();
  await rtmps.connect(`rtmps://127.0.0.1:${ingest.ports.rtmps}/live`);
  await rtmps.play('mem');
} else if (a.reader === 'hls') {
  void fetch(`http://127.0.0.1:${ingest.ports.http}/live/mem/index.m3u8`).then((r) => r.text());
  await sleep(100);
}
await sleep(200);
/** Counts the RTMPS player's video frames and lets go of them (the client keeps every message it gets). */
function countRtmpsFrames(): void {
  if (rtmps === undefined) return;
  for (const m of rtmps.received) if (m.kind === 'media' && m.frame?.kind === 'video') framesRead++;
  rtmps.received.length = 0;
}
const frames = Math.round((Number(a.mb) * 1e6) / 8000);
slabs = 0;
markCompacts = 0;
const t0 = performance.now();
for (let i = 1; i < frames; i++) {
  publisher.sendFrame(distinctVideoFrame(i));
  if (i % 50 === 49) {
    await sleep(40);
    countRtmpsFrames();
  }
}
await sleep(500);
countRtmpsFrames();
const seconds = (performance.now() - t0) / 1000;
const published = { slabs, markCompacts };
(globalThis as { gc?: () => void }).gc?.();
const m = process.memoryUsage();
console.log(
  JSON.stringify({
    repo,
    reader: a.reader,
    mbPublished: Number(((frames * 8000) / 1e6).toFixed(1)),
    seconds: Number(seconds.toFixed(1)),
    slabsAllocated: published.slabs,
    markCompacts: published.markCompacts,
    framesRead: a.reader === 'srt' || a.reader === 'rtmps' ? framesRead : undefined,
    rssMbAfterGc: Number((m.rss / 1e6).toFixed(1)),
    arrayBuffersMbAfterGc: Number((m.arrayBuffers / 1e6).toFixed(1)),
  }),
);
srt?.close();
await rtmps?.close();
await publisher.close();
await ingest.close();
process.exit(0);
