import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { ffprobePath } from '../support/ffmpeg.js';
import { publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';

function has(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const hasRtmpdump = has('rtmpdump', ['--help']) || has('sh', ['-c', 'command -v rtmpdump']);
const hasGstRtmp2 = has('gst-inspect-1.0', ['rtmp2src']) && has('gst-inspect-1.0', ['flvdemux']);

/** Runs `cmd` until it exits or `ms` pass; resolves with its stdout/stderr. */
function run(cmd: string, args: string[], ms: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGINT'), ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

function countVideoFrames(file: string): number {
  const out = execFileSync(ffprobePath, [
    '-v', 'error', '-select_streams', 'v:0', '-count_frames', '-show_entries', 'stream=nb_read_frames,codec_name', '-of', 'json', file,
  ]).toString();
  const s = (JSON.parse(out) as { streams: { nb_read_frames?: string; codec_name?: string }[] }).streams[0];
  expect(s.codec_name).toBe('h264');
  return Number(s.nb_read_frames ?? 0);
}

describe('RTMP players other than ffmpeg', () => {
  let t: TestIngest;
  let publisher: ChildProcess;
  const dir = mkdtempSync(join(tmpdir(), 'streamgate-clients-'));

  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'warn' });
    publisher = publishTestPattern(t.rtmpUrl('live/clients'));
    const end = Date.now() + 10_000;
    while (!t.ingest.hub.isLive('live/clients')) {
      if (Date.now() > end) throw new Error('publisher did not go live');
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasRtmpdump)('serves rtmpdump (librtmp) a live stream whose video decodes, its FCSubscribe answered without an error', async () => {
    const file = join(dir, 'rtmpdump.flv');
    const r = await run('rtmpdump', ['-r', t.rtmpUrl('live/clients'), '--live', '-o', file], 4000);
    expect(r.stderr).toMatch(/Connected/);
    // librtmp sends FCSubscribe for a live stream; an `_error` answer prints this line.
    expect(r.stderr).not.toMatch(/rtmp server sent error/);
    expect(readFileSync(file).subarray(0, 3).toString()).toBe('FLV');
    expect(countVideoFrames(file)).toBeGreaterThan(20);
  });

  it.skipIf(!hasGstRtmp2)('serves GStreamer rtmp2src a live stream whose video decodes', async () => {
    const file = join(dir, 'gst.flv');
    const r = await run(
      'gst-launch-1.0',
      ['-e', 'rtmp2src', `location=${t.rtmpUrl('live/clients')}`, '!', 'filesink', `location=${file}`],
      3000,
    );
    expect(r.stderr).not.toMatch(/ERROR/);
    expect(countVideoFrames(file)).toBeGreaterThan(20);
  });
});
