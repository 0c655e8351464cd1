import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { WRITE_BYTES_PER_TURN } from '#ingest/servers/loop-turn-write-budget.js';
import { syntheticFrames } from '#test/ingest/protocols/flv/synthetic-av.js';
import { useTestIngest } from '#test/support/use-test-ingest.js';
import { sleep } from '#test/support/wait.js';

/** 12 KiB of H.264 filler data (NAL type 12) after each video frame: segments of a few hundred KiB. */
const FILLER = (() => {
  const nal = Buffer.alloc(4 + 12 * 1024, 0xff);
  nal.writeUInt32BE(nal.length - 4, 0);
  nal[4] = 12;
  return nal;
})();

/** The fixture's 3 s of frames, `loops` times one after the other, video frames padded with FILLER. */
function paddedFrames(loops: number): MediaFrame[] {
  const frames = syntheticFrames();
  const out: MediaFrame[] = [];
  for (let loop = 0; loop < loops; loop++) {
    for (const f of frames) {
      if (f.kind === 'video') out.push({ ...f, dts: f.dts + loop * 3000, pts: f.pts + loop * 3000, data: Buffer.concat([f.data, FILLER]) });
      else if (f.kind === 'audio') out.push({ ...f, dts: f.dts + loop * 3000 });
      else if (loop === 0) out.push(f);
    }
  }
  return out;
}

/** A kept-alive connection that has sent one request; `first` resolves when its answer starts. */
function request(port: number, path: string, order: string[], name: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
    socket.once('data', () => order.push(name));
    (socket as Socket & { path?: string }).path = path;
  });
}

describe('HLS answers over HTTP while many large segment answers are due', () => {
  const t = useTestIngest({}, { hls: { targetDuration: 1 } });

  it('answers a playlist request before the segment answers past one turn\'s write budget, and every segment in full', async () => {
    const port = t.ingest.ports.http!;
    const hub = t.ingest.hub;
    const published = hub.publish('live/big', { id: 'p', protocol: 'test', remoteAddress: '127.0.0.1', kick: () => undefined });
    if (!published.ok) throw new Error('stream busy');
    const playlist = fetch(`http://127.0.0.1:${port}/live/big/index.m3u8`).then((r) => r.text());
    const frames = paddedFrames(2);
    for (let i = 0; i < frames.length; i++) {
      published.publication.push(frames[i]!);
      if (i % 10 === 9) await sleep(0);
    }
    const text = await playlist;
    const segment = /^(\d+\.ts)$/m.exec(text)![1]!;
    const size = Number((await fetch(`http://127.0.0.1:${port}/live/big/${segment}`, { method: 'HEAD' })).headers.get('content-length'));
    // Enough segment answers for three turns' budgets.
    const count = Math.ceil((3 * WRITE_BYTES_PER_TURN) / size);
    const order: string[] = [];
    const sockets: Socket[] = [];
    for (let i = 0; i < count; i++) sockets.push(await request(port, `/live/big/${segment}`, order, `segment ${i}`));
    sockets.push(await request(port, '/live/big/index.m3u8', order, 'playlist'));
    const received = sockets.map(() => 0);
    const done = sockets.map(
      (s, i) =>
        new Promise<void>((resolve) => {
          s.on('data', (b: Buffer) => {
            received[i]! += b.length;
            if (i < count && received[i]! >= size) resolve();
            if (i === count) resolve();
          });
        }),
    );
    // Every request is written in this one synchronous step: the server reads them all in one poll phase.
    for (const s of sockets) {
      s.write(`GET ${(s as Socket & { path?: string }).path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    }
    await Promise.all(done);
    for (const s of sockets) s.destroy();
    published.publication.end();
    // The playlist was read last; it went out once the first turn's budget was spent, not after every segment.
    const at = order.indexOf('playlist');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(Math.ceil(WRITE_BYTES_PER_TURN / size) + 2);
    expect(order.length).toBe(count + 1);
    expect(received.slice(0, count).every((n) => n > size)).toBe(true);
  });
});
