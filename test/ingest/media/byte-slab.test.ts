import { describe, expect, it } from 'vitest';
import { ByteSlab } from '#ingest/media/byte-slab.js';
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
});
