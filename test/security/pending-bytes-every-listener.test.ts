/**
 * The pending-bytes budget and the per-address cap cover every TCP way in, not only RTMP and HTTP.
 * Real sockets against a real ingest in this process.
 *
 * On the code before this change every test here fails: RTSP and raw FLV/TS connections opened no
 * pending-bytes account (the budget read 0 however much they held, so nothing was refused), a raw
 * source that never claimed a stream held an 8 MiB tag's worth, and the per-address cap counted
 * each listener (and no RTMPT session) on its own, so one host had 64 slots per listener.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeAmf0 } from '#ingest/protocols/amf/amf0-encoder.js';
import { encodeFlvHeader, encodeFlvTag } from '#ingest/protocols/flv/flv-muxer.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';
import { sleep, waitFor } from '../support/wait.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** A socket to `port` and whether the server has closed it. */
function open(port: number, first?: Uint8Array | string): { socket: net.Socket; closed: Promise<void>; closedWithin(ms: number): Promise<boolean> } {
  const socket = net.connect(port, '127.0.0.1', () => {
    if (first !== undefined) socket.write(first);
  });
  socket.on('error', () => undefined);
  socket.resume();
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  return { socket, closed, closedWithin: (ms) => Promise.race([closed.then(() => true), sleep(ms).then(() => false)]) };
}

/** An RTSP ANNOUNCE whose declared body is `declared` bytes and of which `sent` are sent. */
function partialAnnounce(port: number, declared: number, sent: number): string {
  return `ANNOUNCE rtsp://127.0.0.1:${port}/live/x RTSP/1.0\r\nCSeq: 1\r\nContent-Type: application/sdp\r\nContent-Length: ${declared}\r\n\r\n${'v'.repeat(sent)}`;
}

describe('pending bytes: RTSP', () => {
  const t = useTestIngest({ STREAMGATE_MAX_PENDING_BYTES: String(512 * KiB), STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_HANDSHAKE_TIMEOUT_MS: '20000' });
  const sockets: net.Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  it('counts half-received RTSP requests in the budget, refuses new connections once it is full, and gives it back on close', async () => {
    const port = t.ingest.ports.rtsp!;
    for (let i = 0; i < 7; i++) sockets.push(open(port, partialAnnounce(port, 60_000, 59_000)).socket);
    await waitFor(() => t.ingest.context.pendingBytes.used >= 7 * 59_000, 3000, 'the partial bodies to be counted');
    expect(t.ingest.context.pendingBytes.exhausted).toBe(true);
    // Any listener refuses a new socket now, RTMP as well as RTSP.
    expect(await open(t.ingest.ports.rtmp).closedWithin(1000)).toBe(true);
    expect(await open(port).closedWithin(1000)).toBe(true);
    expect(t.logs.some((l) => l.event === 'connection.refused' && l.code === 'PENDING_BYTES_BUDGET_EXHAUSTED')).toBe(true);
    for (const s of sockets.splice(0)) s.destroy();
    await waitFor(() => t.ingest.context.pendingBytes.used === 0, 3000, 'the bytes to be given back');
    expect(await open(t.ingest.ports.rtmp).closedWithin(300)).toBe(false);
  });

  it('lets a complete request through and holds nothing for it afterwards', async () => {
    const port = t.ingest.ports.rtsp!;
    const c = open(port, `OPTIONS rtsp://127.0.0.1:${port}/live/x RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
    sockets.push(c.socket);
    let answer = '';
    c.socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    await waitFor(() => answer.includes('\r\n\r\n'), 3000, 'the OPTIONS answer');
    expect(answer).toMatch(/^RTSP\/1\.0 200 /);
    expect(t.ingest.context.pendingBytes.used).toBe(0);
  });
});

describe('pending bytes: raw FLV over TCP', () => {
  const t = useTestIngest({ STREAMGATE_MAX_PENDING_BYTES: String(2 * MiB), STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_RAW_DEFAULT_STREAM: 'taken' });
  const sockets: net.Socket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.destroy();
  });

  /** The first `sent` bytes of an FLV video tag that announces `size` bytes. */
  function partialTag(size: number, sent: number): Buffer {
    return Buffer.from(encodeFlvTag(9, 0, new Uint8Array(size)).subarray(0, sent));
  }

  it('counts a publisher\'s partial tag in the budget: a 1.95 MiB part of an 8 MiB keyframe leaves no room for new connections', async () => {
    const named = Buffer.concat([encodeFlvHeader(), encodeFlvTag(18, 0, encodeAmf0('onMetaData', { streamName: 'big' }))]);
    const c = open(t.ingest.ports.flv);
    sockets.push(c.socket);
    c.socket.write(named);
    await waitFor(() => t.ingest.hub.isLive('live/big'), 3000, 'the publish');
    c.socket.write(partialTag(8 * MiB - 1, 1980 * KiB));
    await waitFor(() => t.ingest.context.pendingBytes.used >= 1950 * KiB, 3000, 'the partial tag to be counted');
    // The publisher itself goes on (authorized: its own bound is 24 MiB); new sockets are refused.
    expect(await open(t.ingest.ports.rtmp).closedWithin(1000)).toBe(true);
    expect(c.socket.destroyed).toBe(false);
    expect(t.ingest.hub.isLive('live/big')).toBe(true);
    c.socket.destroy();
    await waitFor(() => t.ingest.context.pendingBytes.used === 0, 3000, 'the bytes to be given back');
  });

  it('a raw source that never claims a stream holds at most the pre-auth bound: the default name is decided, and a busy one closes it', async () => {
    // live/taken (the default stream) is live already, from RTMP.
    const owner = new RtmpTestClient();
    await owner.connect(t.rtmpUrl('live'));
    expect((await owner.publish('taken')).code).toBe('NetStream.Publish.Start');
    try {
      const c = open(t.ingest.ports.flv);
      sockets.push(c.socket);
      // No onMetaData: a media tag announced at 8 MiB and sent in part. The old code kept it all.
      c.socket.write(Buffer.concat([encodeFlvHeader(), partialTag(8 * MiB - 1, 1 * MiB)]));
      expect(await c.closedWithin(2000)).toBe(true);
      const busy = t.logs.find((l) => l.event === 'raw.publish-busy');
      expect(busy).toMatchObject({ code: 'RAW_STREAM_BUSY', path: 'live/taken' });
      expect(t.logs.find((l) => l.event === 'raw.no-stream-name')).toBeDefined();
      await waitFor(() => t.ingest.context.pendingBytes.used === 0, 3000, 'the bytes to be given back');
    } finally {
      await owner.close();
    }
  });
});

describe('one per-address cap over every public listener and RTMPT session', () => {
  const t = useTestIngest({ STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS: '3', STREAMGATE_HANDSHAKE_TIMEOUT_MS: '20000', STREAMGATE_IDLE_TIMEOUT_MS: '20000' });
  const sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await waitFor(() => t.ingest.context.connectionsPerAddress.count('127.0.0.1') === 0, 3000, 'the slots to be free');
  });

  it('refuses a fourth socket from one address however the three are spread over RTMP, RTSP and raw FLV', async () => {
    const held = [open(t.ingest.ports.rtmp), open(t.ingest.ports.rtsp!), open(t.ingest.ports.flv)];
    sockets.push(...held.map((h) => h.socket));
    await sleep(100);
    for (const name of ['http', 'ts', 'rtmp']) {
      const fourth = open(t.ingest.ports[name]!);
      expect(await fourth.closedWithin(1000), name).toBe(true);
    }
    for (const h of held) expect(h.socket.destroyed).toBe(false);
    expect(t.logs.some((l) => l.event === 'connection.refused' && l.listener === 'http' && l.code === 'TOO_MANY_CONNECTIONS_FROM_ADDRESS')).toBe(true);
    held[0]!.socket.destroy();
    await sleep(200);
    const again = open(t.ingest.ports.http);
    sockets.push(again.socket);
    expect(await again.closedWithin(300)).toBe(false);
  });

  /** POSTs on one keep-alive HTTP connection; resolves with each answer's status and body. */
  function tunnel(): { post(path: string): Promise<{ status: number; body: string }>; socket: net.Socket } {
    const socket = net.connect(t.ingest.ports.http, '127.0.0.1');
    socket.on('error', () => undefined);
    let buffered = '';
    let waiting: ((a: { status: number; body: string }) => void) | undefined;
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0 || waiting === undefined) return;
      const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      const answer = { status: Number(buffered.slice(9, 12)), body: buffered.slice(end + 4, end + 4 + length) };
      buffered = buffered.slice(end + 4 + length);
      const w = waiting;
      waiting = undefined;
      w(answer);
    });
    return {
      socket,
      post: (path) =>
        new Promise((resolve) => {
          waiting = resolve;
          socket.write(`POST ${path} HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-fcs\r\nContent-Length: 1\r\n\r\n\0`);
        }),
    };
  }

  it('counts each RTMPT session as a connection of its address: past the cap /open answers 503, and /close frees the slot', async () => {
    const http = tunnel();
    sockets.push(http.socket);
    // The HTTP connection is one, two sessions make three.
    const a = await http.post('/open/1');
    const b = await http.post('/open/1');
    expect([a.status, b.status]).toEqual([200, 200]);
    const refused = await http.post('/open/1');
    expect(refused.status).toBe(503);
    expect(t.ingest.context.connectionsPerAddress.count('127.0.0.1')).toBe(3);
    expect((await http.post(`/close/${a.body.trim()}/1`)).status).toBe(200);
    await waitFor(() => t.ingest.context.connectionsPerAddress.count('127.0.0.1') === 2, 3000, 'the session slot to be freed');
    const c = await http.post('/open/1');
    expect(c.status).toBe(200);
    for (const s of [b, c]) await http.post(`/close/${s.body.trim()}/1`);
  });
});
