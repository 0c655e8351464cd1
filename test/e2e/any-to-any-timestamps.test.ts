import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath, ffprobePath } from '../support/ffmpeg.js';
import { exited, publishTestPattern } from '../support/ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { waitFor } from '../support/local-stack-harness.js';

interface Probe {
  readonly streams: { codec_type: string; codec_name: string; width?: number; height?: number; sample_rate?: string }[];
  readonly packets: { kind: string; dts: number; pts: number }[];
}

/** ffprobe's streams and packets (times in ms) of the first `seconds` of `url`. */
function probe(url: string, seconds: number, inputArgs: readonly string[] = []): Promise<Probe> {
  const args = [
    '-v', 'error', ...inputArgs, '-read_intervals', `%+${seconds}`,
    '-show_entries', 'packet=stream_index,dts_time,pts_time:stream=index,codec_type,codec_name,width,height,sample_rate',
    '-of', 'json', url,
  ];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`ffprobe ${url}: ${stderr}`, { cause: err }));
      const out = JSON.parse(stdout) as { streams: (Probe['streams'][number] & { index: number })[]; packets?: { stream_index: number; dts_time?: string; pts_time?: string }[] };
      const kind = new Map(out.streams.map((s) => [s.index, s.codec_type]));
      const packets = (out.packets ?? []).map((p) => ({ kind: kind.get(p.stream_index)!, dts: Number(p.dts_time) * 1000, pts: Number(p.pts_time) * 1000 }));
      resolve({ streams: out.streams, packets });
    });
  });
}

const firstPts = (p: Probe, kind: string): number => p.packets.find((x) => x.kind === kind)!.pts;

/** The stream checks every path must pass: H.264 320x240 and AAC 44.1 kHz, per-stream dts strictly increasing. */
function expectTestPatternStreams(p: Probe, minPackets: number): void {
  const video = p.streams.find((s) => s.codec_type === 'video');
  const audio = p.streams.find((s) => s.codec_type === 'audio');
  expect(video).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
  expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '44100' });
  for (const kind of ['video', 'audio']) {
    const all = p.packets.filter((x) => x.kind === kind).map((x) => x.dts);
    // ffmpeg's RTP demuxer stamps N/A on a stream's first packet when it precedes that stream's first sender report
    const dts = Number.isFinite(all[0]) ? all : all.slice(1);
    expect(dts.length, kind).toBeGreaterThan(minPackets);
    expect(dts.every(Number.isFinite), `${kind} dts present after the first packet`).toBe(true);
    for (let i = 1; i < dts.length; i++) expect(dts[i], `${kind} dts #${i}`).toBeGreaterThan(dts[i - 1]);
  }
}

/** The test pattern with its audio starting `audioDelay` seconds after the video (source A/V offset). */
function delayedAudioArgs(audioDelay: number): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25',
    '-itsoffset', String(audioDelay), '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '25',
    '-c:a', 'aac', '-b:a', '64k',
  ];
}

function runFfmpeg(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => execFile(ffmpegPath, args, { timeout: 20_000 }, (err) => (err ? reject(err) : resolve())));
}

let t: TestIngest;
let dir: string;
const rtsp = (path: string) => `rtsp://127.0.0.1:${t.ingest.ports.rtsp}/${path}`;
const http = (path: string) => `http://127.0.0.1:${t.ingest.ports.http}/${path}`;

beforeAll(async () => {
  t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_RTP_PORTS: '33000-33099' });
  dir = mkdtempSync(join(tmpdir(), 'any-to-any-'));
});
afterAll(async () => {
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('timestamps and codec parameters across protocols (ffprobe)', () => {
  it('an RTSP publish whose audio starts 0.5 s after its video keeps that offset on HTTP-FLV (RTCP sender reports, not arrival time)', async () => {
    // The source's own offset: the same encode written to a file (AAC priming makes it 477 ms, not 500).
    const file = join(dir, 'source.flv');
    await runFfmpeg([...delayedAudioArgs(0.5).filter((a) => a !== '-re'), '-t', '2', '-y', '-f', 'flv', file]);
    const source = await probe(file, 2);
    const expected = firstPts(source, 'audio') - firstPts(source, 'video');
    expect(expected).toBeGreaterThan(400);

    for (const transport of ['tcp', 'udp']) {
      const path = `live/av${transport}`;
      const pub = execFile(ffmpegPath, [...delayedAudioArgs(0.5), '-t', '5', '-rtsp_transport', transport, '-f', 'rtsp', rtsp(path)]);
      try {
        // join within the first GOP: the reader starts at the first keyframe, with the audio after it
        await waitFor(() => t.ingest.hub.isLive(path), 5000, `the publish of ${path}`);
        const p = await probe(http(`${path}.flv`), 2);
        const offset = firstPts(p, 'audio') - firstPts(p, 'video');
        // first-packet arrival alignment measured 541 ms (TCP) and 573 ms (UDP) here; sender reports 477 ms
        expect(Math.abs(offset - expected), `${transport}: audio-video ${offset} ms, source ${expected} ms`).toBeLessThanOrEqual(30);
      } finally {
        pub.kill('SIGKILL');
        await exited(pub);
      }
      expect(t.logs.find((l) => l.event === 'rtsp.unpublish' && l.path === path)).toMatchObject({ alignment: 'rtcp' });
    }
  }, 30_000);

  it('RTSP play of an RTSP publish shows H.264 320x240 and AAC 44.1 kHz with increasing dts on both streams, over TCP and UDP', async () => {
    const pub = publishTestPattern(rtsp('live/probe'), { seconds: 8, format: 'rtsp', extraOutputArgs: ['-rtsp_transport', 'tcp'] });
    try {
      await waitFor(() => (t.ingest.hub.streamInfo('live/probe')?.framesIn ?? 0) > 30, 6000, 'the RTSP publish');
      const [tcp, udp] = await Promise.all([
        probe(rtsp('live/probe'), 2, ['-rtsp_transport', 'tcp']),
        probe(rtsp('live/probe'), 2, ['-rtsp_transport', 'udp']),
      ]);
      expectTestPatternStreams(tcp, 20);
      expectTestPatternStreams(udp, 20);
    } finally {
      pub.kill('SIGKILL');
      await exited(pub);
    }
  }, 20_000);

  it('HLS of an RTSP publish shows H.264 320x240 and AAC 44.1 kHz with increasing dts on both streams', async () => {
    const pub = publishTestPattern(rtsp('live/hlsprobe'), { seconds: 12, format: 'rtsp', extraOutputArgs: ['-rtsp_transport', 'tcp'] });
    try {
      await waitFor(() => (t.ingest.hub.streamInfo('live/hlsprobe')?.framesIn ?? 0) > 30, 6000, 'the RTSP publish');
      const p = await probe(http('live/hlsprobe/index.m3u8'), 3);
      expectTestPatternStreams(p, 30);
    } finally {
      pub.kill('SIGKILL');
      await exited(pub);
    }
  }, 25_000);
});
