import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { collectFrames } from '../support/collect-frames.js';
import { runFfmpeg } from '../support/ffmpeg-runs.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { sleep, waitFor } from '../support/wait.js';

const t = useTestIngest();
const rtsp = (path: string): string => `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`;
let dir: string;

/** A 1080p H.264 + AAC clip at a constant `mbps` Mbit/s (x264 CBR filler), as a high-bitrate camera sends. */
async function clip(name: string, mbps: number, seconds: number): Promise<string> {
  const file = join(dir, name);
  const rate = `${mbps}M`;
  const r = await runFfmpeg([
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc=size=1920x1080:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '30',
    '-b:v', rate, '-minrate', rate, '-maxrate', rate, '-bufsize', `${mbps / 8}M`, '-x264-params', 'nal-hrd=cbr',
    '-c:a', 'aac', '-f', 'mp4', file,
  ]);
  expect(r.code, r.stderr).toBe(0);
  return file;
}

/**
 * Publishes `file` with `-c copy` over RTSP/TCP. `skip_rtcp`: no sender reports, as cameras that
 * send their first one only after a few seconds; the server then holds frames to align the tracks.
 */
function publishCopy(file: string, path: string, realTime: boolean): Promise<{ code: number | null; stderr: string }> {
  return runFfmpeg(['-hide_banner', '-loglevel', 'error', ...(realTime ? ['-re'] : []), '-i', file, '-c', 'copy', '-rtpflags', 'skip_rtcp', '-f', 'rtsp', '-rtsp_transport', 'tcp', rtsp(path)]);
}

/** The publisher's closing counters, once its connection has ended (and the stream's last frames are out). */
async function unpublished(path: string): Promise<Record<string, unknown> | undefined> {
  const find = () => t.logs.find((l) => l.event === 'rtsp.unpublish' && l.path === path);
  await waitFor(() => find() !== undefined || t.logs.some((l) => l.code === 'PENDING_BYTES_LIMIT'), 10_000, `the end of ${path}`);
  await sleep(100);
  return find();
}

/** Stream time of the last video frame a reader got (the clip's end when the publisher was not cut). */
function lastVideoMs(frames: readonly MediaFrame[]): number {
  return Math.max(-1, ...frames.map((f) => (f.kind === 'video' ? f.dts : -1)));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'streamgate-rtsp-hi-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('RTSP publishers at a high bitrate whose sender reports come late', () => {
  it('a 120 Mbit/s camera in real time is not cut while its tracks are aligned: its stream goes on to the end of the clip', async () => {
    const file = await clip('120m.mp4', 120, 4);
    const probe = collectFrames(t.ingest.hub, 'live/hi120');
    try {
      const r = await publishCopy(file, 'live/hi120', true);
      expect(r.code, r.stderr).toBe(0);
      expect(await unpublished('live/hi120')).toMatchObject({ alignment: 'arrival', alignedBy: 'held-bytes', droppedFrames: 0 });
    } finally {
      probe.subscription.close();
    }
    expect(t.logs.some((l) => l.code === 'PENDING_BYTES_LIMIT')).toBe(false);
    expect(lastVideoMs(probe.frames)).toBeGreaterThanOrEqual(3900);
  }, 60_000);

  it('an 80 Mbit/s file pushed faster than real time is not cut either', async () => {
    const file = await clip('80m.mp4', 80, 3);
    // the whole file in about a second: ffmpeg ends without a broken pipe, nothing lost on the way in
    const r = await publishCopy(file, 'live/hi80', false);
    expect(r.code, r.stderr).toBe(0);
    expect(await unpublished('live/hi80')).toMatchObject({ alignment: 'arrival', alignedBy: 'held-bytes', lostPackets: 0, droppedFrames: 0 });
    expect(t.logs.some((l) => l.code === 'PENDING_BYTES_LIMIT')).toBe(false);
  }, 60_000);
});
