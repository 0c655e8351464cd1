import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { encodeAmf0 } from '#ingest/protocols/amf/amf0-encoder.js';
import { encodeFlvHeader, encodeFlvTag } from '#ingest/protocols/flv/flv-muxer.js';
import { RawFlvInput } from '#ingest/servers/raw/raw-flv-input.js';
import type { RawIngestInput, RawIngestOutput } from '#ingest/servers/raw/raw-ingest-input.js';
import { RawTsInput } from '#ingest/servers/raw/raw-ts-input.js';
import { feedings, hex, ONE_RANDOM_SPLIT } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

const flvFixture = Uint8Array.from(readFileSync(new URL('../../../fixtures/flv/h264-aac.flv', import.meta.url)));
const tsFixture = Uint8Array.from(readFileSync(new URL('../../../fixtures/ts/h264-aac.ts', import.meta.url)));

/** Feeds `chunks` then ends; the frames and the (single) naming decision. */
function run(input: RawIngestInput, chunks: readonly Uint8Array[]): { frames: MediaFrame[]; names: RawIngestOutput[] } {
  const frames: MediaFrame[] = [];
  const names: RawIngestOutput[] = [];
  for (const out of [...chunks.map((c) => input.push(c)), input.end()]) {
    frames.push(...out.frames);
    if (out.streamName !== undefined) names.push(out);
  }
  return { frames, names };
}

const kinds = (frames: readonly MediaFrame[]) => frames.map((f) => f.kind);
const audioConfig = encodeFlvTag(8, 0, hex('af 00 1210'));
const audio = encodeFlvTag(8, 23, hex('af 01 21 00'));

describe('RawFlvInput', () => {
  for (const way of feedings(flvFixture, ONE_RANDOM_SPLIT)) {
    it(`names the ffmpeg capture "aaa" from onMetaData and yields all its frames (${way.name})`, () => {
      const { frames, names } = run(new RawFlvInput(), way.parts);
      expect(names).toEqual([{ frames: expect.any(Array), streamName: 'aaa' }]);
      expect(frames[0].kind).toBe('metadata');
      expect(frames.filter((f) => f.kind === 'video')).toHaveLength(10);
      expect(frames.filter((f) => f.kind === 'audio')).toHaveLength(45);
    });
  }

  it('names no stream when media comes before any onMetaData', () => {
    const { frames, names } = run(new RawFlvInput(), [encodeFlvHeader(), audioConfig, audio]);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatchObject({ streamName: null, noNameReason: 'media before onMetaData' });
    expect(kinds(frames)).toEqual(['audio-config', 'audio']);
  });

  it('names no stream for an onMetaData without streamName', () => {
    const meta = encodeFlvTag(18, 0, encodeAmf0('onMetaData', { duration: 0 }));
    const { names } = run(new RawFlvInput(), [encodeFlvHeader(), meta, audioConfig]);
    expect(names[0]).toMatchObject({ streamName: null, noNameReason: 'onMetaData without streamName' });
  });

  it('gives up on a name after a few script tags that are not onMetaData, keeping later media', () => {
    const other = encodeFlvTag(18, 0, encodeAmf0('onCuePoint', { name: 'x' }));
    const { frames, names } = run(new RawFlvInput(), [encodeFlvHeader(), other, other, other, other, other, audioConfig]);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatchObject({ streamName: null });
    expect(kinds(frames)).toEqual(['audio-config']);
  });

  it('refuses non-FLV bytes with FLV_BAD_HEADER and a lying tag size with FLV_FRAME_TOO_LARGE', () => {
    expectCode(() => new RawFlvInput().push(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n')), 'FLV_BAD_HEADER');
    const err = expectCode(() => new RawFlvInput().push(Uint8Array.from([...encodeFlvHeader(), ...hex('09 ffffff 00000000 000000')])), 'FLV_FRAME_TOO_LARGE');
    expect(err.message).toContain('16777215');
  });

  it('only ever raises ProtocolError on mutated input', () => {
    fuzz([flvFixture.subarray(0, 4000)], (bytes) => run(new RawFlvInput(), [bytes]), 200);
  });
});

describe('RawTsInput', () => {
  for (const way of feedings(tsFixture, ONE_RANDOM_SPLIT).slice(0, 2)) {
    it(`names the ffmpeg capture "abc" from its SDT before the first frame (${way.name})`, () => {
      const input = new RawTsInput();
      const outs = [...way.parts.map((c) => input.push(c)), input.end()];
      const named = outs.findIndex((o) => o.streamName !== undefined);
      expect(outs[named].streamName).toBe('abc');
      expect(outs.slice(0, named).every((o) => o.frames.length === 0)).toBe(true);
      const frames = outs.flatMap((o) => o.frames);
      expect(frames.filter((f) => f.kind === 'video')).toHaveLength(10);
      expect(frames.filter((f) => f.kind === 'audio')).toHaveLength(45);
      expect(input.damage()).toEqual({ continuityErrors: 0, crcErrors: 0, syncLosses: 0, droppedFrames: 0 });
    });
  }

  it('reports continuity errors as damage instead of failing', () => {
    const packets: Uint8Array[] = [];
    for (let o = 0, i = 0; o + 188 <= tsFixture.length; o += 188, i++) if (i % 20 !== 19) packets.push(tsFixture.subarray(o, o + 188));
    const input = new RawTsInput();
    const { frames } = run(input, packets);
    expect(frames.length).toBeGreaterThan(10);
    expect(input.damage().continuityErrors).toBeGreaterThan(0);
  });

  it('refuses bytes without TS sync with TS_SYNC_NOT_FOUND', () => {
    expectCode(() => new RawTsInput().push(new Uint8Array(8192).fill(0x20)), 'TS_SYNC_NOT_FOUND');
  });
});
