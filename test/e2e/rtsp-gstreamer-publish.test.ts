import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exited, probePackets } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { waitFor } from '../support/wait.js';

// GStreamer's rtspclientsink publishing H.264 + AAC: it sends AAC as MP4A-LATM (RFC 6416) and
// ends the session with PAUSE then TEARDOWN. Needs gst-launch-1.0 with rtspclientsink
// (gstreamer1.0-rtsp), x264enc and avenc_aac; reported as skipped when they are missing.

function hasElements(...names: string[]): boolean {
  try {
    for (const n of names) execFileSync('gst-inspect-1.0', ['--exists', n], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const gstReady = hasElements('rtspclientsink', 'x264enc', 'h264parse', 'videotestsrc', 'audiotestsrc', 'avenc_aac', 'aacparse');
if (!gstReady) console.warn('skipping GStreamer rtspclientsink tests: gst-launch-1.0 with rtspclientsink, x264enc and avenc_aac not found');

describe.skipIf(!gstReady)('GStreamer rtspclientsink publishes H.264 + AAC (MP4A-LATM)', () => {
  let t: TestIngest;
  const children = new Set<ChildProcess>();
  beforeAll(async () => {
    t = await startTestIngest({ STREAMGATE_RTP_PORTS: '36000-36999' });
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await t?.close();
  });

  /** About `seconds` of live test pattern and tone, then EOS (rtspclientsink: PAUSE, TEARDOWN, exit). */
  function gstPublish(path: string, protocols: 'tcp' | 'udp', seconds: number): ChildProcess & { output: () => string } {
    const child = spawn(
      'gst-launch-1.0',
      [
        'videotestsrc', 'is-live=true', `num-buffers=${seconds * 25}`, '!', 'video/x-raw,format=I420,width=320,height=240,framerate=25/1',
        '!', 'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'key-int-max=25', '!', 'h264parse',
        '!', 'rtspclientsink', 'name=s', `location=rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`, `protocols=${protocols}`,
        'audiotestsrc', 'is-live=true', `num-buffers=${Math.ceil((seconds * 44100) / 1024)}`, '!', 'audio/x-raw,rate=44100,channels=2',
        '!', 'avenc_aac', '!', 'aacparse', '!', 's.',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.add(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    return Object.assign(child, { output: () => output });
  }

  it.each(['udp', 'tcp'] as const)('over %s: a player sees the H.264 and the AAC track, and GStreamer exits 0', async (protocols) => {
    const path = `live/gst${protocols}`;
    const gst = gstPublish(path, protocols, 5);
    const code = exited(gst);
    await waitFor(() => t.ingest.hub.streamInfo(path)?.audio !== undefined && (t.ingest.hub.streamInfo(path)?.framesIn ?? 0) > 50, 8000, 'video and audio from GStreamer');
    expect(t.ingest.hub.streamInfo(path)?.audio).toEqual({ codec: 'aac', sampleRate: 44100, channels: 2 });
    const probe = await probePackets(`rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`, 1.5);
    expect(probe.codecs.sort()).toEqual(['aac', 'h264']);
    expect(probe.packets.filter((p) => p.codec_type === 'video').length).toBeGreaterThan(10);
    expect(probe.packets.filter((p) => p.codec_type === 'audio').length).toBeGreaterThan(20);
    expect(await code, gst.output()).toBe(0);
    expect(t.logs.some((l) => l.event === 'rtsp.request-refused' && l.method === 'PAUSE')).toBe(false);
  }, 20000);
});
