import { describe, expect, it } from 'vitest';
import { ChunkDecoder, type ChunkDecoderLimits } from '#ingest/protocols/rtmp/chunk-decoder.js';
import { encodeMessageChunks } from '#ingest/protocols/rtmp/chunk-encoder.js';
import type { RtmpMessage } from '#ingest/protocols/rtmp/rtmp-message.js';
import { feedings, hexBuffer } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { codeOf } from '#test/support/expect-code.js';

/** n bytes 0, 1, 2, … (mod 256). */
function seq(n: number, start = 0): Buffer {
  return Buffer.from(Array.from({ length: n }, (_, i) => (start + i) & 0xff));
}

function msg(chunkStreamId: number, timestamp: number, typeId: number, streamId: number, payload: Buffer): RtmpMessage {
  return { chunkStreamId, timestamp, typeId, streamId, payload };
}

interface Case {
  name: string;
  bytes: Buffer;
  decoded: RtmpMessage[];
  /** The case is exactly what encodeMessageChunks(decoded[0], 128) writes. */
  encodes?: boolean;
}

const cases: Case[] = [
  {
    name: 'type 0 header, one chunk',
    bytes: hexBuffer(`03               # fmt 0, csid 3
      0003e8 000004 14 00000000  # ts 1000, length 4, type 20, stream 0 (LE)
      01020304`),
    decoded: [msg(3, 1000, 20, 0, hexBuffer('01020304'))],
    encodes: true,
  },
  {
    name: 'type 1 header after type 0 (delta, new length and type)',
    bytes: hexBuffer(`04 000064 000001 08 01000000  aa   # fmt 0 csid 4: ts 100, len 1, audio, stream 1
                44 000028 000002 09          bbcc # fmt 1 csid 4: +40, len 2, video`),
    decoded: [msg(4, 100, 8, 1, hexBuffer('aa')), msg(4, 140, 9, 1, hexBuffer('bbcc'))],
  },
  {
    name: 'type 2 then type 3 starting a message (delta reused)',
    bytes: hexBuffer(`06 000000 000001 08 01000000 01  # fmt 0: ts 0
                86 000017 02                    # fmt 2: +23
                c6 03                           # fmt 3: +23 again`),
    decoded: [msg(6, 0, 8, 1, hexBuffer('01')), msg(6, 23, 8, 1, hexBuffer('02')), msg(6, 46, 8, 1, hexBuffer('03'))],
  },
  {
    name: 'type 3 after type 0 reuses the type-0 timestamp as delta (spec §5.3.1.2.4)',
    bytes: hexBuffer(`07 00000a 000001 08 01000000 01  # fmt 0: ts 10
                c7 02                           # fmt 3: new message, ts 20`),
    decoded: [msg(7, 10, 8, 1, hexBuffer('01')), msg(7, 20, 8, 1, hexBuffer('02'))],
  },
  {
    name: 'message of 200 bytes in a 128-byte chunk and a type-3 continuation',
    bytes: Buffer.concat([hexBuffer('05 000000 0000c8 09 01000000'), seq(128), hexBuffer('c5'), seq(72, 128)]),
    decoded: [msg(5, 0, 9, 1, seq(200))],
    encodes: true,
  },
  {
    name: '2-byte basic header (csid 74)',
    bytes: hexBuffer('00 0a  000001 000001 12 01000000  ff'),
    decoded: [msg(74, 1, 18, 1, hexBuffer('ff'))],
    encodes: true,
  },
  {
    name: '3-byte basic header (csid 325)',
    bytes: hexBuffer('01 0501  000002 000001 12 01000000  ee'),
    decoded: [msg(325, 2, 18, 1, hexBuffer('ee'))],
    encodes: true,
  },
  {
    name: 'extended timestamp, repeated on the type-3 continuation (FFmpeg, spec)',
    bytes: Buffer.concat([hexBuffer('05 ffffff 0000c8 09 01000000 01000000'), seq(128), hexBuffer('c5 01000000'), seq(72, 128)]),
    decoded: [msg(5, 0x01000000, 9, 1, seq(200))],
    encodes: true,
  },
  {
    name: 'extended timestamp, not repeated on the type-3 continuation',
    bytes: Buffer.concat([hexBuffer('05 ffffff 0000c8 09 01000000 01000000'), seq(128), hexBuffer('c5'), seq(72, 128)]),
    decoded: [msg(5, 0x01000000, 9, 1, seq(200))],
  },
  {
    name: 'Set Chunk Size 256 then a 200-byte message in one chunk',
    bytes: Buffer.concat([hexBuffer('02 000000 000004 01 00000000 00000100'), hexBuffer('05 000000 0000c8 09 01000000'), seq(200)]),
    decoded: [msg(2, 0, 1, 0, hexBuffer('00000100')), msg(5, 0, 9, 1, seq(200))],
  },
  {
    name: 'interleaved chunk streams',
    bytes: Buffer.concat([
      hexBuffer('04 000000 0000c8 09 01000000'), seq(128), // first chunk of A on csid 4
      hexBuffer('06 000005 000002 08 01000000 abcd'), // all of B on csid 6
      hexBuffer('c4'), seq(72, 128), // rest of A
    ]),
    decoded: [msg(6, 5, 8, 1, hexBuffer('abcd')), msg(4, 0, 9, 1, seq(200))],
  },
  {
    name: 'Abort drops the half-received message',
    bytes: Buffer.concat([
      hexBuffer('04 000000 0000c8 09 01000000'), seq(128), // first chunk of a 200-byte message on csid 4
      hexBuffer('02 000000 000004 02 00000000 00000004'), // Abort csid 4
      hexBuffer('04 000000 000001 08 01000000 99'), // a fresh message on csid 4
    ]),
    decoded: [msg(2, 0, 2, 0, hexBuffer('00000004')), msg(4, 0, 8, 1, hexBuffer('99'))],
  },
  {
    name: 'zero-length message',
    bytes: hexBuffer('03 000000 000000 14 00000000   03 000001 000001 14 00000000 05'),
    decoded: [msg(3, 0, 20, 0, Buffer.alloc(0)), msg(3, 1, 20, 0, hexBuffer('05'))],
  },
];

function decodeAll(pieces: Uint8Array[], limits?: Partial<ChunkDecoderLimits>): RtmpMessage[] {
  const out: RtmpMessage[] = [];
  const decoder = new ChunkDecoder({ onMessage: (m) => out.push({ ...m, payload: Buffer.from(m.payload) }), limits });
  for (const piece of pieces) decoder.push(piece);
  return out;
}

function normalise(messages: RtmpMessage[]): unknown[] {
  return messages.map((m) => ({ ...m, payload: Buffer.from(m.payload).toString('hex') }));
}

describe('chunk decoder', () => {
  for (const c of cases) {
    for (const feeding of feedings(c.bytes)) {
      it(`decodes ${c.name}, fed ${feeding.name}`, () => {
        expect(normalise(decodeAll(feeding.parts))).toEqual(normalise(c.decoded));
      });
    }
  }

  const errors: { name: string; bytes: Buffer; code: string; limits?: Partial<ChunkDecoderLimits> }[] = [
    { name: 'type 1 on an unseen chunk stream', bytes: hexBuffer('44 000000 000001 08'), code: 'RTMP_UNKNOWN_CHUNK_STREAM' },
    { name: 'type 3 on an unseen chunk stream', bytes: hexBuffer('c9 00'), code: 'RTMP_UNKNOWN_CHUNK_STREAM' },
    { name: 'message longer than the limit', bytes: hexBuffer('03 000000 ffffff 09 01000000'), code: 'RTMP_MESSAGE_TOO_LONG' },
    { name: 'Set Chunk Size 0', bytes: hexBuffer('02 000000 000004 01 00000000 00000000'), code: 'RTMP_BAD_CHUNK_SIZE' },
    { name: 'Set Chunk Size with the top bit set', bytes: hexBuffer('02 000000 000004 01 00000000 80000080'), code: 'RTMP_BAD_CHUNK_SIZE' },
    { name: 'Set Chunk Size over the limit', bytes: hexBuffer('02 000000 000004 01 00000000 7fffffff'), code: 'RTMP_CHUNK_SIZE_TOO_LARGE' },
    { name: 'Set Chunk Size with a short payload', bytes: hexBuffer('02 000000 000002 01 00000000 0001'), code: 'RTMP_BAD_CONTROL' },
    {
      name: 'more chunk streams than the limit',
      bytes: hexBuffer('03 000000 000000 14 00000000  04 000000 000000 14 00000000  05 000000 000000 14 00000000'),
      code: 'RTMP_TOO_MANY_CHUNK_STREAMS',
      limits: { rtmpMaxChunkStreams: 2 },
    },
  ];
  it.each(errors)('rejects $name with $code', ({ bytes, code, limits }) => {
    expect(codeOf(() => decodeAll([bytes], limits))).toBe(code);
  });

  it('allocates with the bytes that arrived, not with the lengths headers announce', () => {
    const decoder = new ChunkDecoder({ onMessage: () => undefined });
    const before = process.memoryUsage().arrayBuffers;
    const kept: ChunkDecoder[] = [decoder];
    for (let csid = 3; csid < 63; csid++) {
      // type 0, length 8 MiB (the limit), one byte of body
      decoder.push(Buffer.concat([Buffer.from([csid]), hexBuffer('000000 800000 09 01000000 00')]));
    }
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(kept).toHaveLength(1);
    expect(grown).toBeLessThan(16 * 1024 * 1024);
  });

  it('allocates a message that arrives in one read once, not once per doubling', () => {
    const sizes: number[] = [];
    const pending = { held: 0, hold: () => undefined, release: () => undefined, resize: (_from: number, to: number) => void sizes.push(to) };
    const messages: RtmpMessage[] = [];
    const decoder = new ChunkDecoder({ onMessage: (m) => messages.push(m), pending });
    const frame = msg(6, 40, 9, 1, seq(40_000));
    decoder.push(Buffer.concat([hexBuffer('02 000000 000004 01 00000000 00001000'), encodeMessageChunks(frame, 4096)]));
    expect(Buffer.from(messages.at(-1)!.payload).equals(seq(40_000))).toBe(true);
    expect(sizes).toEqual([4, 40_000]); // Set Chunk Size, then the frame
  });

  it('counts every byte pushed', () => {
    const decoder = new ChunkDecoder({ onMessage: () => undefined });
    for (const piece of feedings(cases[4].bytes)[2].parts) decoder.push(piece);
    expect(decoder.bytesReceived).toBe(cases[4].bytes.length);
  });

  it('only ever raises ProtocolError on randomly mutated chunk streams', () => {
    // The same seed mutates the same way: each mutation is fed whole, then cut at random points.
    const inputs = cases.map((c) => c.bytes);
    const runs = Math.ceil(4000 / cases.length);
    fuzz(inputs, (input) => decodeAll([input], { rtmpMaxMessageLength: 4096 }), runs, 99);
    fuzz(inputs, (input) => decodeAll(feedings(input)[2].parts, { rtmpMaxMessageLength: 4096 }), runs, 99);
  });
});

describe('chunk encoder', () => {
  it.each(cases.filter((c) => c.encodes))('encodes $name', ({ bytes, decoded }) => {
    expect(encodeMessageChunks(decoded[0], 128).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('round-trips timestamps around the extended boundary and wraps them modulo 2^32', () => {
    for (const timestamp of [0, 0xfffffe, 0xffffff, 0x1000000, 0xffffffff, 2 ** 32 + 5]) {
      const message = msg(6, timestamp, 9, 1, seq(300));
      const setChunkSize = hexBuffer('02 000000 000004 01 00000000 00000064');
      const [, decoded] = decodeAll([setChunkSize, encodeMessageChunks(message, 100)]);
      expect(decoded.timestamp).toBe(timestamp % 2 ** 32);
      expect(Buffer.from(decoded.payload).equals(seq(300))).toBe(true);
    }
  });

  it('writes only a type-0 header then type-3 headers, so consecutive buffers decode without shared state', () => {
    const a = encodeMessageChunks(msg(6, 40, 9, 1, seq(10)), 4096);
    const b = encodeMessageChunks(msg(6, 80, 9, 1, seq(20)), 4096);
    expect(a[0] >> 6).toBe(0);
    expect(b[0] >> 6).toBe(0);
    expect(decodeAll([a, b]).map((m) => m.timestamp)).toEqual([40, 80]);
  });

  it('writes a prefix and a payload as one message, as if they were joined', () => {
    const joined = encodeMessageChunks(msg(6, 40, 9, 1, seq(300)), 128);
    for (const cut of [0, 1, 5, 127, 128, 129, 300]) {
      const parts = encodeMessageChunks(msg(6, 40, 9, 1, seq(300).subarray(cut)), 128, seq(300).subarray(0, cut));
      expect(parts.toString('hex')).toBe(joined.toString('hex'));
    }
  });

  it('uses the chunk size for every chunk', () => {
    const bytes = encodeMessageChunks(msg(3, 0, 20, 0, seq(10)), 4);
    expect(bytes.toString('hex')).toBe(hexBuffer('03 000000 00000a 14 00000000 00010203 c3 04050607 c3 0809').toString('hex'));
  });
});
