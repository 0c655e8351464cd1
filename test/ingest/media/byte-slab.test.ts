import { describe, expect, it } from 'vitest';
import { ByteSlab } from '#ingest/media/byte-slab.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { ChunkDecoder } from '#ingest/protocols/rtmp/chunk-decoder.js';
import { encodeMessageChunks } from '#ingest/protocols/rtmp/chunk-encoder.js';
import type { RtmpMessage } from '#ingest/protocols/rtmp/rtmp-message.js';

describe('ByteSlab', () => {
  it('carves buffers that do not overlap from one allocation until it is full', () => {
    const slab = new ByteSlab(1024);
    const a = slab.take(100).fill(1);
    const b = slab.take(200).fill(2);
    expect(a.buffer).toBe(b.buffer);
    expect(a.every((x) => x === 1) && b.every((x) => x === 2)).toBe(true);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 100);
    expect(b.byteOffset % 8).toBe(0);
    for (let i = 0; i < 4; i++) slab.take(200);
    expect(slab.take(200).buffer).not.toBe(a.buffer);
  });

  it('gives a request over a quarter of a slab a buffer of its own', () => {
    const slab = new ByteSlab(1024);
    const small = slab.take(10);
    const large = slab.take(257);
    expect(large.buffer).not.toBe(small.buffer);
    expect(large.byteLength).toBe(257);
  });
});

describe('ByteSlab reuse', () => {
  const video = (data: Uint8Array): MediaFrame => ({ kind: 'video', codec: 'h264', dts: 0, pts: 0, keyframe: false, data });
  /** Fills the current slab (1024 bytes, pieces of 256) and moves to the next one. */
  const fill = (slab: ByteSlab): Buffer[] => [slab.take(256), slab.take(256), slab.take(256), slab.take(256)];

  it('reuses a slab as soon as its pieces are given back and it is no longer carved from', () => {
    const slab = new ByteSlab(1024);
    const first = fill(slab);
    for (const p of first) slab.giveBack(p);
    expect(slab.take(256).buffer).toBe(first[0]!.buffer);
  });

  it('keeps a slab out of reuse while a holder of a frame made from it has not released it', () => {
    const slab = new ByteSlab(1024);
    const first = fill(slab);
    const frame = video(new Uint8Array(first[1]!.buffer, first[1]!.byteOffset, 256));
    ByteSlab.hold(frame);
    for (const p of first) slab.giveBack(p);
    for (let i = 0; i < 5; i++) {
      for (const p of fill(slab)) {
        expect(p.buffer).not.toBe(first[0]!.buffer);
        slab.giveBack(p);
      }
    }
    ByteSlab.release(frame);
    fill(slab); // pieces kept: this slab is not free when the next one is needed
    expect(slab.take(256).buffer).toBe(first[0]!.buffer);
  });

  it('never reuses a slab whose frames went to a reader that may keep views of them', () => {
    const slab = new ByteSlab(1024);
    const first = fill(slab);
    const frame = video(new Uint8Array(first[0]!.buffer, first[0]!.byteOffset, 256));
    ByteSlab.hold(frame);
    ByteSlab.pin([frame]);
    ByteSlab.release(frame);
    for (const p of first) slab.giveBack(p);
    for (let i = 0; i < 5; i++)
      for (const p of fill(slab)) {
        expect(p.buffer).not.toBe(first[0]!.buffer);
        slab.giveBack(p);
      }
  });

  it('takes nothing back once closed', () => {
    const slab = new ByteSlab(1024);
    const first = fill(slab);
    slab.close();
    for (const p of first) slab.giveBack(p);
    expect(slab.take(256).buffer).not.toBe(first[0]!.buffer);
    expect(fill(slab).some((p) => p.buffer === first[0]!.buffer)).toBe(false);
  });
});

describe('ChunkDecoder message buffers', () => {
  const messages = (count: number, size: number): Buffer =>
    Buffer.concat(
      Array.from({ length: count }, (_, i) =>
        encodeMessageChunks({ chunkStreamId: 6, timestamp: i * 33, typeId: 9, streamId: 1, payload: Buffer.alloc(size, i) }, 128),
      ),
    );

  it('allocates each message alone until input is authorized, then carves them from slabs of its own', () => {
    const got: RtmpMessage[] = [];
    const decoder = new ChunkDecoder({ onMessage: (m) => got.push(m) });
    decoder.push(messages(3, 5000));
    expect(new Set(got.map((m) => m.payload.buffer)).size).toBe(3);
    got.length = 0;
    decoder.allocateFromSlabs();
    decoder.push(messages(3, 5000));
    expect(new Set(got.map((m) => m.payload.buffer)).size).toBe(1);
    got.forEach((m, i) => expect(Buffer.from(m.payload).equals(Buffer.alloc(5000, i))).toBe(true));
  });

  it('reuses the memory of messages nobody kept once their slab is full', () => {
    const got: RtmpMessage[] = [];
    const decoder = new ChunkDecoder({ onMessage: (m) => got.push(m) });
    decoder.allocateFromSlabs();
    decoder.push(messages(40, 5000)); // 40 × 5000 bytes: four slabs of 64 KiB
    expect(new Set(got.map((m) => m.payload.buffer)).size).toBeLessThan(4);
  });
});
