import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { expect } from 'vitest';
import { ffmpegPath, ffprobePath } from './ffmpeg.js';
import type { TestIngest } from './ingest-harness.js';
import { sleep, waitFor } from './wait.js';

/** Test-pattern publish options. */
export interface PublishOptions {
  /** Seconds of media; omitted = until killed. */
  readonly seconds?: number;
  readonly size?: string;
  readonly rate?: number;
  /** Keyframe interval in frames. */
  readonly gop?: number;
  /** Output format (default flv). */
  readonly format?: string;
  readonly extraOutputArgs?: readonly string[];
}

/** Publishes lavfi testsrc + sine (libx264 + aac) in real time to `url`. */
export function publishTestPattern(url: string, opts: PublishOptions = {}): ChildProcess {
  const size = opts.size ?? '320x240';
  const rate = opts.rate ?? 25;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${rate}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
    ...(opts.seconds !== undefined ? ['-t', String(opts.seconds)] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(opts.gop ?? rate), '-c:a', 'aac', '-b:a', '64k',
    ...(opts.extraOutputArgs ?? []),
    '-f', opts.format ?? 'flv', url,
  ];
  const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.setEncoding('utf8');
  let err = '';
  child.stderr!.on('data', (d: string) => (err = (err + d).slice(-4000)));
  (child as ChildProcess & { errorText: () => string }).errorText = () => err;
  return child;
}

/** Result of a decoding player run. */
export interface PlayResult {
  readonly code: number | null;
  readonly videoFrames: number;
  readonly stderr: string;
  /** ms from spawn to the first decoded video frame (from -progress), or undefined. */
  readonly firstFrameMs?: number;
}

/**
 * Plays `url` with ffmpeg, decoding `frames` video frames (or until `timeoutMs`), and counts
 * decoded frames per stream with the null muxer's -stats output.
 */
export function playAndCount(url: string, opts: { frames: number; timeoutMs: number; inputArgs?: readonly string[] }): Promise<PlayResult> {
  const args = [
    '-hide_banner', '-nostats', '-loglevel', 'error',
    ...(opts.inputArgs ?? []),
    '-i', url,
    '-frames:v', String(opts.frames),
    '-progress', 'pipe:1', '-stats_period', '0.05',
    '-f', 'null', '-',
  ];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let stderr = '';
    let firstFrameMs: number | undefined;
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (firstFrameMs === undefined && /frame=[1-9]/.test(out)) firstFrameMs = Date.now() - started;
    });
    child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const frames = [...out.matchAll(/^frame=(\d+)$/gm)].map((m) => Number(m[1]));
      resolve({ code, videoFrames: frames.length ? frames[frames.length - 1] : 0, stderr, firstFrameMs });
    });
  });
}

/** A player for expectAllPlay: its URL and ffmpeg input options (e.g. `-rtsp_transport tcp`). */
export interface PlayerSpec {
  readonly url: string;
  readonly inputArgs?: readonly string[];
  /** Its own time limit instead of expectAllPlay's. */
  readonly timeoutMs?: number;
}

/** Runs the players at once: each decodes at least `frames` video frames within `timeoutMs` (its stderr says why not). */
export async function expectAllPlay(players: readonly PlayerSpec[], frames: number, timeoutMs: number): Promise<void> {
  const results = await Promise.all(players.map((p) => playAndCount(p.url, { frames, timeoutMs: p.timeoutMs ?? timeoutMs, inputArgs: p.inputArgs })));
  for (const r of results) expect(r.videoFrames, r.stderr).toBeGreaterThanOrEqual(frames);
}

/**
 * Waits until `publisher` has put more than 30 frames of `path` into the hub of `t`, then runs
 * `run`; the publisher is killed (and awaited) after, whatever happens.
 */
export async function whilePublishing(t: TestIngest, publisher: ChildProcess, path: string, timeoutMs: number, run: () => Promise<void>): Promise<void> {
  try {
    await waitFor(() => (t.ingest.hub.streamInfo(path)?.framesIn ?? 0) > 30, timeoutMs, `the publish of ${path}`);
    await run();
  } finally {
    publisher.kill('SIGKILL');
    await exited(publisher);
  }
}

/** Resolves when `child` exits (with its code). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Kills `child` unless it has ended already, and waits for its exit. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGKILL');
  await exited(child);
}

/** Publishes the test pattern to `url` and waits (up to 15 s) until `hub` has `path` live. */
export async function publishLive(url: string, hub: { isLive(path: string): boolean }, path: string, opts: PublishOptions = {}): Promise<ChildProcess> {
  const child = publishTestPattern(url, opts);
  await waitFor(() => hub.isLive(path), 15_000, `the publish of ${path}`);
  return child;
}

/** One packet as ffprobe reports it: its stream's kind and its decode timestamp. */
export interface ProbedPacket {
  readonly codec_type: string;
  readonly dts: number;
}

/** ffprobe's packets of the first `seconds` of `url`, with each packet's stream kind. */
export function probePackets(url: string, seconds: number): Promise<{ codecs: string[]; packets: ProbedPacket[] }> {
  const args = ['-v', 'error', '-read_intervals', `%+${seconds}`, '-show_entries', 'packet=stream_index,dts:stream=index,codec_type,codec_name', '-of', 'json', url];
  return new Promise((resolve, reject) => {
    execFile(ffprobePath, args, { timeout: 20_000 }, (err, stdout) => {
      if (err) return reject(err);
      const out = JSON.parse(stdout) as { streams: { index: number; codec_type: string; codec_name: string }[]; packets: { stream_index: number; dts: number }[] };
      const kind = new Map(out.streams.map((s) => [s.index, s.codec_type]));
      resolve({ codecs: out.streams.map((s) => s.codec_name), packets: out.packets.map((p) => ({ codec_type: kind.get(p.stream_index)!, dts: Number(p.dts) })) });
    });
  });
}

/**
 * Asserts, for the video and the audio track of a probe, more than `minPackets` packets with
 * strictly increasing dts, and (when given) a first dts below `startsBelowMs`.
 */
export function expectIncreasingDts(packets: readonly ProbedPacket[], opts: { minPackets: number; startsBelowMs?: number }): void {
  for (const kind of ['video', 'audio']) {
    const dts = packets.filter((p) => p.codec_type === kind).map((p) => p.dts);
    expect(dts.length).toBeGreaterThan(opts.minPackets);
    if (opts.startsBelowMs !== undefined) expect(dts[0]).toBeLessThan(opts.startsBelowMs);
    for (let i = 1; i < dts.length; i++) expect(dts[i]).toBeGreaterThan(dts[i - 1]);
  }
}

/**
 * An RTMP probe of `path` waits on `t` while `publish` starts a publisher (so the probe sees the
 * publication from its first frame): `path` goes live, and the probe finds H.264 and AAC with
 * increasing timestamps that start near 0 (below 100 ms).
 */
export async function expectProbedFromStart(t: TestIngest, path: string, publish: () => void): Promise<void> {
  const probe = probePackets(t.rtmpUrl(path), 2);
  await sleep(300);
  publish();
  await waitFor(() => t.ingest.hub.isLive(path), 10_000, path);
  const { codecs, packets } = await probe;
  expect(codecs.sort()).toEqual(['aac', 'h264']);
  expectIncreasingDts(packets, { minPackets: 20, startsBelowMs: 100 });
}

/** Runs ffmpeg with `args` to completion; resolves with its exit code and stderr. */
export function runFfmpeg(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
