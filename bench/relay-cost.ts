/**
 * Relay cost and added latency, short run (npx tsx bench/relay-cost.ts [seconds]).
 *
 * 1. CPU per GB: ingest A (this process) gets a real-time ffmpeg publish (1280x720 testsrc2,
 *    ~4 Mbit/s x264) and serves it, for `seconds` each, (a) to one ffmpeg RTMP player, then
 *    (b) to one relay push target (nginx-rtmp, a separate process, with one ffmpeg player on it
 *    so it forwards). CPU = this process's user+system time (process.cpuUsage) over the window,
 *    minus an idle window with the publish only; bytes = what A sent to the player / the target.
 * 2. Latency of one relay hop: ingest B (this process too) gets A's stream through a relay push;
 *    for each video frame, the time between A's hub and B's hub handing it to a reader (frames
 *    matched by their bytes).
 * Figures are from whatever machine runs it; on a shared, loaded machine they are indicative only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { loadConfig } from '#ingest/config.js';
import { createLogger } from '#domain/logger.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { startIngest, type RunningIngest } from '#ingest/start-ingest.js';
import { nginxRtmpMissing, startNginxRtmp } from '#test/support/nginx-rtmp.js';
import { TEST_INGEST_ENV } from '#test/support/ingest-harness.js';

const seconds = Number(process.argv[2] ?? 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ingest(): Promise<RunningIngest> {
  const config = loadConfig({ ...TEST_INGEST_ENV, STREAMGATE_AUTH: 'off', STREAMGATE_LOG_LEVEL: 'warn', STREAMGATE_RELAY_ALLOW_PRIVATE: 'on' });
  return startIngest(config, { log: createLogger('warn') });
}

function ffmpeg(args: string[]): ChildProcess {
  return spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args], { stdio: 'ignore' });
}

function publish(url: string): ChildProcess {
  return ffmpeg(['-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-b:v', '4M', '-maxrate', '4M', '-bufsize', '2M', '-g', '60', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-f', 'flv', url]);
}

const player = (url: string) => ffmpeg(['-i', url, '-c', 'copy', '-f', 'null', '-']);

async function cpuWindow(ms: number): Promise<number> {
  const start = process.cpuUsage();
  await sleep(ms);
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

const bytesTo = (a: RunningIngest, protocol: string) => a.registry.list().filter((c) => c.protocol === protocol && c.role === 'player').reduce((n, c) => n + c.bytesOut(), 0);

async function main(): Promise<void> {
  const a = await ingest();
  const pub = publish(`rtmp://127.0.0.1:${a.ports.rtmp}/live/bench`);
  await sleep(4000);
  const idle = await cpuWindow(seconds * 1000);

  const p = player(`rtmp://127.0.0.1:${a.ports.rtmp}/live/bench`);
  await sleep(2000);
  const b0 = bytesTo(a, 'rtmp');
  const cpuPlayer = await cpuWindow(seconds * 1000);
  const playerBytes = bytesTo(a, 'rtmp') - b0;
  p.kill('SIGKILL');

  let relayLine = `relay CPU: skipped (${nginxRtmpMissing()})`;
  if (nginxRtmpMissing() === undefined) {
    const nginx = await startNginxRtmp();
    a.relays.setDefinitions([{ id: 'bench', stream: 'live/bench', push: [`rtmp://127.0.0.1:${nginx.port}/live/bench`] }]);
    await sleep(2000);
    const farPlayer = player(`rtmp://127.0.0.1:${nginx.port}/live/bench`);
    await sleep(2000);
    const r0 = a.relays.statuses()[0]!.bytes;
    const cpuRelay = await cpuWindow(seconds * 1000);
    const relayBytes = a.relays.statuses()[0]!.bytes - r0;
    farPlayer.kill('SIGKILL');
    a.relays.setDefinitions([]);
    await nginx.stop();
    relayLine = `relay push: ${((cpuRelay - idle) / (relayBytes / 1e9)).toFixed(1)} CPU s/GB over ${(relayBytes / 1e6).toFixed(1)} MB (${(cpuRelay - idle).toFixed(3)} s above idle)`;
  }
  const playerLine = `RTMP player fan-out: ${((cpuPlayer - idle) / (playerBytes / 1e9)).toFixed(1)} CPU s/GB over ${(playerBytes / 1e6).toFixed(1)} MB (${(cpuPlayer - idle).toFixed(3)} s above idle)`;

  // Latency of one hop A → B.
  const b = await ingest();
  const seen = new Map<string, number>();
  const delays: number[] = [];
  const key = (f: MediaFrame) => (f.kind === 'video' ? createHash('sha1').update(f.data).digest('hex') : undefined);
  const tap = (hub: RunningIngest['hub'], path: string, onVideo: (k: string) => void) =>
    hub.subscribe(path, {
      id: `tap-${path}`,
      protocol: 'bench',
      onPublish: () => {},
      write: (frames) => {
        for (const f of frames) {
          const k = key(f);
          if (k) onVideo(k);
        }
        return true;
      },
      onUnpublish: () => {},
      onEnd: () => {},
    });
  const subA = tap(a.hub, 'live/bench', (k) => seen.set(k, performance.now()));
  const subB = tap(b.hub, 'live/hop', (k) => {
    const t = seen.get(k);
    if (t !== undefined) delays.push(performance.now() - t);
  });
  a.relays.setDefinitions([{ id: 'hop', stream: 'live/bench', push: [`rtmp://127.0.0.1:${b.ports.rtmp}/live/hop`] }]);
  await sleep(seconds * 1000);
  subA.close();
  subB.close();
  delays.sort((x, y) => x - y);
  const q = (p: number) => delays[Math.min(delays.length - 1, Math.floor(p * delays.length))]!.toFixed(2);
  const latencyLine = delays.length ? `one relay hop (hub A → relay RTMP → hub B, loopback): median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms over ${delays.length} video frames` : 'latency: no frames matched';

  pub.kill('SIGKILL');
  await a.close();
  await b.close();
  console.log(`idle (publish only): ${idle.toFixed(3)} CPU s in ${seconds} s`);
  console.log(playerLine);
  console.log(relayLine);
  console.log(latencyLine);
  process.exit(0);
}

void main();
