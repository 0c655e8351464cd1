import { spawn, type ChildProcess } from 'node:child_process';
import { ffmpegPath } from './ffmpeg.js';

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

/** Resolves when `child` exits (with its code). */
export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
