/**
 * Unauthenticated sockets that never close, and one host taking every slot. Real sockets against
 * a real ingest (and, for credentials, the local functions).
 *
 * On the code before these fixes every test here fails: made-up `?user=&pass=` got
 * NetConnection.Connect.Success (checked only at publish), an accepted connect ended the
 * handshake deadline so a small message every few hundred ms kept the socket open for good, and
 * nothing limited the connections of one source address below the listener's 5000.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeControlMessage } from '#ingest/protocols/rtmp/control-message.js';
import { useTestIngest } from '../support/use-test-ingest.js';
import { startLocalStackForTest, type LocalStackForTest } from '../support/local-stack-harness.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('RTMP query credentials are checked at connect', () => {
  const ALICE = { name: 'alice12', password: 's3cret-pass', publish: ['cam1'] };
  let s: LocalStackForTest;
  beforeAll(async () => {
    s = await startLocalStackForTest({ users: [ALICE] });
  });
  afterAll(() => s?.close());

  it('refuses made-up ?user=&pass= at connect (like a failed Adobe answer) and closes the socket', async () => {
    const c = new RtmpTestClient();
    const answer = await c.connect(s.rtmpUrl('live?user=mallory1&pass=made-up-pass'));
    expect(answer).toMatchObject({ name: '_error', code: 'NetConnection.Connect.Rejected' });
    expect(answer.args[0]).toMatchObject({ description: 'Authentication failed' });
    await c.closed;
    const event = s.logs.find((l) => l.event === 'auth' && l.action === 'connect' && l.user === 'mallory1');
    expect(event).toMatchObject({ allowed: false, reason: 'bad_credentials', method: 'query' });
    expect(s.allLogText()).not.toContain('made-up-pass');
  });

  it('still accepts the right ones at connect and publishes with them', async () => {
    const c = new RtmpTestClient();
    expect((await c.connect(s.rtmpUrl(`live?user=${ALICE.name}&pass=${ALICE.password}`))).name).toBe('_result');
    expect((await c.publish('cam1')).code).toBe('NetStream.Publish.Start');
    await c.close();
  });
});

describe('a connection authorized for nothing keeps the handshake deadline', () => {
  // Auth off: connect is accepted at once, as made-up query credentials used to be.
  const t = useTestIngest({ STREAMGATE_HANDSHAKE_TIMEOUT_MS: '600', STREAMGATE_IDLE_TIMEOUT_MS: '400' });

  it('closes a connected socket that sends a 16-byte message now and then but never publishes or plays', async () => {
    const c = new RtmpTestClient();
    expect((await c.connect(t.rtmpUrl('live'))).name).toBe('_result');
    const started = Date.now();
    // A Window Acknowledgement Size message is 16 bytes on the wire: enough to reset any idle timer.
    const keepAlive = setInterval(() => {
      if (!c.isClosed) c.sendRaw({ chunkStreamId: 2, timestamp: 0, typeId: 5, streamId: 0, payload: encodeControlMessage({ type: 'window-ack-size', size: 2_500_000 }).payload });
    }, 100);
    try {
      await Promise.race([c.closed, sleep(3000)]);
    } finally {
      clearInterval(keepAlive);
    }
    expect(c.isClosed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(t.logs.some((l) => l.event === 'connection.close' && l.reason === 'handshake-timeout' && l.connected === true)).toBe(true);
  });

  it('lets a publisher and a player stay past the deadline', async () => {
    const pub = new RtmpTestClient();
    await pub.connect(t.rtmpUrl('live'));
    expect((await pub.publish('kept')).code).toBe('NetStream.Publish.Start');
    const player = new RtmpTestClient();
    await player.connect(t.rtmpUrl('live'));
    expect((await player.play('kept')).code).toMatch(/^NetStream\.Play\.(Reset|Start)$/);
    const keepAlive = setInterval(() => {
      if (!pub.isClosed) pub.sendRaw({ chunkStreamId: 2, timestamp: 0, typeId: 5, streamId: 0, payload: encodeControlMessage({ type: 'window-ack-size', size: 2_500_000 }).payload });
    }, 100);
    await sleep(1200);
    clearInterval(keepAlive);
    expect(pub.isClosed).toBe(false);
    expect(player.isClosed).toBe(false);
    await pub.close();
    await player.close();
  });
});

describe('per-source-address connection cap on every listener', () => {
  const t = useTestIngest({ STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS: '3', STREAMGATE_HANDSHAKE_TIMEOUT_MS: '20000', STREAMGATE_IDLE_TIMEOUT_MS: '20000' });

  /** Opens a socket; resolves whether the server closed it within `ms`. */
  function open(port: number): { socket: net.Socket; closedWithin(ms: number): Promise<boolean> } {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume();
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    return { socket, closedWithin: (ms) => Promise.race([closed.then(() => true), sleep(ms).then(() => false)]) };
  }

  it.each(['rtmp', 'http', 'rtsp', 'flv', 'ts', 'admin'])('%s: the fourth socket from one address is refused, and a slot frees on close', async (name) => {
    const port = t.ingest.ports[name]!;
    const first = [open(port), open(port), open(port)];
    await sleep(100);
    const fourth = open(port);
    expect(await fourth.closedWithin(1000)).toBe(true);
    for (const f of first) expect(f.socket.destroyed).toBe(false);
    expect(t.logs.some((l) => l.event === 'connection.refused' && l.listener === name && l.code === 'TOO_MANY_CONNECTIONS_FROM_ADDRESS')).toBe(true);
    first[0]!.socket.destroy();
    await sleep(200);
    const again = open(port);
    // raw listeners close sources outside their allow-list themselves; 127.0.0.1 is allowed.
    expect(await again.closedWithin(300)).toBe(false);
    for (const f of [...first, again]) f.socket.destroy();
    await sleep(100);
  });
});
