import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { encodeFrameChunks, RtmpServerSession, type RtmpSessionEvent } from '#ingest/protocols/rtmp/rtmp-server-session.js';
import { RtmpTestClient } from '#test/support/rtmp-test-client.js';
import { acceptAll, startLoopbackServer } from './loopback-server.js';
import { hexBuffer } from '#test/support/feeding.js';

const videoConfig: MediaFrame = { kind: 'video-config', codec: 'h264', record: Uint8Array.from(hexBuffer('0164001effe1')) };
const keyframe: MediaFrame = { kind: 'video', codec: 'h264', dts: 40, pts: 40, keyframe: true, data: Uint8Array.from(hexBuffer('00000002 6588')) };

describe('RtmpTestClient against RtmpServerSession over loopback', () => {
  it('publishes: connect, createStream, publish, frames reach the server as events', async () => {
    const server = await startLoopbackServer();
    const client = new RtmpTestClient();
    try {
      const connected = await client.connect(`rtmp://127.0.0.1:${server.port}/live?user=u`);
      expect(connected).toMatchObject({ name: '_result', code: 'NetConnection.Connect.Success' });
      expect(server.events[0]).toMatchObject({ type: 'connect', app: 'live?user=u', tcUrl: `rtmp://127.0.0.1:${server.port}/live?user=u` });
      const status = await client.publish('cam');
      expect(status.code).toBe('NetStream.Publish.Start');
      client.sendFrame({ kind: 'metadata', dts: 0, values: { width: 320 } });
      client.sendFrame(videoConfig);
      client.sendFrame(keyframe);
      await expect.poll(() => server.events.filter((e) => e.type === 'frame').length).toBe(3);
      expect(server.events.filter((e) => e.type === 'frame').map((e) => (e as { frame: MediaFrame }).frame)).toEqual([
        { kind: 'metadata', dts: 0, values: { width: 320 } },
        videoConfig,
        keyframe,
      ]);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('records that no Publish.Start arrives before a slow decision, then a denial', async () => {
    let decidePublish: (() => void) | undefined;
    const server = await startLoopbackServer((event, session) => {
      if (event.type === 'connect') session.acceptConnect(event.transactionId);
      if (event.type === 'publish') {
        decidePublish = () => session.rejectPublish(event.streamId, 'NetStream.Publish.Denied', `Stream name not allowed for the logged in user: ${event.name}`);
      }
    });
    const client = new RtmpTestClient();
    try {
      await client.connect(`rtmp://127.0.0.1:${server.port}/live`);
      const publishing = client.publish('cam');
      await expect.poll(() => decidePublish !== undefined).toBe(true);
      await new Promise((r) => setTimeout(r, 50));
      expect(client.received.some((m) => m.kind === 'command' && m.name === 'onStatus')).toBe(false);
      decidePublish?.();
      expect((await publishing).code).toBe('NetStream.Publish.Denied');
      expect(client.received.some((m) => m.kind === 'command' && m.code === 'NetStream.Publish.Start')).toBe(false);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('gets _error Connect.Rejected then close, and the server closes the socket', async () => {
    const server = await startLoopbackServer((event, session) => {
      if (event.type === 'connect') session.rejectConnect(event.transactionId, '[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ');
    });
    const client = new RtmpTestClient();
    try {
      const answer = await client.connect(`rtmp://127.0.0.1:${server.port}/live`);
      expect(answer).toMatchObject({ name: '_error', code: 'NetConnection.Connect.Rejected' });
      await client.nextCommand((m) => m.name === 'close');
      await client.closed;
      expect(client.isClosed).toBe(true);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('plays: frames a server relays with encodeFrameChunks arrive after Play.Start', async () => {
    const players: { socket: net.Socket; session: RtmpServerSession; streamId: number }[] = [];
    const sockets = new Set<net.Socket>();
    const tcp = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      const session: RtmpServerSession = new RtmpServerSession({
        send: (data) => socket.write(data),
        onEvent: (event: RtmpSessionEvent) => {
          acceptAll(event, session);
          if (event.type === 'play') players.push({ socket, session, streamId: event.streamId });
          if (event.type === 'frame') {
            for (const p of players) p.socket.write(encodeFrameChunks(event.frame, p.session.outChunkSize, p.streamId));
          }
        },
      });
      socket.on('data', (d) => session.feed(d));
    });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as net.AddressInfo).port;
    const publisher = new RtmpTestClient();
    const player = new RtmpTestClient();
    try {
      await player.connect(`rtmp://127.0.0.1:${port}/live`);
      expect((await player.play('cam')).code).toBe('NetStream.Play.Reset');
      await player.nextCommand((m) => m.code === 'NetStream.Play.Start');
      await publisher.connect(`rtmp://127.0.0.1:${port}/live`);
      await publisher.publish('cam');
      publisher.sendFrame(videoConfig);
      publisher.sendFrame({ ...keyframe, data: new Uint8Array(10_000).fill(7) });
      const config = await player.nextMessage((m) => m.kind === 'media' && m.frame?.kind === 'video-config');
      const frame = await player.nextMessage((m) => m.kind === 'media' && m.frame?.kind === 'video');
      expect(config).toMatchObject({ streamId: 1, frame: videoConfig });
      expect(frame).toMatchObject({ streamId: 1, timestamp: 40, frame: { keyframe: true, data: new Uint8Array(10_000).fill(7) } });
      const order = player.received.map((m) => (m.kind === 'command' ? m.code : m.kind === 'media' ? 'media' : undefined)).filter(Boolean);
      expect(order.indexOf('NetStream.Play.Start')).toBeLessThan(order.indexOf('media'));
    } finally {
      await publisher.close();
      await player.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    }
  });
});
