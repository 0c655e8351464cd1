import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFlvPayload, encodeFlvPayload, type FlvTagType } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { hexBuffer } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';

interface Case {
  name: string;
  tagType: FlvTagType;
  timestamp: number;
  bytes: Buffer;
  decoded: MediaFrame | undefined;
  encodes?: boolean;
}

const u8 = (b: Buffer): Uint8Array => Uint8Array.from(b);

const cases: Case[] = [
  {
    name: 'AAC sequence header (AAC-LC 44.1 kHz stereo)',
    tagType: 8,
    timestamp: 0,
    bytes: hexBuffer('af 00   1210   # AudioSpecificConfig: LC, index 4 (44100), 2 channels'),
    decoded: { kind: 'audio-config', codec: 'aac', record: u8(hexBuffer('1210')), sampleRate: 44100, channels: 2 },
  },
  {
    name: 'AAC sequence header with an explicit 24-bit rate',
    tagType: 8,
    timestamp: 0,
    bytes: hexBuffer('af 00   17807d0008   # LC (00010), index 15 (1111), rate 64000 in 24 bits, 1 channel, padding'),
    decoded: { kind: 'audio-config', codec: 'aac', record: u8(hexBuffer('17807d0008')), sampleRate: 64000, channels: 1 },
  },
  {
    name: 'raw AAC frame',
    tagType: 8,
    timestamp: 23,
    bytes: hexBuffer('af 01  210049'),
    decoded: { kind: 'audio', codec: 'aac', dts: 23, data: u8(hexBuffer('210049')) },
  },
  {
    name: 'MP3 frame',
    tagType: 8,
    timestamp: 26,
    bytes: hexBuffer('2f  fffb9064'),
    decoded: { kind: 'audio', codec: 'mp3', dts: 26, data: u8(hexBuffer('fffb9064')) },
  },
  {
    name: 'Enhanced RTMP Opus sequence start',
    tagType: 8,
    timestamp: 0,
    bytes: hexBuffer('90 "Opus"  "OpusHead" 01 02 3801 80bb0000 0000 00'),
    decoded: {
      kind: 'audio-config',
      codec: 'opus',
      record: u8(hexBuffer('"OpusHead" 01 02 3801 80bb0000 0000 00')),
      sampleRate: 48000,
      channels: 2,
    },
  },
  {
    name: 'Enhanced RTMP Opus coded frame',
    tagType: 8,
    timestamp: 20,
    bytes: hexBuffer('91 "Opus"  fcff'),
    decoded: { kind: 'audio', codec: 'opus', dts: 20, data: u8(hexBuffer('fcff')) },
  },
  {
    name: 'AVC keyframe with composition time 80',
    tagType: 9,
    timestamp: 40,
    bytes: hexBuffer('17 01 000050   00000002 0910'),
    decoded: { kind: 'video', codec: 'h264', dts: 40, pts: 120, keyframe: true, data: u8(hexBuffer('00000002 0910')) },
  },
  {
    name: 'AVC inter frame with a negative composition time',
    tagType: 9,
    timestamp: 40,
    bytes: hexBuffer('27 01 ffffd8   00000001 41'),
    decoded: { kind: 'video', codec: 'h264', dts: 40, pts: 0, keyframe: false, data: u8(hexBuffer('00000001 41')) },
  },
  { name: 'AVC end of sequence (ignored)', tagType: 9, timestamp: 0, bytes: hexBuffer('17 02 000000'), decoded: undefined, encodes: false },
  { name: 'video command frame (ignored)', tagType: 9, timestamp: 0, bytes: hexBuffer('57 00'), decoded: undefined, encodes: false },
  {
    name: 'Enhanced RTMP HEVC sequence start',
    tagType: 9,
    timestamp: 0,
    bytes: hexBuffer('90 "hvc1"  01016000'),
    decoded: { kind: 'video-config', codec: 'h265', record: u8(hexBuffer('01016000')) },
  },
  {
    name: 'Enhanced RTMP HEVC coded frames with composition time',
    tagType: 9,
    timestamp: 40,
    bytes: hexBuffer('91 "hvc1" 000028  00000003 260101'),
    decoded: { kind: 'video', codec: 'h265', dts: 40, pts: 80, keyframe: true, data: u8(hexBuffer('00000003 260101')) },
  },
  {
    name: 'Enhanced RTMP HEVC coded frames X (no composition time)',
    tagType: 9,
    timestamp: 80,
    bytes: hexBuffer('a3 "hvc1"  00000003 020101'),
    decoded: { kind: 'video', codec: 'h265', dts: 80, pts: 80, keyframe: false, data: u8(hexBuffer('00000003 020101')) },
  },
  {
    name: 'Enhanced RTMP AV1 sequence start',
    tagType: 9,
    timestamp: 0,
    bytes: hexBuffer('90 "av01"  81000c00'),
    decoded: { kind: 'video-config', codec: 'av1', record: u8(hexBuffer('81000c00')) },
  },
  {
    name: 'Enhanced RTMP AV1 coded frames',
    tagType: 9,
    timestamp: 33,
    bytes: hexBuffer('91 "av01"  12000a0b'),
    decoded: { kind: 'video', codec: 'av1', dts: 33, pts: 33, keyframe: true, data: u8(hexBuffer('12000a0b')) },
  },
  {
    name: 'Enhanced RTMP VP9 inter frame',
    tagType: 9,
    timestamp: 33,
    bytes: hexBuffer('a1 "vp09"  8649'),
    decoded: { kind: 'video', codec: 'vp9', dts: 33, pts: 33, keyframe: false, data: u8(hexBuffer('8649')) },
  },
  { name: 'Enhanced RTMP sequence end (ignored)', tagType: 9, timestamp: 0, bytes: hexBuffer('92 "hvc1"'), decoded: undefined, encodes: false },
  {
    name: 'onMetaData',
    tagType: 18,
    timestamp: 0,
    bytes: hexBuffer('02 000a "onMetaData"  08 00000001  0005 "width" 00 4074000000000000  0000 09'),
    decoded: { kind: 'metadata', dts: 0, values: { width: 320 } },
  },
  {
    name: 'onMetaData wrapped in @setDataFrame',
    tagType: 18,
    timestamp: 0,
    bytes: hexBuffer('02 000d "@setDataFrame"  02 000a "onMetaData"  08 00000001  0005 "width" 00 4074000000000000  0000 09'),
    decoded: { kind: 'metadata', dts: 0, values: { width: 320 } },
    encodes: false,
  },
  { name: 'other data messages (ignored)', tagType: 18, timestamp: 0, bytes: hexBuffer('02 0007 "onCuePt"'), decoded: undefined, encodes: false },
];

const errors: { name: string; tagType: FlvTagType; bytes: Buffer; code: string }[] = [
  { name: 'empty audio', tagType: 8, bytes: hexBuffer(''), code: 'FLV_BAD_AUDIO' },
  { name: 'AAC without packet type', tagType: 8, bytes: hexBuffer('af'), code: 'FLV_BAD_AUDIO' },
  { name: 'AAC config too short', tagType: 8, bytes: hexBuffer('af 00 12'), code: 'FLV_BAD_AUDIO' },
  { name: 'AAC reserved rate index', tagType: 8, bytes: hexBuffer('af 00 16 80'), code: 'FLV_BAD_AUDIO' },
  { name: 'short OpusHead', tagType: 8, bytes: hexBuffer('90 "Opus" "OpusHead"'), code: 'FLV_BAD_AUDIO' },
  { name: 'empty video', tagType: 9, bytes: hexBuffer(''), code: 'FLV_BAD_VIDEO' },
  { name: 'AVC header cut short', tagType: 9, bytes: hexBuffer('17 01 00'), code: 'FLV_BAD_VIDEO' },
  { name: 'AVC unknown packet type', tagType: 9, bytes: hexBuffer('17 05 000000'), code: 'FLV_BAD_VIDEO' },
  { name: 'empty AVC sequence header', tagType: 9, bytes: hexBuffer('17 00 000000'), code: 'FLV_BAD_VIDEO' },
  { name: 'enhanced header cut short', tagType: 9, bytes: hexBuffer('90 "hv"'), code: 'FLV_BAD_VIDEO' },
  { name: 'HEVC coded frames without composition time', tagType: 9, bytes: hexBuffer('91 "hvc1" 00'), code: 'FLV_BAD_VIDEO' },
  { name: 'bad AMF in script data', tagType: 18, bytes: hexBuffer('02 00ff "on"'), code: 'FLV_BAD_DATA' },
];

/** The tags of an FLV file: [type, timestamp, body]. */
function flvTags(file: Buffer): { tagType: FlvTagType; timestamp: number; body: Buffer }[] {
  const tags = [];
  let pos = file.readUInt32BE(5) + 4;
  while (pos + 11 <= file.length) {
    const size = file.readUIntBE(pos + 1, 3);
    const timestamp = (file.readUIntBE(pos + 4, 3) | (file[pos + 7] << 24)) >>> 0;
    tags.push({ tagType: file[pos] as FlvTagType, timestamp, body: file.subarray(pos + 11, pos + 11 + size) });
    pos += 11 + size + 4;
  }
  return tags;
}

describe('FLV payload codec', () => {
  it.each(cases)('decodes $name', ({ tagType, timestamp, bytes, decoded }) => {
    expect(decodeFlvPayload(tagType, timestamp, bytes)).toEqual(decoded);
  });

  it.each(cases.filter((c) => c.encodes !== false))('encodes $name to the same body', ({ tagType, bytes, decoded }) => {
    const encoded = encodeFlvPayload(decoded as MediaFrame);
    expect(encoded.tagType).toBe(tagType);
    expect(Buffer.from(encoded.body).toString('hex')).toBe(bytes.toString('hex'));
  });

  it.each(errors)('rejects $name with $code', ({ tagType, bytes, code }) => {
    try {
      decodeFlvPayload(tagType, 0, bytes);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ProtocolError);
      expect((error as ProtocolError).code).toBe(code);
    }
  });

  it('reads an ffmpeg FLV: picture size from the SPS, AAC config, B-frame composition times', () => {
    const tags = flvTags(readFileSync(new URL('../../fixtures/rtmp/h264-aac-320x240-bframes.flv', import.meta.url)));
    const frames = tags.map((t) => decodeFlvPayload(t.tagType, t.timestamp, t.body)).filter((f) => f !== undefined);
    expect(frames[0]).toMatchObject({ kind: 'metadata', values: { width: 320, height: 240, videocodecid: 7 } });
    expect(frames.find((f) => f.kind === 'video-config')).toMatchObject({ codec: 'h264', width: 320, height: 240 });
    expect(frames.find((f) => f.kind === 'audio-config')).toMatchObject({ codec: 'aac', sampleRate: 48000, channels: 2 });
    const video = frames.filter((f) => f.kind === 'video');
    expect(video.length).toBe(10);
    expect(video[0].keyframe).toBe(true);
    expect(video.some((f) => f.pts !== f.dts)).toBe(true);
    // Re-encoding every frame gives back the original tag bodies (metadata aside: key order kept, count rewritten).
    for (const tag of tags) {
      const frame = decodeFlvPayload(tag.tagType, tag.timestamp, tag.body);
      if (frame === undefined || frame.kind === 'metadata') continue;
      expect(Buffer.from(encodeFlvPayload(frame).body).equals(tag.body)).toBe(true);
    }
  });

  it('only ever raises ProtocolError on mutated bodies', () => {
    fuzz(cases.map((c) => c.bytes), (input, i) => decodeFlvPayload(cases[i].tagType, 0, input), Math.ceil(3000 / cases.length), 17);
  });

  it('cannot put an mp3 AudioConfig in FLV and says so with FLV_UNENCODABLE', () => {
    expect(() =>
      encodeFlvPayload({ kind: 'audio-config', codec: 'mp3', record: new Uint8Array(), sampleRate: 44100, channels: 2 }),
    ).toThrow(expect.objectContaining({ code: 'FLV_UNENCODABLE' }));
  });
});
