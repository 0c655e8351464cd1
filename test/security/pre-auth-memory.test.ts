/**
 * What an unauthenticated RTMP client can make the server hold (pre-auth memory). Real sockets
 * against a real ingest in this process; memory is the process's heap + arrayBuffers after full
 * collections (RSS under the same attack is measured by bench/pre-auth-memory.ts).
 *
 * On the code before the pending-bytes budget, the first three tests fail: a connection that never
 * sent `connect` kept every half-received message (15 MiB for the first, 3.5 MiB for the second,
 * ~350 MiB for the hundred sockets of the third), and the fourth fails because nothing refused new
 * connections however much was held.
 */
import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { collectFrames } from '../support/collect-frames.js';
import { rawExchange } from '../support/raw-exchange.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';
import { sendPartialMessages, type PartialMessagesRun } from '../support/rtmp-partial-messages.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const KiB = 1024;
const MiB = 1024 * KiB;

/** Heap + ArrayBuffer bytes after full collections. */
async function held(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** An FLV audio payload (AAC raw frame) of `size` bytes. */
function audioFrame(size: number): Uint8Array {
  const p = new Uint8Array(size);
  p[0] = 0xaf;
  p[1] = 1;
  return p;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('pre-auth memory: what an unauthenticated RTMP connection can make the server hold', () => {
  // Log lines are kept in memory by the harness: info, so the measurement is not about them.
  const t = useTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS: '200' });
  let runs: PartialMessagesRun[] = [];
  afterEach(async () => {
    for (const r of runs) r.socket.destroy();
    runs = [];
    // The server sees the closes a little later: the next measurement starts from none open.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && t.ingest.registry.size > 0) await sleep(20);
  });

  const port = (): number => t.ingest.ports.rtmp;
  const closeCodes = (): unknown[] => t.logs.filter((l) => l.event === 'rtmp.protocol-error').map((l) => l.code);

  it('refuses the reported attack (chunk size 1 MiB, 8 MiB messages on 60 chunk streams) at once and holds < 1 MiB for it', async () => {
    const before = await held();
    const run = await sendPartialMessages(port(), '127.0.0.1', { chunkStreams: 60, bytesPerStream: 1 * MiB });
    runs.push(run);
    await sleep(100);
    const during = await held();
    expect(during - before).toBeLessThan(1 * MiB);
    expect(run.socket.destroyed || run.closedEarly).toBe(true);
    expect(closeCodes()).toContain('RTMP_MESSAGE_TOO_LONG');
    expect(t.ingest.context.pendingBytes.used).toBe(0);
  });

  it('bounds the sum of half-received messages over all chunk streams before connect (PENDING_BYTES_LIMIT)', async () => {
    const before = await held();
    // Every message is under the unauthorized message limit; together they are not.
    const run = await sendPartialMessages(port(), '127.0.0.1', { chunkStreams: 60, bytesPerStream: 48 * KiB, messageLength: 60 * KiB, chunkSize: 16 * KiB });
    runs.push(run);
    await sleep(100);
    const during = await held();
    expect(during - before).toBeLessThan(1 * MiB);
    expect(closeCodes()).toContain('PENDING_BYTES_LIMIT');
    expect(t.ingest.context.pendingBytes.used).toBe(0);
  });

  it('100 unauthenticated connections together hold < 64 MiB, and give it all back when they close', async () => {
    const before = await held();
    const plan = { chunkStreams: 60, bytesPerStream: 48 * KiB, messageLength: 60 * KiB, chunkSize: 16 * KiB };
    // Two that stay just under the bound, so the hold is measured with sockets still open.
    const quiet = { chunkStreams: 2, bytesPerStream: 48 * KiB, messageLength: 60 * KiB, chunkSize: 16 * KiB };
    runs = await Promise.all(Array.from({ length: 100 }, (_, i) => sendPartialMessages(port(), '127.0.0.1', i % 2 === 0 ? plan : quiet)));
    await sleep(200);
    const during = await held();
    expect(during - before).toBeLessThan(64 * MiB);
    // The quiet half is still open, holding what it sent, and counted.
    expect(runs.filter((r, i) => i % 2 === 1 && !r.socket.destroyed).length).toBe(50);
    expect(t.ingest.context.pendingBytes.used).toBeGreaterThan(50 * 90 * KiB);
    expect(t.ingest.context.pendingBytes.used).toBeLessThan(50 * 128 * KiB);
    expect(t.ingest.metrics.registry.render()).toMatch(new RegExp(`^streamgate_pending_bytes ${t.ingest.context.pendingBytes.used}$`, 'm'));
    for (const r of runs) r.socket.destroy();
    await sleep(200);
    expect(t.ingest.context.pendingBytes.used).toBe(0);
    const after = await held();
    expect(after - before).toBeLessThan(4 * MiB);
  });

  it('an authorized publisher\'s 8 MiB keyframe still passes', async () => {
    const { frames } = collectFrames(t.ingest.hub, 'live/big');
    const c = new RtmpTestClient({ chunkSize: 60_000 });
    await c.connect(t.rtmpUrl('live'));
    expect((await c.publish('big')).code).toBe('NetStream.Publish.Start');
    const avcC = Uint8Array.from([1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f, 1, 0, 4, 0x68, 0xee, 0x3c, 0x80]);
    c.sendFrame({ kind: 'video', codec: 'h264', dts: 0, pts: 0, keyframe: true, config: true, data: avcC } as unknown as MediaFrame);
    const nal = new Uint8Array(8 * MiB - 64);
    nal.set([0, 0, 0, 0], 0);
    new DataView(nal.buffer).setUint32(0, nal.length - 4);
    nal[4] = 0x65;
    c.sendFrame({ kind: 'video', codec: 'h264', dts: 40, pts: 40, keyframe: true, data: nal } as unknown as MediaFrame);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !frames.some((f) => f.kind === 'video' && (f as { data?: Uint8Array }).data!.length > 7 * MiB)) {
      await sleep(50);
    }
    expect(frames.some((f) => f.kind === 'video' && (f as { data?: Uint8Array }).data!.length > 7 * MiB)).toBe(true);
    expect(c.isClosed).toBe(false);
    await c.close();
  });
});

describe('pre-auth memory: the process-wide budget', () => {
  const t = useTestIngest({ STREAMGATE_MAX_PENDING_BYTES: String(512 * KiB), STREAMGATE_LOG_LEVEL: 'info' });

  it('once all partial data reaches the budget, new connections are refused while an established publisher goes on', async () => {
    const publisher = new RtmpTestClient({ chunkSize: 60_000 });
    await publisher.connect(t.rtmpUrl('live'));
    expect((await publisher.publish('cam')).code).toBe('NetStream.Publish.Start');
    // Five unauthenticated sockets fill the budget (each under its own bound): no room is left
    // for one more connection's pre-auth bound.
    const holders = await Promise.all(
      Array.from({ length: 5 }, () => sendPartialMessages(t.ingest.ports.rtmp, '127.0.0.1', { chunkStreams: 2, bytesPerStream: 48 * KiB, messageLength: 60 * KiB, chunkSize: 16 * KiB })),
    );
    await sleep(100);
    // A new connection now: refused at accept, with a coded log line.
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(t.ingest.ports.rtmp, '127.0.0.1');
      s.on('error', () => undefined);
      s.on('close', () => resolve(true));
      setTimeout(() => resolve(false), 2000);
      s.resume();
    });
    expect(refused).toBe(true);
    expect(t.logs.some((l) => l.event === 'connection.refused' && l.code === 'PENDING_BYTES_BUDGET_EXHAUSTED')).toBe(true);
    expect(t.ingest.context.pendingBytes.exhausted).toBe(true);
    // The established publisher goes on, 1 MiB frames included.
    const { frames } = collectFrames(t.ingest.hub, 'live/cam');
    publisher.sendRaw({ chunkStreamId: 6, timestamp: 0, typeId: 8, streamId: 1, payload: audioFrame(1 * MiB) });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && frames.length === 0) await sleep(50);
    expect(frames.length).toBeGreaterThan(0);
    expect(publisher.isClosed).toBe(false);
    expect(t.ingest.hub.isLive('live/cam')).toBe(true);
    for (const h of holders) h.socket.destroy();
    await sleep(200);
    expect(t.ingest.context.pendingBytes.exhausted).toBe(false);
    await publisher.close();
  });
});

describe('pre-auth memory: HTTP', () => {
  const t = useTestIngest({ STREAMGATE_LOG_LEVEL: 'info' });

  /** Sends `head` (and `body`), resolves with the status line the server answered, or '' when it just closed. */
  async function request(head: string, body = Buffer.alloc(0), keepOpen?: (s: net.Socket) => void): Promise<string> {
    return (await rawExchange(t.ingest.ports.http, [head, body], { keepOpen })).split('\r\n')[0] ?? '';
  }

  it('a declared Content-Length costs nothing until the body is sent', async () => {
    const before = await held();
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 50; i++) {
      void request(`POST /send/x/1 HTTP/1.1\r\nHost: h\r\nContent-Length: ${1024 * 1024}\r\n\r\n`, undefined, (s) => sockets.push(s));
    }
    await sleep(300);
    const during = await held();
    // The old parser allocated every declared body at once: 50 MiB here.
    expect(during - before).toBeLessThan(8 * MiB);
    for (const s of sockets) s.destroy();
  });

  it('a body past the unauthenticated bound is refused with 413 PENDING_BYTES_LIMIT', async () => {
    const status = await request(`POST /send/x/1 HTTP/1.1\r\nHost: h\r\nContent-Length: ${512 * 1024}\r\n\r\n`, Buffer.alloc(512 * 1024));
    expect(status).toMatch(/^HTTP\/1\.1 413 /);
    // Given back when the server's side of the socket closes.
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && t.ingest.context.pendingBytes.used > 0) await sleep(20);
    expect(t.ingest.context.pendingBytes.used).toBe(0);
  });
});
