import { describe, expect, it } from 'vitest';
import { aacChannelCount, audioSpecificConfigFromAdts, buildAdtsHeader, buildAudioSpecificConfig, parseAdtsHeader, parseAudioSpecificConfig, splitAdts } from '#ingest/media/adts.js';
import { hex } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

const cases = [
  {
    name: 'AAC-LC 44.1 kHz mono, 10-byte payload',
    bytes: hex(`fff1      # syncword, MPEG-4, layer 0, no CRC
                50        # profile 1 (LC), sampling index 4 (44100), channel bit 0
                40        # channels 1, frame length high bits
                023ffc    # frame length 17 (7 + 10), buffer fullness 0x7ff, 1 raw block`),
    decoded: { objectType: 2, sampleRateIndex: 4, sampleRate: 44100, channels: 1, headerLength: 7, frameLength: 17, rawBlocks: 0 },
    asc: hex('1208'),
  },
  {
    name: 'AAC-LC 48 kHz stereo, 100-byte payload',
    bytes: hex('fff1 4c 80 0d7f fc'),
    decoded: { objectType: 2, sampleRateIndex: 3, sampleRate: 48000, channels: 2, headerLength: 7, frameLength: 107, rawBlocks: 0 },
    asc: hex('1190'),
  },
];

describe('adts', () => {
  for (const c of cases) {
    it(`decodes ${c.name}`, () => {
      expect(parseAdtsHeader(c.bytes)).toEqual(c.decoded);
    });
    it(`encodes ${c.name}`, () => {
      expect(buildAdtsHeader(c.decoded, c.decoded.frameLength - 7)).toEqual(c.bytes);
    });
    it(`maps ${c.name} to its AudioSpecificConfig and back`, () => {
      const asc = audioSpecificConfigFromAdts(c.decoded);
      expect(asc).toEqual(c.asc);
      expect(parseAudioSpecificConfig(asc)).toEqual({ objectType: 2, sampleRateIndex: c.decoded.sampleRateIndex, sampleRate: c.decoded.sampleRate, channels: c.decoded.channels });
      expect(buildAudioSpecificConfig(parseAudioSpecificConfig(asc))).toEqual(asc);
    });
  }

  it('reads the ffmpeg SDP config 1208 56E500 (with trailing explicit SBR signalling)', () => {
    expect(parseAudioSpecificConfig(hex('120856e500'))).toMatchObject({ objectType: 2, sampleRate: 44100, channels: 1 });
  });

  it('counts 8 channels for channel configuration 7 (7.1) and keeps the others', () => {
    expect([0, 1, 2, 6, 7].map(aacChannelCount)).toEqual([0, 1, 2, 6, 8]);
    expect(aacChannelCount(parseAudioSpecificConfig(hex('1238')).channels)).toBe(8);
  });

  it('splits consecutive frames and leaves a partial one', () => {
    const frame = new Uint8Array(17);
    frame.set(cases[0].bytes);
    const stream = new Uint8Array([...frame, ...frame, ...frame.subarray(0, 9)]);
    const { frames, consumed } = splitAdts(stream);
    expect(frames).toHaveLength(2);
    expect(frames[1].payload).toHaveLength(10);
    expect(consumed).toBe(34);
  });

  it('refuses bytes without a syncword', () => {
    expectCode(() => parseAdtsHeader(hex('47400010 0000 00')), 'ADTS_BAD_HEADER');
  });

  it('refuses a frame length shorter than its header', () => {
    expectCode(() => parseAdtsHeader(hex('fff1 50 40 00bf fc')), 'ADTS_BAD_HEADER');
  });

  it('only ever raises ProtocolError on mutated headers', () => {
    fuzz(cases.map((c) => c.bytes), (b) => {
      splitAdts(b);
      if (b.length >= 2) parseAudioSpecificConfig(b);
    });
  });
});
