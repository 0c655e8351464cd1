import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { TsDemuxer } from '#ingest/protocols/mpegts/ts-demuxer.js';
import { SrtClient } from '#ingest/relay/srt-client.js';
import { startTestIngest, type TestIngest } from '#test/support/ingest-harness.js';
import { waitFor } from '#test/support/local-stack-harness.js';
import { recordReadEndWrites } from '#test/support/record-read-end-writes.js';
import { freeUdpPort } from '#test/support/udp.js';

let t: TestIngest;
beforeAll(async () => {
  t = await startTestIngest({ STREAMGATE_SRT_PORT: String(await freeUdpPort()) });
});
afterAll(async () => {
  await t?.close();
});

/** The frames of a captured H.264/AAC TS (10 video frames, 45 AAC frames). */
function fixtureFrames(): MediaFrame[] {
  const d = new TsDemuxer();
  const bytes = new Uint8Array(readFileSync(new URL('../../../fixtures/ts/h264-aac.ts', import.meta.url)));
  return [...d.push(bytes), ...d.end()].flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
}

describe('SrtServer publisher', () => {
  it("hands the frames a datagram completes to the hub's readers when it is handled (no loop turn)", async () => {
    const recorder = recordReadEndWrites(t.ingest.hub, 'live/srtreadend');
    const frames = fixtureFrames();
    let closed = false;
    const client = new SrtClient({
      endpoint: { host: '127.0.0.1', port: t.config.srtPort, streamId: 'publish:live/srtreadend', keyLength: 16, latencyMs: 120 },
      mode: 'publish',
      allowPrivate: true,
      timeoutMs: 5000,
      onStart: () => client.writeFrames(frames),
      onClose: () => (closed = true),
    });
    client.start();
    try {
      const videos = frames.filter((f) => f.kind === 'video').length;
      // The last video frame completes only at the end of the input (its PES has no length).
      await waitFor(() => recorder.written.filter((w) => w.kind === 'video').length >= videos - 1, 5000, 'the video frames');
      const media = recorder.written.filter((w) => w.kind === 'video' || w.kind === 'audio');
      // Before, every one waited for a setImmediate turn of the hub. Audio after the last video
      // frame still waits for the hold timer (40 ms), as with RTMP.
      const lastVideo = media.map((w) => w.kind).lastIndexOf('video');
      expect(media.slice(0, lastVideo + 1).every((w) => w.inReadEnd)).toBe(true);
    } finally {
      client.close();
      recorder.stop();
    }
    expect(closed).toBe(true);
  });
});
