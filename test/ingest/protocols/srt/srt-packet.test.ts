import { describe, expect, it } from 'vitest';
import {
  decodeAck,
  decodeLossList,
  decodeSrtPacket,
  encodeAck,
  encodeLossList,
  encodeSrtPacket,
  SRT_CONTROL,
  type SrtPacket,
} from '#ingest/protocols/srt/srt-packet.js';
import { seqAdd, seqDiff } from '#ingest/protocols/srt/srt-seq.js';
import { hexBuffer } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

interface Case {
  name: string;
  bytes: Buffer;
  decoded: SrtPacket;
}

const cases: Case[] = [
  {
    name: 'data packet: solo message, even key, retransmitted',
    bytes: hexBuffer(`0000002a          # F=0, seq 42
      ec000007                       # PP=11 solo, O=1, KK=01 even, R=1, msgno 7
      000f4240                       # timestamp 1 000 000 µs
      12345678                       # destination socket id
      47401000`),
    decoded: { kind: 'data', seq: 42, position: 3, inOrder: true, keyFlags: 1, retransmitted: true, messageNumber: 7, timestamp: 1_000_000, socketId: 0x12345678, payload: hexBuffer('47401000') },
  },
  {
    name: 'data packet: highest sequence number, no payload',
    bytes: hexBuffer('7fffffff c0000001 00000000 00000001'),
    decoded: { kind: 'data', seq: 0x7fffffff, position: 3, inOrder: false, keyFlags: 0, retransmitted: false, messageNumber: 1, timestamp: 0, socketId: 1, payload: Buffer.alloc(0) },
  },
  {
    name: 'control: ACK number 5 with a light ACK CIF',
    bytes: hexBuffer(`80020000          # F=1, type 2 ACK, subtype 0
      00000005                       # ACK number
      00000064 00000009              # timestamp 100, socket 9
      00000100                       # last acknowledged 256`),
    decoded: { kind: 'control', type: SRT_CONTROL.ack, subtype: 0, typeInfo: 5, timestamp: 100, socketId: 9, cif: hexBuffer('00000100') },
  },
  {
    name: 'control: user-defined KMREQ (type 0x7fff, subtype 3)',
    bytes: hexBuffer('ffff0003 00000000 00000000 00000002'),
    decoded: { kind: 'control', type: SRT_CONTROL.user, subtype: 3, typeInfo: 0, timestamp: 0, socketId: 2, cif: Buffer.alloc(0) },
  },
];

describe('SRT packet codec', () => {
  for (const c of cases) {
    it(`decodes and encodes: ${c.name}`, () => {
      const d = decodeSrtPacket(c.bytes);
      expect({ ...d, ...(d.kind === 'data' ? { payload: Buffer.from(d.payload) } : { cif: Buffer.from(d.cif) }) }).toEqual(c.decoded);
      expect(Buffer.from(encodeSrtPacket(c.decoded))).toEqual(c.bytes);
    });
  }

  it('refuses fewer than 16 bytes with SRT_SHORT_PACKET', () => {
    expectCode(() => decodeSrtPacket(hexBuffer('80000000 00000000 0000')), 'SRT_SHORT_PACKET');
  });

  it('only ever raises its own error on mutated packets, ACKs and loss lists', () => {
    const inputs = [...cases.map((c) => c.bytes), hexBuffer('80030000 00000000 00000000 00000001 80000005 00000009 0000000c')];
    fuzz(inputs, (bytes) => {
      const p = decodeSrtPacket(bytes);
      if (p.kind === 'control' && p.type === SRT_CONTROL.ack) decodeAck(p.cif);
      if (p.kind === 'control' && p.type === SRT_CONTROL.nak) decodeLossList(p.cif);
      encodeSrtPacket(p);
    });
  });
});

describe('SRT ACK and loss list', () => {
  it('round-trips a full ACK (28 bytes) and reads light and small ones', () => {
    const full = { lastAcked: 77, rttUs: 1000, rttVarUs: 500, bufferAvailable: 8000, packetsPerSecond: 400, linkCapacity: 9000, bytesPerSecond: 500_000 };
    expect(decodeAck(encodeAck(full))).toEqual(full);
    expect(decodeAck(hexBuffer('0000004d'))).toEqual({ lastAcked: 77 });
    expect(decodeAck(hexBuffer('0000004d 000003e8 000001f4 00001f40'))).toEqual({ lastAcked: 77, rttUs: 1000, rttVarUs: 500, bufferAvailable: 8000 });
    expectCode(() => decodeAck(hexBuffer('0000')), 'SRT_BAD_ACK');
  });

  it('decodes single losses and ranges (SRT draft appendix A) and encodes them back', () => {
    const bytes = hexBuffer(`00000003           # lost: 3
      80000005 00000009                   # lost: 5..9
      0000000c                            # lost: 12`);
    const ranges = [{ from: 3, to: 3 }, { from: 5, to: 9 }, { from: 12, to: 12 }];
    expect(decodeLossList(bytes)).toEqual(ranges);
    expect(Buffer.from(encodeLossList(ranges))).toEqual(bytes);
  });

  it('refuses a range without an end, a backwards range and partial words', () => {
    expectCode(() => decodeLossList(hexBuffer('80000005')), 'SRT_BAD_LOSS_LIST');
    expectCode(() => decodeLossList(hexBuffer('80000009 00000005')), 'SRT_BAD_LOSS_LIST');
    expectCode(() => decodeLossList(hexBuffer('000000')), 'SRT_BAD_LOSS_LIST');
  });

  it('reads at most the given number of ranges from a huge list', () => {
    const words = Buffer.alloc(4 * 10_000);
    for (let i = 0; i < 10_000; i++) words.writeUInt32BE(i * 2, i * 4);
    expect(decodeLossList(words, 512)).toHaveLength(512);
  });

  it('does sequence arithmetic on the 31-bit circle', () => {
    expect(seqAdd(0x7fffffff, 1)).toBe(0);
    expect(seqAdd(0, -1)).toBe(0x7fffffff);
    expect(seqDiff(2, 0x7ffffffe)).toBe(4);
    expect(seqDiff(0x7ffffffe, 2)).toBe(-4);
  });
});
