import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { encodeHttpResponseHead } from '#ingest/protocols/http/encode-http-response-head.js';
import { httpErrorStatus } from '#ingest/protocols/http/http-error-status.js';
import { HttpRequestParser } from '#ingest/protocols/http/http-request-parser.js';
import { ProtocolError } from '#ingest/protocols/protocol-error.js';
import { RtmpServerSession, type RtmpSessionEvent } from '#ingest/protocols/rtmp/rtmp-server-session.js';
import { RTMPT_RESPONSE_HEADERS, RtmptTunnel, rtmptErrorStatus } from '#ingest/protocols/rtmpt/rtmpt-tunnel.js';
import { runFfmpeg } from '#test/support/ffmpeg-runs.js';

/**
 * A minimal 8080 listener for the test (the real one is ingest/src/servers/http/http-server.ts): HTTP
 * parser → RTMPT tunnel → one RtmpServerSession per tunnel session, accepting everything.
 */
async function startTunnelServer() {
  const tunnel = new RtmptTunnel();
  const rtmp = new Map<string, RtmpServerSession>();
  const events: RtmpSessionEvent[] = [];
  const errors: unknown[] = [];
  const requests: string[] = [];
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    const parser = new HttpRequestParser();
    const answer = (status: number, body: Uint8Array, close = false) => {
      socket.write(encodeHttpResponseHead(status, { ...RTMPT_RESPONSE_HEADERS, 'Content-Length': body.length }));
      socket.write(body);
      if (close) socket.end();
    };
    socket.on('data', (data) => {
      try {
        for (const req of parser.push(data)) {
          requests.push(req.segments[0] ?? '');
          const route = tunnel.route(req.method, req.segments, req.body, Date.now());
          switch (route.kind) {
            case 'ident':
              answer(route.status, route.body);
              break;
            case 'open': {
              const tunnelSession = route.session;
              const session: RtmpServerSession = new RtmpServerSession({
                send: (bytes) => tunnelSession.enqueue(bytes),
                onEvent: (event) => {
                  events.push(event);
                  if (event.type === 'connect') session.acceptConnect(event.transactionId);
                  else if (event.type === 'publish') session.acceptPublish(event.streamId, event.name);
                },
              });
              rtmp.set(tunnelSession.id, session);
              answer(200, route.body);
              break;
            }
            case 'send':
              rtmp.get(route.session.id)!.feed(route.data);
              answer(200, route.session.reply());
              break;
            case 'idle':
              answer(200, route.session.reply());
              break;
            case 'close':
              rtmp.get(route.session.id)?.close();
              rtmp.delete(route.session.id);
              answer(200, route.body);
              break;
          }
        }
      } catch (err) {
        errors.push(err);
        const code = err instanceof ProtocolError ? err.code : 'INTERNAL';
        answer(code.startsWith('RTMPT_') ? rtmptErrorStatus(code) : httpErrorStatus(code), new Uint8Array(0), true);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    tunnel,
    events,
    errors,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('RTMPT tunnel with a real ffmpeg', () => {
  it('carries an ffmpeg rtmpt:// publish through open/send/idle/close to the RTMP session', async () => {
    const server = await startTunnelServer();
    try {
      const result = await runFfmpeg([
        '-hide_banner', '-loglevel', 'error',
        '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25',
        '-f', 'lavfi', '-i', 'sine', '-t', '1',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-c:a', 'aac',
        '-f', 'flv', `rtmpt://127.0.0.1:${server.port}/live/tunnelled`,
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(server.errors).toEqual([]);
      expect(server.events[0]).toMatchObject({ type: 'connect', app: 'live' });
      expect(server.events[1]).toMatchObject({ type: 'publish', name: 'tunnelled' });
      const frames = server.events.flatMap((e) => (e.type === 'frame' ? [e.frame] : [])) as MediaFrame[];
      expect(frames.find((f) => f.kind === 'video-config')).toMatchObject({ codec: 'h264', width: 160, height: 120 });
      // 25 frames were encoded; ffmpeg's rtmphttp.c close() empties its unsent output buffer before
      // POSTing /close, so the tail it had not flushed yet (the last frame, FCUnpublish,
      // deleteStream) never reaches any server: /close itself is the end of the publish.
      // Plain rtmp:// delivers all 25 and the unpublish.
      expect(frames.filter((f) => f.kind === 'video').length).toBeGreaterThanOrEqual(24);
      expect(server.requests[0]).toBe('open');
      expect(server.requests).toContain('send');
      expect(server.requests.at(-1)).toBe('close');
      expect(server.tunnel.size).toBe(0);
    } finally {
      await server.close();
    }
  });
});
