import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeFlvPayload, type FlvTagType } from '#ingest/media/flv-payload.js';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { encodeFrameChunks, RtmpServerSession } from '#ingest/protocols/rtmp/rtmp-server-session.js';
import { ffprobePath } from '#test/support/ffmpeg.js';

/** The frames of the fixture FLV, in file order. */
function fixtureFrames(): MediaFrame[] {
  const file = readFileSync(new URL('../../../fixtures/rtmp/h264-aac-320x240-bframes.flv', import.meta.url));
  const frames: MediaFrame[] = [];
  let pos = file.readUInt32BE(5) + 4;
  while (pos + 11 <= file.length) {
    const size = file.readUIntBE(pos + 1, 3);
    const timestamp = (file.readUIntBE(pos + 4, 3) | (file[pos + 7] << 24)) >>> 0;
    const frame = decodeFlvPayload(file[pos] as FlvTagType, timestamp, file.subarray(pos + 11, pos + 11 + size));
    if (frame !== undefined) frames.push(frame);
    pos += 11 + size + 4;
  }
  return frames;
}

describe('RtmpServerSession with a real ffprobe player', () => {
  it('plays: ffprobe sees h264 320x240 and aac 48 kHz stereo from startPlay + encodeFrameChunks', async () => {
    const frames = fixtureFrames();
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      const session: RtmpServerSession = new RtmpServerSession({
        send: (data) => socket.write(data),
        onEvent: (event) => {
          if (event.type === 'connect') session.acceptConnect(event.transactionId);
          if (event.type === 'play') {
            session.startPlay(event.streamId, event.name, { reset: event.reset });
            for (const frame of frames) socket.write(encodeFrameChunks(frame, session.outChunkSize, event.streamId));
            session.sendStreamEof(event.streamId);
            socket.end();
          }
        },
      });
      socket.on('data', (d) => {
        try {
          session.feed(d);
        } catch {
          socket.destroy();
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const { stdout } = await promisify(execFile)(
        ffprobePath,
        ['-v', 'error', '-show_entries', 'stream=codec_name,width,height,sample_rate,channels', '-of', 'json', `rtmp://127.0.0.1:${port}/live/cam`],
        { timeout: 20_000 },
      );
      const streams = (JSON.parse(stdout) as { streams: Record<string, unknown>[] }).streams;
      expect(streams).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ codec_name: 'h264', width: 320, height: 240 }),
          expect.objectContaining({ codec_name: 'aac', sample_rate: '48000', channels: 2 }),
        ]),
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
