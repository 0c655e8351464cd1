import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { Hub } from '#ingest/hub/hub.js';
import { createLogger, silentLogger } from '#domain/logger.js';
import { ByteSlab } from '#ingest/media/byte-slab.js';
import { buildOpusHead } from '#ingest/media/opus-head.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { createMetricsSetup } from '#ingest/metrics/metrics-setup.js';
import type { ConnectionEntry } from '#ingest/servers/connection-registry.js';
import { serveHttpFlv } from '#ingest/servers/http/http-flv-reader.js';
import { readFlv, syntheticFrames } from '#test/ingest/protocols/flv/synthetic-av.js';
import { sleep } from '#test/support/wait.js';

function setup(maxBlockedMs = 10_000, maxQueueBytes = 64 * 1024) {
  const hub = new Hub({
    gop: { maxBytes: 8 << 20, maxDurationMs: 10_000 },
    reader: { maxQueueBytes, maxBlockedMs },
    waitForPublisherMs: 30_000,
  });
  const pub = hub.publish('live/s', { id: 'p', protocol: 'test', remoteAddress: 'x', kick: () => undefined });
  if (!pub.ok) throw new Error('busy');
  const entry: ConnectionEntry = { id: 'c1', protocol: 'http', remoteAddress: 'x', since: 0, bytesIn: () => 0, bytesOut: () => 0, kick: () => undefined };
  const socket = new Socket();
  // Unconnected: ending it reports ERR_SOCKET_CLOSED, which the HTTP connection would swallow.
  socket.on('error', () => undefined);
  const metrics = createMetricsSetup();
  return { hub, publication: pub.publication, entry, socket, metrics };
}

/** Strips the response head and the chunked framing of what the reader wrote. */
function flvBody(written: Uint8Array[]): Uint8Array {
  const all = Buffer.concat(written);
  let pos = all.indexOf('\r\n\r\n') + 4;
  const parts: Buffer[] = [];
  for (;;) {
    const lf = all.indexOf('\r\n', pos);
    if (lf === -1) break;
    const size = parseInt(all.subarray(pos, lf).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(all.subarray(lf + 2, lf + 2 + size));
    pos = lf + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

describe('serveHttpFlv (one HTTP-FLV reader on a socket)', () => {
  it('writes a chunked FLV response whose tags are every frame pushed, then ends with the publisher', async () => {
    const { hub, publication, entry, socket } = setup(10_000, 8 << 20);
    const written: Uint8Array[] = [];
    serveHttpFlv(socket, { path: 'live/s', version: '1.1', head: false, opus: true }, entry, { hub, log: silentLogger }, (b) => (written.push(b), true));
    const frames = syntheticFrames();
    for (const f of frames) publication.push(f);
    await sleep(10);
    publication.end();
    const head = Buffer.from(written[0]!).toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toContain('Transfer-Encoding: chunked');
    const { tags } = readFlv(flvBody(written));
    expect(tags.filter((t) => t.tagType === 9).length).toBe(frames.filter((f) => f.kind === 'video' || f.kind === 'video-config').length);
    expect(entry.role).toBe('player');
    // The body ends with the last chunk once the publisher is gone.
    expect(Buffer.from(written.at(-1)!).toString('latin1')).toBe('0\r\n\r\n');
  });

  it('writes the very same buffer to every reader in step (encoded once per tick, not per reader)', async () => {
    const { hub, publication, entry, socket } = setup(10_000, 8 << 20);
    const frames = syntheticFrames();
    const keyframes = frames.flatMap((f, i) => (f.kind === 'video' && f.keyframe ? [i] : []));
    for (const f of frames.slice(0, keyframes[1])) publication.push(f);
    await sleep(5);
    const writes: Uint8Array[][] = [[], []];
    for (const w of writes) {
      const other = new Socket();
      other.on('error', () => undefined);
      serveHttpFlv(other, { path: 'live/s', version: '1.1', head: false, opus: true }, { ...entry }, { hub, log: silentLogger }, (b) => (w.push(b), true));
    }
    await sleep(20); // both catch up from the GOP cache and join the stream's batches
    const before = writes.map((w) => w.length);
    publication.push(frames[keyframes[1]!]!);
    await sleep(5);
    const [a, b] = writes.map((w, i) => w.slice(before[i]));
    expect(a).toHaveLength(1);
    expect(a![0]).toBe(b![0]);
    // Both bodies stay valid FLV on the stream's timeline.
    for (const w of writes) expect(readFlv(flvBody(w)).tags.at(-1)!.timestamp).toBe(Math.round((frames[keyframes[1]!] as { dts: number }).dts));
    void socket;
  });

  it('lets the publisher reuse the memory of frames it wrote: its tags are copies, never views of the frames', async () => {
    const { hub, publication, entry, socket } = setup(10_000, 8 << 20);
    const written: Uint8Array[] = [];
    serveHttpFlv(socket, { path: 'live/s', version: '1.1', head: false, opus: true }, entry, { hub, log: silentLogger }, (b) => (written.push(b), true));
    // Frames carved from a publisher's slabs as the RTMP chunk decoder carves them: four per slab,
    // a keyframe every four, so the GOP cache lets a slab go as the next one fills.
    const slab = new ByteSlab(1024);
    const slabs = new Set<ArrayBufferLike>();
    const FRAMES = 40;
    for (let i = 0; i < FRAMES; i++) {
      const piece = slab.take(256).fill(i);
      slabs.add(piece.buffer);
      publication.push({ kind: 'video', codec: 'h264', dts: i * 40, pts: i * 40, keyframe: i % 4 === 0, data: new Uint8Array(piece.buffer, piece.byteOffset, 256) });
      slab.giveBack(piece);
      await sleep(1);
    }
    // Ten slabs if none had been reused (a reader that pins what it is given).
    expect(slabs.size).toBeLessThan(FRAMES / 4 / 2);
    const video = readFlv(flvBody(written)).tags.filter((t) => t.tagType === 9);
    expect(video).toHaveLength(FRAMES);
    video.forEach((t, i) => {
      expect(t.timestamp).toBe(i * 40);
      expect(Buffer.from(t.body.subarray(5)).equals(Buffer.alloc(256, i))).toBe(true);
    });
  });

  it('holds frames back while the socket reports a full buffer and resumes on drain', async () => {
    const { hub, publication, entry, socket } = setup();
    const written: Uint8Array[] = [];
    let full = true;
    serveHttpFlv(socket, { path: 'live/s', version: '1.1', head: false, opus: true }, entry, { hub, log: silentLogger }, (b) => (written.push(b), !full));
    const frames = syntheticFrames().filter((f) => f.kind !== 'audio');
    publication.push(frames[0]!);
    publication.push(frames[1]!);
    await sleep(5);
    const afterFirst = written.length;
    for (const f of frames.slice(2, 6)) publication.push(f);
    await sleep(5);
    expect(written.length).toBe(afterFirst);
    full = false;
    socket.emit('drain');
    await sleep(5);
    expect(written.length).toBe(afterFirst + 1);
  });

  it('disconnects a reader blocked past the deadline and counts it as a slow reader', async () => {
    const { hub, publication, entry, socket, metrics } = setup(100);
    serveHttpFlv(socket, { path: 'live/s', version: '1.1', head: false, opus: true }, entry, { hub, log: silentLogger, metrics: metrics.ingest }, () => false);
    const frames = syntheticFrames();
    let i = 0;
    const until = Date.now() + 2000;
    while (!socket.destroyed && Date.now() < until) {
      publication.push(frames[i++ % frames.length]!);
      await sleep(10);
    }
    expect(socket.destroyed).toBe(true);
    expect(metrics.ingest.slowReadersDisconnected.get({ protocol: 'http-flv' })).toBe(1);
    expect(hub.streamInfo('live/s')!.readers).toBe(0);
  });

  it('leaves Opus out for a reader that did not announce it (video only in the header flags) and logs it once; a reader that did gets it', async () => {
    const { hub, publication, entry } = setup(10_000, 8 << 20);
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('info', (line) => lines.push(JSON.parse(line) as Record<string, unknown>));
    const video = syntheticFrames().filter((f) => f.kind === 'video' || f.kind === 'video-config');
    const opus: MediaFrame[] = [{ kind: 'audio-config', codec: 'opus', record: buildOpusHead(2), sampleRate: 48000, channels: 2 }];
    for (const f of video) {
      publication.push(f);
      if (f.kind === 'video') opus.push({ kind: 'audio', codec: 'opus', dts: f.dts, data: Uint8Array.of(0xfc, 1, 2, 3) });
    }
    for (const f of opus) publication.push(f);
    const written: Uint8Array[][] = [[], []];
    for (const [i, reads] of [false, true].entries()) {
      const socket = new Socket();
      socket.on('error', () => undefined);
      serveHttpFlv(socket, { path: 'live/s', version: '1.1', head: false, opus: reads }, { ...entry, id: `c${i}` }, { hub, log }, (b) => (written[i]!.push(b), true));
    }
    await sleep(10);
    for (const f of opus.slice(1, 4)) if (f.kind === 'audio') publication.push({ ...f, dts: f.dts + 100_000 });
    await sleep(10);
    publication.end();
    const [classic, enhanced] = written.map((w) => readFlv(flvBody(w)));
    expect(classic!.tags.filter((t) => t.tagType === 8)).toHaveLength(0);
    expect(classic!.flags).toBe(0x01);
    expect(classic!.tags.filter((t) => t.tagType === 9).length).toBeGreaterThan(0);
    expect(enhanced!.tags.filter((t) => t.tagType === 8).length).toBeGreaterThan(0);
    expect(enhanced!.flags).toBe(0x05);
    const omitted = lines.filter((l) => l.event === 'http-flv.play-audio-omitted');
    expect(omitted).toEqual([expect.objectContaining({ conn: 'c0', path: 'live/s', codec: 'opus' })]);
  });

  it('answers HEAD with the head alone and subscribes nothing', () => {
    const { hub, entry, socket } = setup();
    const written: Uint8Array[] = [];
    serveHttpFlv(socket, { path: 'live/s', version: '1.1', head: true, opus: true }, entry, { hub, log: silentLogger }, (b) => (written.push(b), true));
    expect(written).toHaveLength(1);
    expect(hub.streamInfo('live/s')!.readers).toBe(0);
  });
});
