import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RtmpServerSession, RtmpSessionEvent } from '#ingest/protocols/rtmp/rtmp-server-session.js';
import { SessionHarness } from './session-harness.js';
import { randomSplits, seededRandom } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';

const capture = readFileSync(new URL('../../../fixtures/rtmp/ffmpeg-publish-c2s.bin', import.meta.url));

const acceptAll = (event: RtmpSessionEvent, session: RtmpServerSession): void => {
  if (event.type === 'connect') session.acceptConnect(event.transactionId);
  else if (event.type === 'publish') session.acceptPublish(event.streamId, event.name);
};

function replay(pieces: Uint8Array[]): SessionHarness {
  const h = new SessionHarness(acceptAll);
  for (const piece of pieces) h.feed(piece);
  return h;
}

describe('replaying a captured FFmpeg publish', () => {
  const whole = replay([capture]);

  it('gives connect, publish with the raw query, configs, frames and unpublish, with a digest handshake', () => {
    expect(whole.session.handshakeKind).toBe('digest');
    const types = whole.events.map((e) => e.type);
    expect(types.slice(0, 2)).toEqual(['connect', 'publish']);
    expect(types.at(-1)).toBe('unpublish');
    expect(whole.events[0]).toMatchObject({ app: 'live' });
    expect(whole.events[1]).toMatchObject({ name: 'fixture?token=abc', publishType: 'live' });
    const frames = whole.events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
    expect(frames.find((f) => f.kind === 'video-config')).toMatchObject({ codec: 'h264', width: 160, height: 120 });
    expect(frames.find((f) => f.kind === 'audio-config')).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 1 });
    expect(frames.filter((f) => f.kind === 'video').length).toBeGreaterThanOrEqual(12);
  });

  it('gives the same events fed byte by byte and at random split points', () => {
    const byByte: Uint8Array[] = [];
    for (let i = 0; i < capture.length; i++) byByte.push(capture.subarray(i, i + 1));
    expect(replay(byByte).events).toEqual(whole.events);
    for (const seed of [1, 2, 3]) expect(replay(randomSplits(capture, seededRandom(seed))).events).toEqual(whole.events);
  });

  it('only ever raises ProtocolError when the chunk stream after the handshake is mutated', () => {
    const handshakeLength = 1 + 1536 + 1536;
    fuzz([capture.subarray(handshakeLength)], (tail) => replay([Buffer.concat([capture.subarray(0, handshakeLength), tail])]), 200, 77);
  });
});
