import { describe, expect, it } from 'vitest';
import { crc32Mpeg } from '#ingest/protocols/mpegts/crc32-mpeg.js';
import { decodePat, decodePmt, decodeSdt, decodeSection, encodePat, encodePmt, encodeSdt } from '#ingest/protocols/mpegts/psi-tables.js';
import { hex } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

// The three sections below are byte for byte what ffmpeg 5.1 writes (test/fixtures/ts/h264-aac.ts).
const cases = [
  {
    name: 'PAT',
    bytes: hex(`00 b00d      # table 0, syntax 1, section_length 13
                0001 c1 00 00  # transport_stream_id 1, version 0, current, section 0/0
                0001 f000    # program 1 → PMT PID 0x1000
                2ab104b2     # CRC_32`),
    decoded: { transportStreamId: 1, programs: [{ programNumber: 1, pmtPid: 0x1000 }] },
    decode: (b: Uint8Array) => decodePat(decodeSection(b)),
    encode: () => encodePat({ transportStreamId: 1, programs: [{ programNumber: 1, pmtPid: 0x1000 }] }),
  },
  {
    name: 'PMT with H.264 and AAC',
    bytes: hex(`02 b017 0001 c1 00 00   # table 2, program_number 1
                e100 f000              # PCR PID 0x100, no program descriptors
                1b e100 f000           # H.264 on 0x100
                0f e101 f000           # AAC ADTS on 0x101
                2f44b99b`),
    decoded: {
      programNumber: 1,
      pcrPid: 0x100,
      streams: [
        { streamType: 0x1b, pid: 0x100, descriptors: new Uint8Array(0) },
        { streamType: 0x0f, pid: 0x101, descriptors: new Uint8Array(0) },
      ],
    },
    decode: (b: Uint8Array) => decodePmt(decodeSection(b)),
    encode: () =>
      encodePmt({
        programNumber: 1,
        pcrPid: 0x100,
        streams: [
          { streamType: 0x1b, pid: 0x100, descriptors: new Uint8Array(0) },
          { streamType: 0x0f, pid: 0x101, descriptors: new Uint8Array(0) },
        ],
      }),
  },
  {
    name: 'SDT naming service "abc"',
    bytes: hex(`42 f01f 0001 c1 00 00   # table 0x42, transport_stream_id 1
                ff01 ff                # original_network_id, reserved
                0001 fc 800e           # service 1, running, descriptors_loop_length 14
                48 0c 01               # service_descriptor, length 12, digital television
                06 46466d706567        # provider "FFmpeg"
                03 616263              # service "abc"
                d9cddeb1`),
    decoded: { transportStreamId: 1, services: [{ serviceId: 1, providerName: 'FFmpeg', serviceName: 'abc' }] },
    decode: (b: Uint8Array) => decodeSdt(decodeSection(b)),
    encode: () => encodeSdt({ transportStreamId: 1, services: [{ serviceId: 1, providerName: 'FFmpeg', serviceName: 'abc' }] }),
  },
];

describe('PSI tables', () => {
  for (const c of cases) {
    it(`decodes the ${c.name}`, () => {
      expect(c.decode(c.bytes)).toEqual(c.decoded);
    });
    it(`encodes the ${c.name} as ffmpeg does`, () => {
      expect(c.encode()).toEqual(c.bytes);
    });
  }

  it('computes CRC-32/MPEG-2 of the check string as 0x0376E6E7', () => {
    expect(crc32Mpeg(new TextEncoder().encode('123456789'))).toBe(0x0376e6e7);
  });

  it('refuses a section whose CRC does not match', () => {
    const bad = cases[0].bytes.slice();
    bad[bad.length - 1] ^= 1;
    expectCode(() => decodeSection(bad), 'TS_BAD_CRC');
  });

  it('refuses a section_length that disagrees with the bytes', () => {
    expectCode(() => decodeSection(cases[0].bytes.subarray(0, 14)), 'TS_BAD_SECTION');
  });

  it('writes a UTF-8 service name with the 0x15 selector and reads it back', () => {
    const s = decodeSdt(decodeSection(encodeSdt({ transportStreamId: 1, services: [{ serviceId: 1, providerName: 'p', serviceName: 'caméra' }] })));
    expect(s.services[0].serviceName).toBe('caméra');
  });

  it('only ever raises ProtocolError on mutated sections (CRC fixed up so parsing goes deep)', () => {
    fuzz(cases.map((c) => c.bytes), (b) => {
      if (b.length >= 4) new DataView(b.buffer, b.byteOffset).setUint32(b.length - 4, crc32Mpeg(b, 0, b.length - 4));
      for (const c of cases) {
        try {
          c.decode(b);
        } catch (err) {
          if (!(err instanceof Error) || err.name !== 'ProtocolError') throw err;
        }
      }
    }, 500);
  });
});
