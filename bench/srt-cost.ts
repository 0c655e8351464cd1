/**
 * SRT beside RTMP on the ingest side, from inside the ingest:
 *
 *   node --import tsx bench/srt-cost.ts [--seconds 10] [--bitrate 8M]
 *
 * 1. CPU per GB received: one pre-encoded clip (1280x720 H.264 + AAC at --bitrate) is published
 *    with `-re -c copy` once over SRT and once over RTMP (audio re-encoded for FLV: Debian's ffmpeg
 *    5.1 writes an empty AAC sequence header when it copies ADTS AAC into FLV); the ingest's own CPU time
 *    (process.cpuUsage, ffmpeg is another process) is divided by the bytes it received.
 * 2. Play-side latency over SRT at the default latency: a hub reader stamps when each video frame
 *    enters the hub, an ffmpeg SRT player (`-c copy -copyts`, TS to a pipe, demuxed here) stamps
 *    when the same decode time leaves it; percentiles of the difference. This is server + SRT
 *    transport + the player's libsrt TSBPD delay; the publisher's own buffering is not in it.
 *
 * Figures depend on the machine: on a shared one, say so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '#ingest/config.js';
import { createLogger, silentLogger } from '#domain/logger.js';
import { TsDemuxer } from '#ingest/protocols/mpegts/ts-demuxer.js';
import { startIngest } from '#ingest/start-ingest.js';
import { freeUdpPort } from '#test/support/udp.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, bitrate: { type: 'string', default: '8M' } } });
const seconds = Number(args.seconds);
const dir = mkdtempSync(join(tmpdir(), 'sg-srt-bench-'));
const clip = join(dir, 'clip.ts');
const enc = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine', '-t', String(seconds),
  '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', args.bitrate!, '-maxrate', args.bitrate!, '-bufsize', '2M', '-g', '60', '-c:a', 'aac', '-f', 'mpegts', clip]);
if (enc.status !== 0) throw new Error(`encode failed: ${enc.stderr}`);

const srtPort = await freeUdpPort();
const config = loadConfig({
  STREAMGATE_AUTH: 'off', STREAMGATE_HOST: '127.0.0.1', STREAMGATE_RTMP_PORT: '0', STREAMGATE_RTMPS_PORT: '0', STREAMGATE_HTTP_PORT: '0', STREAMGATE_FLV_PORT: '0',
  STREAMGATE_RELAY_FLV_PORT: '0', STREAMGATE_TS_PORT: '0', STREAMGATE_RTSP_PORTS: '0', STREAMGATE_ADMIN_PORT: '0', STREAMGATE_SRT_PORT: String(srtPort), STREAMGATE_DATA_DIR: dir,
});
const ingest = await startIngest(config, { log: process.env.BENCH_LOG ? createLogger('warn') : silentLogger });

function publish(url: string, format: string): Promise<void> {
  return new Promise((resolve) => {
    const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-i', clip, '-c', 'copy', ...(format === 'flv' ? ['-c:a', 'aac'] : []), '-f', format, url], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      if (code !== 0) console.error(`ffmpeg ${format} publish exited ${code}: ${err.slice(-300)}`);
      resolve();
    });
  });
}

async function cost(name: string, url: string, format: string, path: string): Promise<void> {
  const before = process.cpuUsage();
  const started = process.hrtime.bigint();
  let bytes = 0;
  const sample = setInterval(() => {
    const e = ingest.registry.list().find((c) => c.stream === path.split('/')[1] && c.role === 'publisher');
    if (e) bytes = Math.max(bytes, e.bytesIn());
  }, 50);
  await publish(url, format);
  clearInterval(sample);
  const cpu = process.cpuUsage(before);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${name}: ${(bytes / 1e6).toFixed(1)} MB in ${wallS.toFixed(1)} s, ingest CPU ${cpuS.toFixed(2)} s → ${(cpuS / (bytes / 1e9)).toFixed(1)} CPU-s per GB`);
}

await cost('SRT publish ', `srt://127.0.0.1:${srtPort}?streamid=publish:live/bsrt`, 'mpegts', 'live/bsrt');
await cost('RTMP publish', `rtmp://127.0.0.1:${ingest.ports.rtmp}/live/brtmp`, 'flv', 'live/brtmp');

// Play-side latency over SRT.
const hubAt = new Map<number, number>();
const pub = publish(`srt://127.0.0.1:${srtPort}?streamid=publish:live/lat`, 'mpegts');
while (!ingest.hub.isLive('live/lat')) await new Promise((r) => setTimeout(r, 20));
const sub = ingest.hub.subscribe('live/lat', {
  id: 'bench', protocol: 'bench', onPublish: () => undefined, onUnpublish: () => undefined, onEnd: () => undefined,
  write: (frames) => {
    const now = performance.now();
    for (const f of frames) if (f.kind === 'video' && !hubAt.has(Math.round(f.dts))) hubAt.set(Math.round(f.dts), now);
    return true;
  },
});
const deltas: number[] = [];
// The GOP cache gives the player frames that entered the hub before it joined: only frames that
// entered well after it are a latency.
const joinedAt = performance.now() + 1000;
const player = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-fflags', 'nobuffer', '-analyzeduration', '500000', '-i', `srt://127.0.0.1:${srtPort}?streamid=read:live/lat`, '-c', 'copy', '-copyts', '-muxdelay', '0', '-flush_packets', '1', '-f', 'mpegts', 'pipe:1'], { stdio: ['ignore', 'pipe', 'ignore'] });
const demux = new TsDemuxer();
player.stdout.on('data', (d: Buffer) => {
  const now = performance.now();
  for (const e of demux.push(d)) {
    if (e.type !== 'frame' || e.frame.kind !== 'video') continue;
    const at = hubAt.get(Math.round(e.frame.dts));
    if (at !== undefined && at > joinedAt) deltas.push(now - at);
  }
});
await pub;
player.kill('SIGKILL');
sub.close();
// The player's start-up (probing, catching up) is over by the second half.
const live = deltas.slice(Math.floor(deltas.length / 2)).sort((a, b) => a - b);
const q = (p: number): string => (live.length ? live[Math.min(live.length - 1, Math.floor(p * live.length))]!.toFixed(0) : '-');
console.log(`SRT play latency (hub → player's ffmpeg output, default 120 ms TSBPD): p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms over ${live.length} frames`);
await ingest.close();
rmSync(dir, { recursive: true, force: true });
