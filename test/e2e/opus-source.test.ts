import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath } from '../support/ffmpeg.js';
import { exited, playAndCount, probePackets } from '../support/ffmpeg-runs.js';
import { chromiumPath, launchChromium } from '../support/chromium.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';
import { waitFor } from '../support/wait.js';

/** The first `count` FLV tags of an HTTP-FLV response (read over a raw socket, chunked body undone). */
async function httpFlvTags(url: string, count: number): Promise<{ type: number; body: Buffer }[]> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let bytes = Buffer.alloc(0);
  const tags: { type: number; body: Buffer }[] = [];
  let at = 13; // FLV header (9) + PreviousTagSize0 (4)
  try {
    while (tags.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes = Buffer.concat([bytes, value]);
      while (tags.length < count && bytes.length >= at + 11) {
        const size = bytes.readUIntBE(at + 1, 3);
        if (bytes.length < at + 11 + size + 4) break;
        tags.push({ type: bytes[at]!, body: bytes.subarray(at + 11, at + 11 + size) });
        at += 11 + size + 4;
      }
    }
  } finally {
    await reader.cancel();
  }
  return tags;
}

// An H.264 + Opus source (what SRT/MPEG-TS encoders and WebRTC gateways send), published with
// Debian's ffmpeg 5.1 as MPEG-TS over TCP, played by the same ffmpeg 5.1, which reads neither Opus
// in FLV nor Enhanced RTMP: it must get the video, and the log must say the Opus was left out.
describe('an H.264 + Opus source', () => {
  let t: TestIngest;
  let publisher: ChildProcess;
  const clients: RtmpTestClient[] = [];

  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info' }, { hls: { targetDuration: 1, firstPlaylistSegments: 2 } });
    publisher = spawn(ffmpegPath, [
      '-hide_banner', '-loglevel', 'error', '-re',
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25',
      '-c:a', 'libopus', '-b:a', '64k',
      '-f', 'mpegts', '-metadata', 'service_name=opus', `tcp://127.0.0.1:${t.ingest.ports.ts}`,
    ], { stdio: 'ignore' });
    await waitFor(() => t.ingest.hub.isLive('live/opus'), 15_000, 'the H.264 + Opus publish of live/opus');
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    if (publisher && publisher.exitCode === null) {
      publisher.kill('SIGKILL');
      await exited(publisher);
    }
    await t?.close();
  });

  it('ffmpeg 5.1 plays the video over RTMP (no Opus sent to it), and the log says what was left out', async () => {
    const probed = await probePackets(t.rtmpUrl('live/opus'), 2);
    expect(probed.codecs).toEqual(['h264']);
    const played = await playAndCount(t.rtmpUrl('live/opus'), { frames: 25, timeoutMs: 15_000 });
    expect(played.videoFrames).toBeGreaterThanOrEqual(25);
    expect(t.logs.find((l) => l.event === 'rtmp.play-audio-omitted')).toMatchObject({ path: 'live/opus', codec: 'opus', reason: expect.stringMatching(/did not announce Opus/) });
  });

  it('a player that announces Opus (Enhanced RTMP fourCcList) gets the Opus audio too', async () => {
    const c = new RtmpTestClient();
    clients.push(c);
    await c.connect(t.rtmpUrl('live'), { fourCcList: ['avc1', 'Opus'] });
    expect((await c.play('opus')).code).toMatch(/NetStream.Play.(Reset|Start)/);
    const audio = await c.nextMessage((m) => m.kind === 'media' && m.typeId === 8 && m.frame?.kind === 'audio', 10_000);
    expect(audio.kind === 'media' && audio.frame?.kind === 'audio' && audio.frame.codec).toBe('opus');
  });

  it('ffmpeg 5.1 plays the video over HTTP-FLV (no Opus sent to it), and the log says what was left out', async () => {
    const url = `http://127.0.0.1:${t.ingest.ports.http}/live/opus.flv`;
    const probed = await probePackets(url, 2);
    expect(probed.codecs).toEqual(['h264']);
    const played = await playAndCount(url, { frames: 25, timeoutMs: 15_000 });
    expect(played.videoFrames).toBeGreaterThanOrEqual(25);
    expect(t.logs.find((l) => l.event === 'http-flv.play-audio-omitted')).toMatchObject({ path: 'live/opus', codec: 'opus', reason: expect.stringMatching(/fourCcList/) });
  });

  it('an HTTP-FLV request that announces Opus (?fourCcList=Opus) gets Enhanced FLV Opus audio tags', async () => {
    const tags = await httpFlvTags(`http://127.0.0.1:${t.ingest.ports.http}/live/opus.flv?fourCcList=Opus`, 50);
    // Enhanced FLV audio: SoundFormat 9 (ExHeader) in the high nibble, then the fourcc.
    const audio = tags.filter((tag) => tag.type === 8);
    expect(audio.length).toBeGreaterThan(0);
    expect(audio.every((tag) => tag.body[0]! >> 4 === 9 && tag.body.subarray(1, 5).toString('latin1') === 'Opus')).toBe(true);
    expect(tags.some((tag) => tag.type === 9)).toBe(true);
  });

  it('HLS carries the video and the log says why the Opus is not in it', async () => {
    const base = `http://127.0.0.1:${t.ingest.ports.http}/live/opus/index.m3u8`;
    const played = await playAndCount(base, { frames: 25, timeoutMs: 20_000 });
    expect(played.videoFrames).toBeGreaterThanOrEqual(25);
    expect(t.logs.find((l) => l.event === 'hls.audio-omitted')).toMatchObject({ path: 'live/opus', codec: 'opus', reason: expect.stringMatching(/Safari and hls\.js/) });
  });

  it.skipIf(chromiumPath === undefined)('the player page plays it in Chromium with its Opus audio (mpegts.js reads Enhanced FLV Opus)', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${t.ingest.ports.http}/?stream=opus`);
      // webkitAudioDecodedByteCount: Chromium's count of decoded audio bytes, > 0 only when the Opus track plays.
      const handle = await page.waitForFunction(
        () => {
          const v = (globalThis as unknown as { document: { getElementById(id: string): { currentTime: number; videoWidth: number; webkitAudioDecodedByteCount?: number } } }).document.getElementById('video');
          return v.currentTime > 1 && v.videoWidth > 0 && (v.webkitAudioDecodedByteCount ?? 0) > 0 ? v.webkitAudioDecodedByteCount : false;
        },
        undefined,
        { timeout: 20_000, polling: 100 },
      );
      expect(await handle.jsonValue()).toBeGreaterThan(0);
    } finally {
      await browser.close();
    }
  });
});
