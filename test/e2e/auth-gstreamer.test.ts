import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited } from '../support/ffmpeg-runs.js';
import { startLocalStackForTest, waitFor, type LocalStackForTest } from '../support/local-stack-harness.js';

// GStreamer rtmp2sink answers the Adobe challenge with username/password (AUTH-SPEC §3.3).
// Needs gst-launch-1.0 with rtmp2sink (plugins-bad), x264enc (plugins-ugly on Debian) and flvmux
// (plugins-good); reported as skipped when they are missing.

function hasElements(...names: string[]): boolean {
  try {
    for (const n of names) execFileSync('gst-inspect-1.0', ['--exists', n], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const gstReady = hasElements('rtmp2sink', 'x264enc', 'flvmux', 'h264parse', 'videotestsrc');

const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1'] };

describe.skipIf(!gstReady)('GStreamer rtmp2sink with username/password', () => {
  let s: LocalStackForTest;
  const children = new Set<ChildProcess>();
  beforeAll(async () => {
    s = await startLocalStackForTest({ users: [ALICE] });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await s?.close();
  });

  function gstPublish(stream: string, user: string, password: string): ChildProcess & { stderr: () => string } {
    const child = spawn(
      'gst-launch-1.0',
      [
        '-q', 'videotestsrc', 'is-live=true', 'num-buffers=500', '!', 'video/x-raw,width=320,height=240,framerate=25/1',
        '!', 'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'key-int-max=25', '!', 'h264parse',
        '!', 'flvmux', 'streamable=true', '!',
        'rtmp2sink', `location=rtmp://127.0.0.1:${s.ingest.ports.rtmp}/live/${stream}`, `username=${user}`, `password=${password}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    return Object.assign(child, { stderr: () => err });
  }

  it('publishes through the Adobe challenge', async () => {
    const child = gstPublish('cam1', ALICE.name, ALICE.password);
    await waitFor(() => s.ingest.hub.isLive('live/cam1'), 15_000, 'the GStreamer publish to go live');
    child.kill('SIGINT');
    await exited(child);
    const steps = s.logs.filter((l) => l.event === 'auth' && l.action === 'connect' && l.user === ALICE.name);
    expect(steps.at(-1)).toMatchObject({ method: 'adobe', allowed: true });
  });

  it('is refused with a wrong password', async () => {
    const child = gstPublish('cam1', ALICE.name, 'wrong-pass-1');
    expect(await exited(child)).not.toBe(0);
    expect(child.stderr()).toMatch(/authentication failed/i);
    expect(s.ingest.hub.isLive('live/cam1')).toBe(false);
  });
});
