import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exited, expectIncreasingDts, expectProbedFromStart, playAndCount, probePackets, publishTestPattern, runFfmpeg } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { sendAndWaitClose } from '../support/send-and-wait-close.js';

const tsUrl = (t: TestIngest) => `tcp://127.0.0.1:${t.ingest.ports.ts}`;

/** The ffmpeg-made fixture without its SDT packets (PID 0x11): a TS that names no service. */
function fixtureWithoutSdt(): Buffer {
  const ts = readFileSync(new URL('../fixtures/ts/h264-aac.ts', import.meta.url));
  const kept: Buffer[] = [];
  for (let o = 0; o + 188 <= ts.length; o += 188) {
    const pid = ((ts[o + 1] & 0x1f) << 8) | ts[o + 2];
    if (pid !== 0x11) kept.push(ts.subarray(o, o + 188));
  }
  return Buffer.concat(kept);
}

describe('raw MPEG-TS over TCP with real ffmpeg', () => {
  const t = useTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_RAW_DEFAULT_STREAM: 'fallback' });
  let publisher: ChildProcess;
  afterAll(() => void publisher?.kill('SIGKILL'));

  it('publishes live/cam from the SDT service name; an RTMP player sees monotonic timestamps starting near 0, not at the 1.4 s TS offset', async () => {
    await expectProbedFromStart(t, 'live/cam', () => {
      publisher = publishTestPattern(tsUrl(t), { format: 'mpegts', extraOutputArgs: ['-metadata', 'service_name=cam'] });
    });
    expect(t.logs.find((l) => l.event === 'raw.publish')).toMatchObject({ protocol: 'ts-tcp', app: 'live', stream: 'cam', nameSource: 'input' });
  });

  it('lets an RTMP player decode frames of the TS-TCP stream', async () => {
    const r = await playAndCount(t.rtmpUrl('live/cam'), { frames: 40, timeoutMs: 15_000 });
    expect(r.stderr).toBe('');
    expect(r.videoFrames).toBe(40);
    expect(t.ingest.registry.list().find((e) => e.protocol === 'ts-tcp')).toMatchObject({ role: 'publisher', app: 'live', stream: 'cam' });
  });

  it('serves the TS-TCP stream as HTTP-FLV with monotonic timestamps per track', async () => {
    const { codecs, packets } = await probePackets(`http://127.0.0.1:${t.ingest.ports.http}/live/cam.flv`, 2);
    expect(codecs.sort()).toEqual(['aac', 'h264']);
    expectIncreasingDts(packets, { minPackets: 20 });
  });

  it('publishes a TS without SDT under STREAMGATE_RAW_DEFAULT_STREAM with a warning', async () => {
    expect(await sendAndWaitClose(t.ingest.ports.ts, fixtureWithoutSdt(), true)).toBe('closed');
    expect(t.logs.find((l) => l.event === 'raw.no-stream-name')).toMatchObject({ protocol: 'ts-tcp', stream: 'fallback' });
    const publish = t.logs.find((l) => l.event === 'raw.publish' && l.stream === 'fallback');
    expect(publish).toMatchObject({ protocol: 'ts-tcp', nameSource: 'default' });
    const closed = t.logs.find((l) => l.event === 'connection.close' && l.stream === 'fallback');
    // 10 video frames + 45 AAC frames + one config of each
    expect(closed).toMatchObject({ reason: 'peer-ended', frames: 57 });
  });

  it('names the stream from an SDT that comes only after 200 KB of media (an encoder joined mid SDT cycle), not the default', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'late-sdt-')), 'late.ts');
    const made = await runFfmpeg(['-f', 'lavfi', '-i', 'testsrc=size=1280x720:rate=30', '-t', '3', '-pix_fmt', 'yuv420p', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '4M', '-g', '30', '-f', 'mpegts', '-sdt_period', '0.3', '-metadata', 'service_name=latesdt', '-y', file]);
    expect(made.code, made.stderr).toBe(0);
    const ts = readFileSync(file);
    const kept: Buffer[] = [];
    for (let o = 0; o + 188 <= ts.length; o += 188) {
      const pid = ((ts[o + 1]! & 0x1f) << 8) | ts[o + 2]!;
      if (pid !== 0x11 || o >= 200_000) kept.push(ts.subarray(o, o + 188));
    }
    expect(await sendAndWaitClose(t.ingest.ports.ts, Buffer.concat(kept), true)).toBe('closed');
    expect(t.logs.find((l) => l.event === 'raw.publish' && l.stream === 'latesdt')).toMatchObject({ protocol: 'ts-tcp', nameSource: 'input' });
  });

  it('closes non-TS bytes with TS_SYNC_NOT_FOUND while a parallel stream keeps playing', async () => {
    const player = playAndCount(t.rtmpUrl('live/cam'), { frames: 60, timeoutMs: 20_000 });
    const results = await Promise.all([
      sendAndWaitClose(t.ingest.ports.ts, Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(300))),
      sendAndWaitClose(t.ingest.ports.ts, Buffer.alloc(10_000, 0x47 ^ 0xff)),
    ]);
    expect(results).toEqual(['closed', 'closed']);
    const errors = t.logs.filter((l) => l.event === 'raw.protocol-error');
    expect(errors.map((l) => l.code)).toEqual(['TS_SYNC_NOT_FOUND', 'TS_SYNC_NOT_FOUND']);
    for (const e of errors) expect(e).toMatchObject({ protocol: 'ts-tcp', remote: '127.0.0.1' });
    const r = await player;
    expect(r.videoFrames).toBe(60);
    expect(t.ingest.hub.isLive('live/cam')).toBe(true);
  });

  it('counts continuity errors of a damaged TS and keeps publishing', async () => {
    const ts = readFileSync(new URL('../fixtures/ts/h264-aac.ts', import.meta.url));
    const packets: Buffer[] = [];
    // Drop every 20th packet: gaps in the continuity counters (the SDT still names it "abc").
    for (let o = 0, i = 0; o + 188 <= ts.length; o += 188, i++) if (i % 20 !== 19) packets.push(ts.subarray(o, o + 188));
    expect(await sendAndWaitClose(t.ingest.ports.ts, Buffer.concat(packets), true)).toBe('closed');
    const damage = t.logs.find((l) => l.event === 'raw.input-damage' && l.stream === 'abc');
    expect(damage).toBeDefined();
    expect(damage!.continuityErrors).toBeGreaterThan(0);
    const closed = t.logs.find((l) => l.event === 'connection.close' && l.stream === 'abc');
    expect(closed).toMatchObject({ reason: 'peer-ended', role: 'publisher' });
    expect(closed!.frames).toBeGreaterThan(10);
  });
});

describe('raw MPEG-TS over TCP from a source outside STREAMGATE_RAW_ALLOW_FROM', () => {
  it('is closed at once, logged with RAW_SOURCE_NOT_ALLOWED, and publishes nothing', async () => {
    const t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_RAW_ALLOW_FROM: '10.0.0.0/8' });
    try {
      const p = publishTestPattern(tsUrl(t), { seconds: 2, format: 'mpegts', extraOutputArgs: ['-metadata', 'service_name=nope'] });
      expect(await exited(p)).not.toBe(0);
      expect(t.logs.find((l) => l.event === 'raw.refused')).toMatchObject({ code: 'RAW_SOURCE_NOT_ALLOWED', protocol: 'ts-tcp', remote: '127.0.0.1' });
      expect(t.ingest.hub.list()).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
