import { describe, expect, it } from 'vitest';
import type { MediaFrame } from '#ingest/media/media-frame.js';
import { RtmpClientSession, type RtmpClientEvent } from '#ingest/protocols/rtmp/rtmp-client-session.js';
import { RtmpServerSession, type RtmpSessionEvent } from '#ingest/protocols/rtmp/rtmp-server-session.js';
import { encodeFrameChunks } from '#ingest/protocols/rtmp/encode-frame-chunks.js';
import { seededRandom } from '#test/support/feeding.js';

/** A client and a server session wired back to back, bytes delivered in random splits. */
function pair(mode: 'publish' | 'play', server: (s: RtmpServerSession, e: RtmpSessionEvent) => void) {
  const clientEvents: RtmpClientEvent[] = [];
  const serverEvents: RtmpSessionEvent[] = [];
  const random = seededRandom(7);
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  const srv: RtmpServerSession = new RtmpServerSession({
    send: (d) => toClient.push(d),
    onEvent: (e) => {
      serverEvents.push(e);
      server(srv, e);
    },
  });
  const client = new RtmpClientSession({
    mode,
    app: 'live',
    tcUrl: 'rtmp://127.0.0.1:1935/live',
    stream: 'cam1?key=s3cret',
    send: (d) => toServer.push(d),
    onEvent: (e) => clientEvents.push(e),
  });
  const pump = (): void => {
    for (let round = 0; round < 50 && (toServer.length > 0 || toClient.length > 0); round++) {
      for (const q of [toServer, toClient]) {
        const bytes = Buffer.concat(q.splice(0));
        const target = q === toServer ? srv : client;
        let pos = 0;
        while (pos < bytes.length) {
          const n = 1 + Math.floor(random() * 700);
          target.feed(bytes.subarray(pos, pos + n));
          pos += n;
        }
      }
    }
  };
  return { client, srv, clientEvents, serverEvents, pump, toClient };
}

const frames: MediaFrame[] = [
  { kind: 'video-config', codec: 'h264', record: Uint8Array.from([1, 0x64, 0, 0x1f, 0xff, 0xe0, 0]) },
  { kind: 'audio-config', codec: 'aac', record: Uint8Array.from([0x12, 0x10]), sampleRate: 44100, channels: 2 },
  { kind: 'video', codec: 'h264', dts: 5000, pts: 5040, keyframe: true, data: Uint8Array.from([0, 0, 0, 1, 0x65]) },
  { kind: 'audio', codec: 'aac', dts: 5010, data: Uint8Array.from([0x21, 0x22]) },
];

describe('RtmpClientSession', () => {
  it('publishes to a server session: digest handshake, connect, FCPublish, createStream, publish, frames rebased to 0', () => {
    const p = pair('publish', (s, e) => {
      if (e.type === 'connect') s.acceptConnect(e.transactionId);
      if (e.type === 'publish') s.acceptPublish(e.streamId, e.name);
    });
    p.client.start();
    p.pump();
    expect(p.srv.handshakeKind).toBe('digest');
    expect(p.clientEvents.map((e) => e.type)).toEqual(['connected', 'publishing']);
    const connect = p.serverEvents.find((e) => e.type === 'connect');
    expect(connect).toMatchObject({ app: 'live', tcUrl: 'rtmp://127.0.0.1:1935/live' });
    expect(p.serverEvents.find((e) => e.type === 'publish')).toMatchObject({ name: 'cam1?key=s3cret', publishType: 'live' });
    const parts = p.client.encodeFrames(frames);
    for (const b of parts) p.srv.feed(b);
    const got = p.serverEvents.filter((e) => e.type === 'frame').map((e) => (e as { frame: MediaFrame }).frame);
    expect(got.map((f) => f.kind)).toEqual(['video-config', 'audio-config', 'video', 'audio']);
    expect(got[2]).toMatchObject({ dts: 0, pts: 40, keyframe: true });
    expect(got[3]).toMatchObject({ dts: 10 });
  });

  it('reports a refused publish with the server code and stops', () => {
    const p = pair('publish', (s, e) => {
      if (e.type === 'connect') s.acceptConnect(e.transactionId);
      if (e.type === 'publish') s.rejectPublish(e.streamId, 'NetStream.Publish.Denied', 'not allowed');
    });
    p.client.start();
    p.pump();
    expect(p.clientEvents.at(-1)).toEqual({ type: 'rejected', stage: 'publish', code: 'NetStream.Publish.Denied', description: 'not allowed' });
    expect(p.client.state).toBe('closed');
  });

  it('reports a refused connect', () => {
    const p = pair('publish', (s, e) => {
      if (e.type === 'connect') s.rejectConnect(e.transactionId, 'go away');
    });
    p.client.start();
    p.pump();
    expect(p.clientEvents).toEqual([{ type: 'rejected', stage: 'connect', code: 'NetConnection.Connect.Rejected', description: 'go away' }]);
  });

  it('plays from a server session: frames come out decoded, UnpublishNotify ends it', () => {
    const p = pair('play', (s, e) => {
      if (e.type === 'connect') s.acceptConnect(e.transactionId);
      if (e.type === 'play') s.startPlay(e.streamId, e.name, { reset: true });
    });
    p.client.start();
    p.pump();
    expect(p.clientEvents.map((e) => e.type)).toEqual(['connected', 'playing']);
    for (const f of frames) p.client.feed(encodeFrameChunks(f, p.srv.outChunkSize, 1));
    const got = p.clientEvents.filter((e) => e.type === 'frame').map((e) => (e as { frame: MediaFrame }).frame);
    expect(got.map((f) => f.kind)).toEqual(['video-config', 'audio-config', 'video', 'audio']);
    expect(got[2]).toMatchObject({ dts: 5000, pts: 5040 });
    p.srv.sendStatus(1, 'status', 'NetStream.Play.UnpublishNotify', 'gone');
    p.pump();
    expect(p.clientEvents.at(-1)).toEqual({ type: 'ended', code: 'NetStream.Play.UnpublishNotify' });
  });
});
