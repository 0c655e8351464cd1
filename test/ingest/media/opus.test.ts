import { describe, expect, it } from 'vitest';
import { buildOpusHead, parseOpusHead } from '#ingest/media/opus-head.js';
import { opusPacketDuration, splitOpusTs } from '#ingest/media/opus-packet.js';
import { hex } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

describe('Opus helpers', () => {
  it('builds an OpusHead that parses back', () => {
    const head = buildOpusHead(2);
    expect(head).toEqual(hex(`4f70757348656164  # "OpusHead"
                              01 02 0000        # version 1, 2 channels, pre-skip 0
                              80bb0000          # 48000 Hz little-endian
                              0000 00           # gain 0, mapping family 0`));
    expect(parseOpusHead(head)).toEqual({ channels: 2, inputSampleRate: 48000, preSkip: 0 });
  });

  it('refuses channel counts mapping family 0 cannot carry and bytes that are not an OpusHead', () => {
    expectCode(() => buildOpusHead(6), 'OPUS_BAD_CONFIG');
    expectCode(() => parseOpusHead(hex('00'.repeat(19))), 'OPUS_BAD_CONFIG');
  });

  it('only ever raises ProtocolError on mutated TS payloads and packets', () => {
    fuzz([hex('7fe0 02 fc01 7ff8 03 0000 0000 0b0301'), hex('7fe4 01 02 aabb ff')], (b) => {
      for (const p of splitOpusTs(b)) if (p.length > 0) opusPacketDuration(p);
    }, 500);
  });
});
