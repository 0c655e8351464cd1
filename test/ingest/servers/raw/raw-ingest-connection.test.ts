import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError } from '#ingest/config.js';
import { Hub } from '#ingest/hub/hub.js';
import { createLogger } from '#domain/logger.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { PendingBytesBudget } from '#ingest/protocols/pending-bytes-budget.js';
import { ConnectionRegistry } from '#ingest/servers/connection-registry.js';
import { createRawAllowList } from '#ingest/servers/raw/raw-allow-list.js';
import { RawIngestConnection, type RawIngestOptions } from '#ingest/servers/raw/raw-ingest-connection.js';
import type { RawIngestInput, RawIngestOutput } from '#ingest/servers/raw/raw-ingest-input.js';
import { RawTimestampRebaser } from '#ingest/servers/raw/raw-timestamp-rebaser.js';

const video = (dts: number, keyframe = true): MediaFrame => ({ kind: 'video', codec: 'h264', dts, pts: dts + 40, keyframe, data: new Uint8Array(10) });
const audio = (dts: number): MediaFrame => ({ kind: 'audio', codec: 'aac', dts, data: new Uint8Array(10) });
const videoConfig: MediaFrame = { kind: 'video-config', codec: 'h264', record: new Uint8Array([1]) };

describe('createRawAllowList', () => {
  const allowed = createRawAllowList(['127.0.0.1/32', '::1/128', '10.0.0.0/8']);

  it('admits addresses inside the ranges, also in the IPv4-mapped form of dual-stack sockets', () => {
    expect(['127.0.0.1', '::ffff:127.0.0.1', '::1', '10.200.3.4'].map(allowed)).toEqual([true, true, true, true]);
  });

  it('refuses other and unknown addresses', () => {
    expect(['127.0.0.2', '192.168.1.1', '::2', 'garbage', undefined].map(allowed)).toEqual([false, false, false, false, false]);
  });

  it('raises ConfigError naming STREAMGATE_RAW_ALLOW_FROM for an unparsable range', () => {
    expect(() => createRawAllowList(['10.0.0.1/8'])).toThrow(ConfigError);
    expect(() => createRawAllowList(['localhost'])).toThrow(/STREAMGATE_RAW_ALLOW_FROM/);
  });
});

describe('RawTimestampRebaser', () => {
  it('starts the timeline at the earliest of the anchoring frames and keeps distances', () => {
    const r = new RawTimestampRebaser();
    r.anchor([video(1400), audio(1377)]);
    expect(r.offset).toBe(1377);
    expect(r.rebase(audio(1377))).toMatchObject({ dts: 0 });
    expect(r.rebase(video(1400))).toMatchObject({ dts: 23, pts: 63 });
    expect(r.rebase(video(11_400))).toMatchObject({ dts: 10_023 });
  });

  it('anchors on the first timed frame when not anchored, holds earlier frames at 0, passes configs', () => {
    const r = new RawTimestampRebaser();
    expect(r.rebase({ kind: 'metadata', dts: 5000, values: {} })).toMatchObject({ dts: 0 });
    expect(r.rebase(videoConfig)).toBe(videoConfig);
    expect(r.rebase(video(5000))).toMatchObject({ dts: 0, pts: 40 });
    expect(r.rebase(audio(4990))).toMatchObject({ dts: 0 });
  });
});

/** A socket stand-in: what RawIngestConnection uses of net.Socket. */
class FakeSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  destroyed = false;
  setTimeout(): this {
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

/** An input that returns scripted outputs, one per pushed chunk. */
class ScriptedInput implements RawIngestInput {
  constructor(private readonly script: (RawIngestOutput | Error)[]) {}
  push(): RawIngestOutput {
    const next = this.script.shift() ?? { frames: [] };
    if (next instanceof Error) throw next;
    return next;
  }
  end(): RawIngestOutput {
    return { frames: [] };
  }
  bufferedBytes(): number {
    return 0;
  }
}

function setup(script: (RawIngestOutput | Error)[], options: Partial<RawIngestOptions> = {}) {
  const hub = new Hub({ gop: { maxBytes: 1 << 20, maxDurationMs: 10_000 }, reader: { maxQueueBytes: 1 << 20, maxBlockedMs: 10_000 }, waitForPublisherMs: 10_000 });
  const registry = new ConnectionRegistry();
  const logs: Record<string, unknown>[] = [];
  const log = createLogger('debug', (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const socket = new FakeSocket();
  const conn = new RawIngestConnection(
    socket as unknown as Socket,
    new ScriptedInput(script),
    { protocol: 'ts-tcp', app: 'live', defaultStream: 'stream', idleTimeoutMs: 30_000, ...options },
    { hub, registry, log, state: { draining: false }, pendingBytes: new PendingBytesBudget(1 << 30) },
  );
  const received: MediaFrame[] = [];
  const read = (path: string) =>
    hub.subscribe(path, { id: 'r', protocol: 'test', onPublish: () => undefined, write: (f) => (received.push(...f), true), onUnpublish: () => undefined, onEnd: () => undefined });
  const feed = (n = 1) => {
    for (let i = 0; i < n; i++) socket.emit('data', Buffer.from([0]));
  };
  return { hub, registry, logs, socket, conn, received, read, feed };
}

describe('RawIngestConnection', () => {
  it('holds frames until audio and video both came, then publishes them from 0', async () => {
    const s = setup([{ frames: [], streamName: 'cam' }, { frames: [videoConfig, video(1400)] }, { frames: [audio(1377), video(1440)] }, { frames: [audio(1400)] }]);
    s.read('live/cam');
    s.feed(2);
    expect(s.hub.isLive('live/cam')).toBe(true);
    expect(s.logs.find((l) => l.event === 'raw.publish')).toMatchObject({ stream: 'cam', nameSource: 'input', conn: s.conn.id });
    s.feed(2);
    await vi.waitFor(() => expect(s.received.filter((f) => f.kind === 'audio')).toHaveLength(2));
    const timed = s.received.filter((f): f is Extract<MediaFrame, { dts: number }> => 'dts' in f && f.kind !== 'metadata');
    expect(timed.map((f) => [f.kind, f.dts])).toEqual([['video', 23], ['audio', 0], ['video', 63], ['audio', 23]]);
  });

  it("hands a read's frames to the hub's readers before the read returns (no loop turn), audio and video in decode order", () => {
    const s = setup([{ frames: [videoConfig, video(0), audio(0)], streamName: 'cam' }, { frames: [audio(21), video(40, false), audio(43)] }], { interleave: true });
    s.read('live/cam');
    s.feed();
    s.received.length = 0;
    s.feed();
    // Before, they waited for a setImmediate turn of the hub.
    const timed = s.received.filter((f): f is Extract<MediaFrame, { dts: number }> => f.kind === 'audio' || f.kind === 'video');
    expect(timed.map((f) => [f.kind, f.dts])).toEqual([['audio', 0], ['audio', 21], ['video', 40]]);
  });

  it('uses the default stream name with a warning once the hold bound passes without a name', () => {
    const s = setup(Array.from({ length: 5 }, (_, i) => ({ frames: [audio(i * 23)] })), { maxHeldFrames: 3 });
    s.feed(4);
    expect(s.hub.isLive('live/stream')).toBe(true);
    expect(s.logs.find((l) => l.event === 'raw.no-stream-name')).toMatchObject({ level: 'warn', stream: 'stream' });
  });

  it('closes a second publisher of a live path with RAW_STREAM_BUSY, leaving the first', () => {
    const first = setup([{ frames: [], streamName: 'cam' }]);
    first.feed();
    const second = new RawIngestConnection(
      new FakeSocket() as unknown as Socket,
      new ScriptedInput([{ frames: [], streamName: 'cam' }]),
      { protocol: 'flv-tcp', app: 'live', defaultStream: 'stream', idleTimeoutMs: 30_000 },
      { hub: first.hub, registry: first.registry, log: createLogger('debug', (l) => first.logs.push(JSON.parse(l) as Record<string, unknown>)), state: { draining: false }, pendingBytes: new PendingBytesBudget(1 << 30) },
    );
    const socket = (second as unknown as { socket: FakeSocket }).socket;
    socket.emit('data', Buffer.from([0]));
    expect(socket.destroyed).toBe(true);
    expect(first.logs.find((l) => l.event === 'raw.publish-busy')).toMatchObject({ code: 'RAW_STREAM_BUSY', conn: second.id });
    expect(first.registry.list().map((e) => e.id)).toEqual([first.conn.id]);
    expect(first.hub.isLive('live/cam')).toBe(true);
  });

  it('closes on a ProtocolError from its input with the code, connection id and address in the log, and ends the publication', () => {
    const s = setup([{ frames: [], streamName: 'cam' }, new ProtocolError('TS_BAD_PES', 'broken')]);
    s.feed();
    expect(s.hub.isLive('live/cam')).toBe(true);
    s.feed();
    expect(s.socket.destroyed).toBe(true);
    expect(s.hub.isLive('live/cam')).toBe(false);
    expect(s.logs.find((l) => l.event === 'raw.protocol-error')).toMatchObject({ code: 'TS_BAD_PES', conn: s.conn.id, remote: '127.0.0.1' });
    expect(s.logs.find((l) => l.event === 'connection.close')).toMatchObject({ reason: 'protocol-error', code: 'TS_BAD_PES', bytesIn: 2 });
    expect(s.registry.size).toBe(0);
  });

  it('refuses a stream name that cannot be a path segment with RAW_BAD_STREAM_NAME', () => {
    const s = setup([{ frames: [], streamName: '../etc' }]);
    s.feed();
    expect(s.logs.find((l) => l.event === 'raw.protocol-error')).toMatchObject({ code: 'RAW_BAD_STREAM_NAME' });
    expect(s.hub.list()).toEqual([]);
  });
});
