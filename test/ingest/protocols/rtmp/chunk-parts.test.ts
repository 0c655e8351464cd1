import { describe, expect, it } from 'vitest';
import { encodeMessageChunkParts, encodeMessageChunks } from '#ingest/protocols/rtmp/chunk-encoder.js';
import type { RtmpMessage } from '#ingest/protocols/rtmp/rtmp-message.js';

const payload = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff));

// Same bytes as the copying encoder, whatever the sizes: payload around chunk boundaries, a prefix
// (the FLV head), extended timestamps (repeated on type-3 chunks), 2- and 3-byte basic headers.
const cases: { name: string; csid: number; timestamp: number; size: number; chunkSize: number; prefix?: number[] }[] = [
  { name: 'short payload (copied)', csid: 6, timestamp: 40, size: 300, chunkSize: 4096 },
  { name: 'one chunk', csid: 6, timestamp: 40, size: 3000, chunkSize: 4096, prefix: [0x27, 1, 0, 0, 0] },
  { name: 'exactly one chunk with the prefix', csid: 6, timestamp: 40, size: 4091, chunkSize: 4096, prefix: [0x27, 1, 0, 0, 0] },
  { name: 'one byte into the second chunk', csid: 6, timestamp: 40, size: 4092, chunkSize: 4096, prefix: [0x27, 1, 0, 0, 0] },
  { name: 'many chunks', csid: 4, timestamp: 1000, size: 50_000, chunkSize: 4096, prefix: [0xaf, 1] },
  { name: 'small chunk size', csid: 6, timestamp: 0, size: 2000, chunkSize: 128, prefix: [0x17, 1, 0, 0, 0] },
  { name: 'extended timestamp', csid: 6, timestamp: 0x1234567, size: 9000, chunkSize: 4096, prefix: [0x27, 1, 0, 0, 0] },
  { name: '2-byte basic header', csid: 100, timestamp: 5, size: 9000, chunkSize: 4096 },
  { name: '3-byte basic header', csid: 400, timestamp: 5, size: 9000, chunkSize: 4096 },
];

describe('encodeMessageChunkParts', () => {
  for (const c of cases) {
    it(`gives the bytes of encodeMessageChunks: ${c.name}`, () => {
      const msg: RtmpMessage = { chunkStreamId: c.csid, timestamp: c.timestamp, typeId: 9, streamId: 1, payload: payload(c.size) };
      const prefix = c.prefix ? Uint8Array.from(c.prefix) : undefined;
      const parts = encodeMessageChunkParts(msg, c.chunkSize, prefix);
      expect(Buffer.concat(parts)).toEqual(encodeMessageChunks(msg, c.chunkSize, prefix));
    });
  }

  it('writes a long payload as views of it, so nothing of the payload is copied', () => {
    const msg: RtmpMessage = { chunkStreamId: 6, timestamp: 0, typeId: 9, streamId: 1, payload: payload(10_000) };
    const parts = encodeMessageChunkParts(msg, 4096);
    const viewed = parts.filter((p) => p.buffer === msg.payload.buffer).reduce((n, p) => n + p.byteLength, 0);
    expect(viewed).toBe(10_000);
  });

  it("appends a message's parts after what the given array holds (a batch's parts in one array) and returns that array", () => {
    const first: RtmpMessage = { chunkStreamId: 6, timestamp: 0, typeId: 9, streamId: 1, payload: payload(10_000) };
    const second: RtmpMessage = { chunkStreamId: 4, timestamp: 10, typeId: 8, streamId: 1, payload: payload(300) };
    const out: Buffer[] = [];
    expect(encodeMessageChunkParts(first, 4096, undefined, out)).toBe(out);
    expect(encodeMessageChunkParts(second, 4096, undefined, out)).toBe(out);
    expect(Buffer.concat(out)).toEqual(Buffer.concat([encodeMessageChunks(first, 4096), encodeMessageChunks(second, 4096)]));
  });
});
