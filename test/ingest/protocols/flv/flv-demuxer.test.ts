import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FlvDemuxer, encodeFlvTag, type FlvTag } from '#ingest/protocols/flv/flv-demuxer.js';
import { decodeFlvHeader, encodeFlvHeader } from '#ingest/protocols/flv/flv-header.js';
import { flvStreamName } from '#ingest/protocols/flv/flv-stream-name.js';
import { feedings, hex, ONE_RANDOM_SPLIT } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

const header = hex(`464c56 01   # 'FLV', version 1
                    05          # flags: audio + video
                    00000009    # DataOffset 9
                    00000000    # PreviousTagSize0`);

const cases: { name: string; bytes: Uint8Array; decoded: FlvTag[] }[] = [
  {
    name: 'script data tag',
    bytes: hex(`12 000003 000000 00 000000   # type 18, size 3, timestamp 0, stream id 0
                020000                       # body
                0000000e                     # PreviousTagSize 14`),
    decoded: [{ tagType: 18, timestamp: 0, body: hex('020000') }],
  },
  {
    name: 'video tag with an extended timestamp, then an audio tag',
    bytes: hex(`09 000002 345678 12 000000   # type 9, size 2, timestamp 0x12345678 (extended byte 0x12)
                1700                         # body
                0000000d
                08 000001 000010 00 000000   # type 8, size 1, timestamp 16
                af
                0000000c`),
    decoded: [
      { tagType: 9, timestamp: 0x12345678, body: hex('1700') },
      { tagType: 8, timestamp: 16, body: hex('af') },
    ],
  },
];

function demuxAll(chunks: Uint8Array[]): FlvTag[] {
  const d = new FlvDemuxer();
  return chunks.flatMap((c) => d.push(c));
}

describe('FlvDemuxer', () => {
  for (const c of cases) {
    for (const way of feedings(new Uint8Array([...header, ...c.bytes]), ONE_RANDOM_SPLIT)) {
      it(`decodes ${c.name} fed ${way.name}`, () => {
        expect(demuxAll(way.parts)).toEqual(c.decoded);
      });
    }
    it(`encodes ${c.name}`, () => {
      const bytes = c.decoded.map(encodeFlvTag);
      expect(new Uint8Array(bytes.flatMap((b) => [...b]))).toEqual(c.bytes);
    });
  }

  it('encodes and decodes the header', () => {
    expect(encodeFlvHeader({ hasAudio: true, hasVideo: true })).toEqual(header);
    expect(decodeFlvHeader(header)).toEqual({ version: 1, hasAudio: true, hasVideo: true, headerSize: 9 });
  });

  it('demuxes the ffmpeg capture into 10 video, 45 audio and 1 script tags', () => {
    const file = new Uint8Array(readFileSync(new URL('../../../fixtures/flv/h264-aac.flv', import.meta.url)));
    for (const way of feedings(file, ONE_RANDOM_SPLIT)) {
      const tags = demuxAll(way.parts);
      const count = (t: number): number => tags.filter((x) => x.tagType === t).length;
      expect(count(18)).toBe(1);
      expect(count(9)).toBe(12); // AVC sequence header + 10 frames + end of sequence
      expect(count(8)).toBe(46); // AAC sequence header + 45 frames
      expect(new TextDecoder('latin1').decode(tags[0].body)).toContain('streamName');
    }
  });

  it('refuses bytes that are not FLV as soon as the signature differs', () => {
    expectCode(() => new FlvDemuxer().push(hex('474000')), 'FLV_BAD_HEADER');
    expectCode(() => new FlvDemuxer().push(new TextEncoder().encode('GET / HTTP/1.1\r\n')), 'FLV_BAD_HEADER');
  });

  it('refuses a header size outside 9..1024', () => {
    expectCode(() => new FlvDemuxer().push(hex('464c56 01 05 00100000')), 'FLV_BAD_HEADER');
  });

  it('refuses a tag that claims more than the limit before buffering it', () => {
    const d = new FlvDemuxer();
    d.push(header);
    expectCode(() => d.push(hex('09 ffffff 000000 00 000000')), 'FLV_FRAME_TOO_LARGE');
    // the size crtmpserver reported: "Frame too large: 6324058"
    const mib = new FlvDemuxer({ maxTagSize: 1024 * 1024 });
    mib.push(header);
    const err = expectCode(() => mib.push(hex('09 607f5a 000000 00 000000')), 'FLV_FRAME_TOO_LARGE');
    expect(err.message).toBe('Frame too large: 6324058 > limit 1048576');
    const small = new FlvDemuxer({ maxTagSize: 1 });
    small.push(header);
    expectCode(() => small.push(cases[1].bytes), 'FLV_FRAME_TOO_LARGE');
  });

  it('waits for the rest of a tag whose size is larger than what arrived', () => {
    const d = new FlvDemuxer();
    expect(d.push(new Uint8Array([...header, ...hex('09 000100 000000 00 000000 17')]))).toEqual([]);
    expect(d.bufferedBytes).toBe(12);
  });

  it('refuses unknown tag types', () => {
    const d = new FlvDemuxer();
    d.push(header);
    expectCode(() => d.push(hex('07 000001 000000 00 000000')), 'FLV_BAD_TAG_TYPE');
  });

  it('only ever raises ProtocolError on mutated streams', () => {
    const inputs = cases.map((c) => new Uint8Array([...header, ...c.bytes]));
    fuzz(inputs, (b) => {
      new FlvDemuxer().push(b);
    }, 500);
  });
});

describe('flvStreamName', () => {
  it('reads streamName from the onMetaData of the ffmpeg capture', () => {
    const file = new Uint8Array(readFileSync(new URL('../../../fixtures/flv/h264-aac.flv', import.meta.url)));
    const script = new FlvDemuxer().push(file).find((t) => t.tagType === 18)!;
    expect(flvStreamName(script.body)).toBe('aaa');
  });

  it('gives undefined without a streamName or for other script tags', () => {
    expect(flvStreamName(hex('02 000a 6f6e4d65746144617461 03 0000 09'))).toBeUndefined(); // onMetaData {}
    expect(flvStreamName(hex('02 0003 666f6f 05'))).toBeUndefined(); // "foo" null
  });

  it('reads the name after @setDataFrame', () => {
    // "@setDataFrame" "onMetaData" {streamName: "x"}
    const body = hex('02 000d 40736574446174614672616d65 02 000a 6f6e4d65746144617461 03 000a 73747265616d4e616d65 02 0001 78 0000 09');
    expect(flvStreamName(body)).toBe('x');
  });

  it('only ever raises ProtocolError on mutated script tags', () => {
    const body = hex('02 000a 6f6e4d65746144617461 03 000a 73747265616d4e616d65 02 0003 616161 0000 09');
    fuzz([body], (b) => {
      flvStreamName(b);
    }, 500);
  });
});
