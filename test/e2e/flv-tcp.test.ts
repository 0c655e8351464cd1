import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeAmf0 } from '#ingest/protocols/amf/amf0-encoder.js';
import { encodeFlvHeader, encodeFlvTag } from '#ingest/protocols/flv/flv-muxer.js';
import { exited, expectProbedFromStart, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { sendAndWaitClose } from '../support/send-and-wait-close.js';
import { waitFor } from '../support/wait.js';

const flvUrl = (t: TestIngest, path = 'live') => `tcp://127.0.0.1:${t.ingest.ports.flv}/${path}`;

describe('raw FLV over TCP with real ffmpeg', () => {
  const t = useTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_RAW_DEFAULT_STREAM: 'fallback' });
  let publisher: ChildProcess;
  afterAll(() => void publisher?.kill('SIGKILL'));

  it('publishes live/aaa from onMetaData streamName; an RTMP player sees monotonic timestamps starting near 0', async () => {
    await expectProbedFromStart(t, 'live/aaa', () => {
      publisher = publishTestPattern(flvUrl(t), { extraOutputArgs: ['-metadata', 'streamName=aaa'] });
    });
    expect(t.logs.find((l) => l.event === 'raw.publish')).toMatchObject({ protocol: 'flv-tcp', app: 'live', stream: 'aaa', nameSource: 'input' });
  });

  it('lets an RTMP player decode frames of the FLV-TCP stream', async () => {
    const r = await playAndCount(t.rtmpUrl('live/aaa'), { frames: 40, timeoutMs: 15_000 });
    expect(r.stderr).toBe('');
    expect(r.videoFrames).toBe(40);
    const entry = t.ingest.registry.list().find((e) => e.protocol === 'flv-tcp');
    expect(entry).toMatchObject({ role: 'publisher', app: 'live', stream: 'aaa' });
    expect(entry!.bytesIn()).toBeGreaterThan(10_000);
  });

  it('publishes under STREAMGATE_RAW_DEFAULT_STREAM with a warning when the FLV names no stream', async () => {
    const p = publishTestPattern(flvUrl(t), { seconds: 3 });
    await waitFor(() => t.ingest.hub.isLive('live/fallback'), 10_000, 'live/fallback');
    const r = await playAndCount(t.rtmpUrl('live/fallback'), { frames: 10, timeoutMs: 10_000 });
    expect(r.videoFrames).toBe(10);
    expect(t.logs.find((l) => l.event === 'raw.no-stream-name')).toMatchObject({ protocol: 'flv-tcp', stream: 'fallback', reason: 'onMetaData without streamName' });
    p.kill('SIGKILL');
    await exited(p);
    await waitFor(() => !t.ingest.hub.isLive('live/fallback'), 5000, 'the default stream to end');
  });

  it('closes a second publisher of a live name with RAW_STREAM_BUSY and keeps the first', async () => {
    const p = publishTestPattern(flvUrl(t), { seconds: 5, extraOutputArgs: ['-metadata', 'streamName=aaa'] });
    await waitFor(() => t.logs.some((l) => l.event === 'raw.publish-busy'), 10_000, 'the busy refusal');
    expect(t.logs.find((l) => l.event === 'raw.publish-busy')).toMatchObject({ code: 'RAW_STREAM_BUSY', stream: 'aaa' });
    await exited(p);
    expect(t.ingest.hub.isLive('live/aaa')).toBe(true);
  });

  it('closes non-FLV bytes and a lying tag size with coded errors while a parallel stream keeps playing', async () => {
    const player = playAndCount(t.rtmpUrl('live/aaa'), { frames: 60, timeoutMs: 20_000 });
    const header = Buffer.from('464c5601050000000900000000', 'hex');
    // A video tag announcing 16 MiB - 1 of body (the limit is 8 MiB): refused before buffering it.
    const lyingTag = Buffer.from('09ffffff00000000000000', 'hex');
    const results = await Promise.all([
      sendAndWaitClose(t.ingest.ports.flv, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')),
      sendAndWaitClose(t.ingest.ports.flv, Buffer.concat([header, lyingTag])),
    ]);
    expect(results).toEqual(['closed', 'closed']);
    const errors = t.logs.filter((l) => l.event === 'raw.protocol-error');
    expect(errors.map((l) => l.code).sort()).toEqual(['FLV_BAD_HEADER', 'FLV_FRAME_TOO_LARGE']);
    for (const e of errors) {
      expect(e).toMatchObject({ protocol: 'flv-tcp', remote: '127.0.0.1' });
      expect(typeof e.conn).toBe('string');
    }
    expect(errors.find((l) => l.code === 'FLV_FRAME_TOO_LARGE')!.message).toMatch(/16777215 > limit 8388608/);
    const r = await player;
    expect(r.videoFrames).toBe(60);
    expect(t.ingest.hub.isLive('live/aaa')).toBe(true);
  });

  it('logs the publisher close with bytes, frames and duration', async () => {
    publisher.kill('SIGKILL');
    await exited(publisher);
    await waitFor(() => !t.ingest.hub.isLive('live/aaa'), 5000, 'live/aaa to end');
    const closed = t.logs.find((l) => l.event === 'connection.close' && l.protocol === 'flv-tcp' && l.stream === 'aaa' && l.role === 'publisher');
    expect(closed).toMatchObject({ app: 'live' });
    expect(closed!.bytesIn).toBeGreaterThan(10_000);
    expect(closed!.frames).toBeGreaterThan(50);
    expect(typeof closed!.durationMs).toBe('number');
  });
});

describe('raw FLV over TCP from a source outside STREAMGATE_RAW_ALLOW_FROM', () => {
  it('is closed at once, logged with RAW_SOURCE_NOT_ALLOWED, and publishes nothing', async () => {
    const t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_RAW_ALLOW_FROM: '10.0.0.0/8' });
    try {
      const p = publishTestPattern(flvUrl(t), { seconds: 2, extraOutputArgs: ['-metadata', 'streamName=nope'] });
      const code = await exited(p);
      expect(code).not.toBe(0);
      expect(t.logs.find((l) => l.event === 'raw.refused')).toMatchObject({ code: 'RAW_SOURCE_NOT_ALLOWED', protocol: 'flv-tcp', remote: '127.0.0.1' });
      expect(t.ingest.hub.list()).toEqual([]);
      expect(t.logs.some((l) => l.event === 'raw.connect')).toBe(false);
    } finally {
      await t.close();
    }
  });
});

describe('raw FLV over TCP from an encoder that goes quiet', () => {
  it('is closed after STREAMGATE_IDLE_TIMEOUT_MS and its stream ends', async () => {
    const t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_IDLE_TIMEOUT_MS: '400' });
    try {
      const meta = Buffer.concat([encodeFlvHeader(), encodeFlvTag(18, 0, encodeAmf0('onMetaData', { streamName: 'quiet' }))]);
      const started = Date.now();
      const s = connect(t.ingest.ports.flv, '127.0.0.1', () => s.write(meta));
      s.on('error', () => undefined);
      await waitFor(() => t.ingest.hub.isLive('live/quiet'), 3000, 'the publish');
      await new Promise((resolve) => s.on('close', resolve));
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      expect(t.logs.find((l) => l.event === 'connection.close' && l.protocol === 'flv-tcp')).toMatchObject({ reason: 'idle-timeout', stream: 'quiet' });
      expect(t.ingest.hub.isLive('live/quiet')).toBe(false);
    } finally {
      await t.close();
    }
  });
});
