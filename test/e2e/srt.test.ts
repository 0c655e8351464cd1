import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SRT_HS_TYPE, SRT_REJECT } from '#ingest/protocols/srt/srt-handshake.js';
import { exited, playAndCount, publishTestPattern } from '../support/ffmpeg-runs.js';
import { ffmpegPath } from '../support/ffmpeg.js';
import { mutate } from '../support/fuzz.js';
import { seededRandom } from '../support/feeding.js';
import { startTestIngest, type TestIngest } from '../support/ingest-harness.js';
import { inductionPacket, srtCallerHandshake } from '../support/srt-test-caller.js';
import { freeUdpPort } from '../support/udp.js';
import { waitFor } from '../support/wait.js';

const has = (cmd: string, args: string[]): boolean => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const hasSrtLiveTransmit = has('srt-live-transmit', ['-version']);
const hasGstSrt = has('gst-inspect-1.0', ['srtsrc']) && has('gst-inspect-1.0', ['srtsink']);
if (!hasSrtLiveTransmit) console.warn('srt-live-transmit missing (Debian srt-tools): its checks are skipped');
if (!hasGstSrt) console.warn('GStreamer srtsrc/srtsink missing (gstreamer1.0-plugins-bad): its checks are skipped');

const TS_ARGS = ['-f', 'mpegts'];

/** Runs `cmd` for at most `ms`; resolves with its exit code, stdout byte count and the first bytes, and stderr. */
function run(cmd: string, args: string[], ms: number, stdin?: ChildProcess): Promise<{ code: number | null; bytes: number; head: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    if (stdin) {
      // The reader may end first (killed, or done): what the writer still has then is not an error.
      child.stdin!.on('error', () => undefined);
      stdin.stdout!.pipe(child.stdin!);
    }
    let bytes = 0;
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => {
      bytes += d.length;
      if (chunks.length < 8) chunks.push(d);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, bytes, head: Buffer.concat(chunks), stderr });
    });
  });
}

describe('SRT with real clients (ffmpeg/libsrt, srt-live-transmit, GStreamer)', () => {
  let t: TestIngest;
  let srt: (streamid: string, extra?: string) => string;
  beforeAll(async () => {
    const port = await freeUdpPort();
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_SRT_PORT: String(port), STREAMGATE_RTP_PORTS: '35600-35699' });
    srt = (streamid, extra = '') => `srt://127.0.0.1:${t.ingest.ports.srt}?streamid=${streamid}${extra}`;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an ffmpeg SRT publish plays over SRT (ffmpeg, srt-live-transmit, GStreamer), RTMP, RTSP, HTTP-FLV and HLS', async () => {
    const pub = publishTestPattern(srt('publish:live/srtin'), { seconds: 14, format: 'mpegts' });
    try {
      await waitFor(() => (t.ingest.hub.streamInfo('live/srtin')?.framesIn ?? 0) > 30, 8000, 'the SRT publish');
      const http = `http://127.0.0.1:${t.ingest.ports.http}/live/srtin`;
      const [viaSrt, rtmp, rtsp, flv, hls, slt, gst] = await Promise.all([
        playAndCount(srt('#!::r=live/srtin,m=request'), { frames: 50, timeoutMs: 10_000 }),
        playAndCount(t.rtmpUrl('live/srtin'), { frames: 50, timeoutMs: 10_000 }),
        playAndCount(`rtsp://127.0.0.1:${t.ingest.ports.rtsp}/live/srtin`, { frames: 50, timeoutMs: 10_000, inputArgs: ['-rtsp_transport', 'tcp'] }),
        playAndCount(`${http}.flv`, { frames: 50, timeoutMs: 10_000 }),
        playAndCount(`${http}/index.m3u8`, { frames: 25, timeoutMs: 10_000 }),
        hasSrtLiveTransmit ? run('srt-live-transmit', ['-q', srt('read:live/srtin'), 'file://con'], 3000) : undefined,
        hasGstSrt
          ? run('gst-launch-1.0', ['-q', 'srtsrc', `uri=${srt('read:live/srtin')}`, '!', 'tsdemux', '!', 'h264parse', '!', 'fakesink', 'num-buffers=50'], 10_000)
          : undefined,
      ]);
      for (const r of [viaSrt, rtmp, rtsp, flv]) expect(r.videoFrames, r.stderr).toBeGreaterThanOrEqual(50);
      expect(hls.videoFrames, hls.stderr).toBeGreaterThanOrEqual(25);
      if (slt) {
        // srt-live-transmit writes the received MPEG-TS to stdout: 188-byte packets, sync 0x47.
        expect(slt.bytes, slt.stderr).toBeGreaterThan(50_000);
        expect([slt.head[0], slt.head[188], slt.head[376]]).toEqual([0x47, 0x47, 0x47]);
      }
      if (gst) expect(gst.code, gst.stderr).toBe(0);
    } finally {
      // SIGINT: ffmpeg closes the SRT socket (SHUTDOWN), so the close is logged at once.
      pub.kill('SIGINT');
      await exited(pub);
    }
    await waitFor(() => t.logs.some((l) => l.event === 'connection.close' && l.stream === 'srtin' && l.role === 'publisher'), 7000, 'the publisher close');
    const close = t.logs.find((l) => l.event === 'connection.close' && l.stream === 'srtin' && l.role === 'publisher');
    expect(close).toMatchObject({ protocol: 'srt', app: 'live', continuityErrors: 0, dropped: 0 });
  }, 40_000);

  it('an RTMP publish plays over SRT; srt-live-transmit and GStreamer srtsink publish', async () => {
    const pub = publishTestPattern(t.rtmpUrl('live/fromrtmp'), { seconds: 10 });
    let slt: ChildProcess | undefined;
    let feed: ChildProcess | undefined;
    let gst: Promise<unknown> | undefined;
    try {
      await waitFor(() => t.ingest.hub.isLive('live/fromrtmp'), 8000, 'the RTMP publish');
      const play = playAndCount(srt('read:live/fromrtmp'), { frames: 50, timeoutMs: 10_000 });
      if (hasSrtLiveTransmit) {
        feed = spawn(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', ...TS_ARGS, 'pipe:1'], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        slt = spawn('srt-live-transmit', ['-q', 'file://con', srt('publish:live/slt')], { stdio: ['pipe', 'ignore', 'ignore'] });
        // srt-live-transmit is killed before its feed at the end: the feed's last bytes then meet EPIPE.
        slt.stdin!.on('error', () => undefined);
        feed.stdout!.pipe(slt.stdin!);
      }
      if (hasGstSrt) {
        gst = run(
          'gst-launch-1.0',
          ['-q', 'videotestsrc', 'num-buffers=125', '!', 'video/x-raw,width=320,height=240,framerate=25/1', '!', 'x264enc', 'tune=zerolatency', 'key-int-max=25', '!', 'h264parse', '!', 'mpegtsmux', 'alignment=7', '!', 'srtsink', `uri=${srt('publish:live/gst')}`],
          15_000,
        );
      }
      const played = await play;
      expect(played.videoFrames, played.stderr).toBeGreaterThanOrEqual(50);
      if (slt) await waitFor(() => (t.ingest.hub.streamInfo('live/slt')?.framesIn ?? 0) > 25, 8000, 'the srt-live-transmit publish');
      // videotestsrc runs as fast as it can: the publish may be over already; its close says how much came.
      if (gst !== undefined) {
        await waitFor(() => t.logs.some((l) => l.event === 'connection.close' && l.stream === 'gst'), 15_000, 'the GStreamer srtsink publish');
        const close = t.logs.find((l) => l.event === 'connection.close' && l.stream === 'gst')!;
        expect(close).toMatchObject({ dropped: 0, continuityErrors: 0 });
        // 125 pictures and the decoder config
        expect(close.frames).toBe(126);
      }
    } finally {
      for (const c of [pub, feed, slt]) c?.kill('SIGKILL');
      await gst;
    }
  }, 40_000);

  it('inductions from many ports, fuzzed handshakes and forged cookies leave no state and do not disturb a publisher', async () => {
    const srtServer = t.ingest.srt!;
    const pub = publishTestPattern(srt('publish:live/steady'), { seconds: 8, format: 'mpegts' });
    const sockets = await Promise.all(
      Array.from({ length: 200 }, () => new Promise<ReturnType<typeof createSocket>>((resolve) => {
        const s = createSocket('udp4');
        s.bind(0, '127.0.0.1', () => resolve(s));
      })),
    );
    try {
      await waitFor(() => t.ingest.hub.isLive('live/steady'), 8000, 'the publish');
      const peersBefore = srtServer.peerCount;
      const answered = { n: 0 };
      for (const s of sockets) s.on('message', () => answered.n++);
      const before = srtServer.counters.inductions;
      sockets.forEach((s, i) => s.send(inductionPacket(i + 1), t.ingest.ports.srt!, '127.0.0.1'));
      await waitFor(() => answered.n >= 200, 5000, 'the induction answers');
      expect(srtServer.counters.inductions - before).toBe(200);
      // Mutated conclusions, forged cookies, garbage and short packets from one port.
      const random = seededRandom(21);
      const conclusion = Buffer.from(inductionPacket(77));
      conclusion.writeUInt32BE(SRT_HS_TYPE.conclusion, 16 + 20);
      conclusion.writeUInt32BE(5, 16);
      for (let i = 0; i < 500; i++) sockets[0]!.send(mutate(i % 2 ? conclusion : inductionPacket(5), random), t.ingest.ports.srt!, '127.0.0.1');
      sockets[1]!.send(Buffer.alloc(3), t.ingest.ports.srt!, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 300));
      expect(srtServer.pendingCount).toBe(0);
      expect(srtServer.peerCount).toBe(peersBefore);
      const framesBefore = t.ingest.hub.streamInfo('live/steady')!.framesIn;
      await waitFor(() => t.ingest.hub.streamInfo('live/steady')!.framesIn > framesBefore + 25, 3000, 'the publisher to go on');
      expect(await srtCallerHandshake(t.ingest.ports.srt!, 'read:live/steady')).toMatchObject({ type: SRT_HS_TYPE.conclusion });
    } finally {
      for (const s of sockets) s.close();
      pub.kill('SIGKILL');
      await exited(pub);
    }
  }, 30_000);

  it('refuses a play of a stream that is not live with 1404, a bad stream id or path with 1400, an unknown mode with 1405, each logged with its SRT code and what to fix', async () => {
    const port = t.ingest.ports.srt!;
    expect((await srtCallerHandshake(port, 'read:live/nothing')).type).toBe(1000 + SRT_REJECT.notFound);
    const cases: [string, number, string][] = [
      ['publish:live/../x', SRT_REJECT.badRequest, 'SRT_STREAM_NAME_BAD_SEGMENT'],
      ['publish:live', SRT_REJECT.badRequest, 'SRT_STREAM_NAME_INCOMPLETE'],
      [`publish:${'a'.repeat(300)}/x`, SRT_REJECT.unacceptable, 'SRT_STREAM_NAME_TOO_LONG'],
      ['bogus:live/x', SRT_REJECT.badMode, 'SRT_BAD_MODE'],
      ['#!::r=live/x,m=bidirectional', SRT_REJECT.badMode, 'SRT_BAD_MODE'],
      ['#!::r=live/x,u=alice,s=pw,zzsecretzz', SRT_REJECT.badRequest, 'SRT_BAD_STREAM_ID'],
    ];
    for (const [id, reject, code] of cases) {
      expect((await srtCallerHandshake(port, id)).type, id).toBe(1000 + reject);
      const line = t.logs.findLast((l) => l.event === 'srt.refused');
      expect(line, id).toMatchObject({ code, reject });
      expect(typeof line!.reason).toBe('string');
    }
    // No raw STREAM_NAME_* code reaches the log, and no part of a stream id's password.
    expect(t.logs.some((l) => l.event === 'srt.refused' && String(l.code).startsWith('STREAM_NAME_'))).toBe(false);
    expect(JSON.stringify(t.logs.filter((l) => l.event === 'srt.refused'))).not.toContain('zzsecretzz');
  }, 15_000);
});

describe('SRT with a passphrase (AES, interoperable with libsrt)', () => {
  let t: TestIngest;
  beforeAll(async () => {
    const port = await freeUdpPort();
    t = await startTestIngest({ STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_SRT_PORT: String(port), STREAMGATE_SRT_PASSPHRASE: 'correcthorsebattery' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('ffmpeg publishes and plays encrypted (AES-128 and AES-256); a wrong or missing passphrase is refused with its reason', async () => {
    const base = `srt://127.0.0.1:${t.ingest.ports.srt}?streamid=`;
    const pass = `&passphrase=${encodeURIComponent('correcthorsebattery')}`;
    const pub = publishTestPattern(`${base}publish:live/secret${pass}&pbkeylen=32`, { seconds: 10, format: 'mpegts' });
    try {
      await waitFor(() => (t.ingest.hub.streamInfo('live/secret')?.framesIn ?? 0) > 30, 8000, 'the encrypted publish');
      const [ok, wrong, none] = await Promise.all([
        playAndCount(`${base}read:live/secret${pass}&pbkeylen=16`, { frames: 50, timeoutMs: 10_000 }),
        playAndCount(`${base}read:live/secret&passphrase=wrongpassphrase`, { frames: 1, timeoutMs: 8000 }),
        playAndCount(`${base}read:live/secret`, { frames: 1, timeoutMs: 8000 }),
      ]);
      expect(ok.videoFrames, ok.stderr).toBeGreaterThanOrEqual(50);
      expect(wrong.videoFrames).toBe(0);
      expect(wrong.stderr).toMatch(/Incorrect passphrase/);
      expect(none.videoFrames).toBe(0);
      expect(none.stderr).toMatch(/Password required or unexpected/);
    } finally {
      pub.kill('SIGKILL');
      await exited(pub);
    }
    expect(t.logs.some((l) => l.event === 'srt.refused' && l.code === 'SRT_BAD_SECRET')).toBe(true);
    expect(JSON.stringify(t.logs)).not.toContain('correcthorse');
  }, 30_000);
});

describe('SRT stream keys replaced on a long encrypted play (libsrt as the player)', () => {
  let t: TestIngest;
  beforeAll(async () => {
    const port = await freeUdpPort();
    // A key every 300 packets (libsrt's default is 2^24): several switches within seconds.
    t = await startTestIngest({
      STREAMGATE_LOG_LEVEL: 'info',
      STREAMGATE_SRT_PORT: String(port),
      STREAMGATE_SRT_PASSPHRASE: 'correcthorsebattery',
      STREAMGATE_SRT_KM_REFRESH_PACKETS: '300',
      STREAMGATE_SRT_KM_PREANNOUNCE_PACKETS: '50',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('ffmpeg decodes every frame across the key switches: each next key is announced in-band, answered, then used', async () => {
    const pub = publishTestPattern(t.rtmpUrl('live/rekey'), { seconds: 20 });
    try {
      await waitFor(() => (t.ingest.hub.streamInfo('live/rekey')?.framesIn ?? 0) > 30, 8000, 'the publish');
      const pass = `&passphrase=${encodeURIComponent('correcthorsebattery')}`;
      const play = await playAndCount(`srt://127.0.0.1:${t.ingest.ports.srt}?streamid=read:live/rekey${pass}`, { frames: 200, timeoutMs: 20_000 });
      expect(play.videoFrames, play.stderr).toBeGreaterThanOrEqual(200);
      // A packet under a key the player lacks would be garbage to the demuxer and the decoder.
      expect(play.stderr).not.toMatch(/decrypt|corrupt|error while decoding|Invalid data|non-existing PPS|decode_slice_header error/i);
    } finally {
      pub.kill('SIGKILL');
      await exited(pub);
    }
    await waitFor(() => t.logs.some((l) => l.event === 'connection.close' && l.protocol === 'srt' && l.role === 'player'), 5000, 'the SRT player closed');
    const closed = t.logs.find((l) => l.event === 'connection.close' && l.protocol === 'srt' && l.role === 'player')!;
    expect(closed.keySwitches, JSON.stringify(closed)).toBeGreaterThanOrEqual(2);
    expect(closed.undecryptable).toBe(0);
  }, 45_000);
});
