import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { FlvMuxer } from '#ingest/protocols/flv/flv-muxer.js';
import { HlsSegmenter } from '#ingest/protocols/hls/hls-segmenter.js';
import { hlsResponseHeaders } from '#ingest/protocols/hls/hls-response-headers.js';
import { tsSegmentWriter } from '#ingest/protocols/hls/ts-segment-writer.js';
import { CORS_HEADERS } from '#ingest/protocols/http/cors-headers.js';
import { HTTP_LAST_CHUNK, encodeHttpChunk } from '#ingest/protocols/http/encode-http-chunk.js';
import { encodeHttpResponseHead } from '#ingest/protocols/http/encode-http-response-head.js';
import { httpErrorStatus } from '#ingest/protocols/http/http-error-status.js';
import { HttpRequestParser } from '#ingest/protocols/http/http-request-parser.js';
import { routeHttpRequest } from '#ingest/protocols/http/http-route.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { ffprobePath } from '#test/support/ffmpeg.js';
import { syntheticFrames } from '../flv/synthetic-av.js';

const run = promisify(execFile);

/**
 * A minimal 8080 listener over the pure building blocks (the real one is
 * ingest/src/servers/http/http-server.ts): one recorded stream `live/s`, served as chunked HTTP-FLV and
 * as HLS from an in-memory segmenter; anything else answered with the mapped error status.
 */
async function startPlaybackServer(frames: MediaFrame[]) {
  const hls = new HlsSegmenter({ createWriter: tsSegmentWriter, targetDuration: 1, maxSegments: 10, playlistSegments: 10 });
  for (const f of frames) hls.push(f);
  hls.end();
  const statuses: number[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    const parser = new HttpRequestParser();
    const reply = (status: number, headers: Record<string, string | number>, body: Uint8Array) => {
      statuses.push(status);
      socket.write(encodeHttpResponseHead(status, { ...headers, 'Content-Length': body.length }));
      socket.write(body);
    };
    socket.on('data', (data) => {
      try {
        for (const req of parser.push(data)) {
          const route = routeHttpRequest(req);
          const known = 'stream' in route && route.app === 'live' && route.stream === 's';
          if (route.kind === 'flv' && known) {
            statuses.push(200);
            socket.write(encodeHttpResponseHead(200, { ...CORS_HEADERS, 'Content-Type': 'video/x-flv', 'Transfer-Encoding': 'chunked' }));
            const muxer = new FlvMuxer();
            for (const f of frames) socket.write(encodeHttpChunk(muxer.push(f)));
            socket.end(HTTP_LAST_CHUNK);
          } else if (route.kind === 'hls-playlist' && known) {
            reply(200, hlsResponseHeaders('playlist'), Buffer.from(hls.playlist()));
          } else if (route.kind === 'hls-segment' && known && hls.segment(route.segment)) {
            reply(200, hlsResponseHeaders('segment'), hls.segment(route.segment)!.bytes);
          } else {
            reply(404, {}, new Uint8Array(0));
          }
        }
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        reply(httpErrorStatus(err.code), { Connection: 'close' }, new Uint8Array(0));
        socket.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    statuses,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function countPackets(url: string): Promise<Record<string, number>> {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_name,nb_read_packets', '-of', 'json', url]);
  const streams = (JSON.parse(stdout) as { streams: { codec_name: string; nb_read_packets: string }[] }).streams;
  return Object.fromEntries(streams.map((s) => [s.codec_name, Number(s.nb_read_packets)]));
}

describe('HTTP playback building blocks with a real ffprobe', () => {
  it('serves chunked HTTP-FLV that ffprobe reads completely', async () => {
    const frames = syntheticFrames();
    const server = await startPlaybackServer(frames);
    try {
      expect(await countPackets(`${server.url}/live/s.flv`)).toEqual({
        h264: frames.filter((f) => f.kind === 'video').length,
        aac: frames.filter((f) => f.kind === 'audio').length,
      });
    } finally {
      await server.close();
    }
  });

  it('serves an HLS playlist and segments that ffprobe reads over HTTP', async () => {
    const frames = syntheticFrames();
    const server = await startPlaybackServer(frames);
    try {
      const counts = await countPackets(`${server.url}/live/s/index.m3u8`);
      expect(counts.h264).toBe(frames.filter((f) => f.kind === 'video').length);
      expect(counts.aac).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('answers unknown streams 404 and traversal 400 without stopping', async () => {
    const server = await startPlaybackServer(syntheticFrames());
    try {
      const get = (path: string) =>
        new Promise<string>((resolve) => {
          const s = net.connect(Number(new URL(server.url).port), '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`));
          let text = '';
          s.on('data', (d) => {
            text += d.toString('latin1');
            if (text.includes('\r\n\r\n')) s.destroy();
          });
          s.on('close', () => resolve(text.split('\r\n')[0]!));
        });
      expect(await get('/live/none.flv')).toBe('HTTP/1.1 404 Not Found');
      expect(await get('/live/../../etc/passwd')).toBe('HTTP/1.1 400 Bad Request');
      expect(await get('/live/s/index.m3u8')).toBe('HTTP/1.1 200 OK');
    } finally {
      await server.close();
    }
  });
});
