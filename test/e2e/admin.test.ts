import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { exited } from '../support/ffmpeg-runs.js';
import { startTestIngest } from '../support/ingest-harness.js';
import { useLiveTestIngest } from '../support/use-live-test-ingest.js';
import { RtmpTestClient } from '../support/rtmp-test-client.js';
import { sleep, waitFor } from '../support/wait.js';

type Answer = { status: 'SUCCESS' | 'FAIL'; description: string; code?: string; id?: number | string; data?: unknown };

/** A line client of the admin protocol: send a line, read the next answer line. */
async function adminClient(port: number, host = '127.0.0.1') {
  const socket: Socket = connect(port, host);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let buffered = '';
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  socket.on('data', (d) => {
    buffered += d.toString('utf8');
    let lf;
    while ((lf = buffered.indexOf('\n')) !== -1) {
      lines.push(buffered.slice(0, lf));
      buffered = buffered.slice(lf + 1);
    }
    waiters.splice(0).forEach((w) => w());
  });
  const next = async (): Promise<Answer> => {
    const until = Date.now() + 5000;
    while (lines.length === 0) {
      if (Date.now() > until) throw new Error('no admin answer');
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return JSON.parse(lines.shift()!) as Answer;
  };
  return {
    socket,
    async ask(line: string | object): Promise<Answer> {
      socket.write((typeof line === 'string' ? line : JSON.stringify(line)) + '\n');
      return next();
    },
    close: () => socket.destroy(),
  };
}

/** The admin token of the loopback tests: kick, dropStream and shutdown need it there too. */
const TOKEN = 'loopback-admin-token-1';

describe('admin line protocol on the loopback listener', () => {
  const t = useLiveTestIngest('live/adm', { STREAMGATE_LOG_LEVEL: 'info', STREAMGATE_ADMIN_TOKEN: TOKEN });

  /** An admin session and an RTMP player of live/adm that the server has had time to register. */
  async function adminAndPlayer() {
    const admin = await adminClient(t.ingest.ports.admin!);
    const player = new RtmpTestClient();
    await player.connect(t.rtmpUrl('live'));
    await player.play('adm');
    await sleep(200);
    return { admin, player };
  }

  it('lists live streams and open connections with their roles', async () => {
    const { admin, player } = await adminAndPlayer();
    const streams = await admin.ask({ command: 'listStreams', id: 1 });
    expect(streams).toMatchObject({ status: 'SUCCESS', id: 1 });
    expect(streams.data).toEqual([expect.objectContaining({ stream: 'live/adm', live: true, readers: 1 })]);
    const conns = (await admin.ask('listConnections')).data as { connectionId: string; protocol: string; role?: string }[];
    expect(conns.filter((c) => c.role === 'publisher')).toHaveLength(1);
    expect(conns.filter((c) => c.role === 'player')).toHaveLength(1);
    expect(conns.some((c) => c.protocol === 'admin')).toBe(true);
    const info = await admin.ask({ command: 'streamInfo', stream: 'live/adm' });
    expect(info.data).toMatchObject({ stream: 'live/adm', video: { codec: 'h264', width: 320, height: 240 } });
    expect((await admin.ask({ command: 'streamInfo', stream: 'live/none' })).code).toBe('ADMIN_NOT_FOUND');
    await player.close();
    admin.close();
  });

  it('kicks one connection by id and leaves the others alone', async () => {
    const { admin, player } = await adminAndPlayer();
    const conns = (await admin.ask('listConnections')).data as { connectionId: string; role?: string; protocol: string }[];
    const target = conns.find((c) => c.role === 'player' && c.protocol === 'rtmp')!;
    // Destructive commands need the token even on loopback.
    expect((await admin.ask(`kick connectionId=${target.connectionId}`)).code).toBe('ADMIN_UNAUTHORIZED');
    const kicked = await admin.ask(`kick connectionId=${target.connectionId} token=${TOKEN}`);
    expect(kicked.status).toBe('SUCCESS');
    await waitFor(() => t.ingest.registry.get(target.connectionId) === undefined, 3000, 'the kicked connection to close');
    expect(t.ingest.hub.isLive('live/adm')).toBe(true);
    expect((await admin.ask({ command: 'kick', connectionId: 'c99999', token: TOKEN })).code).toBe('ADMIN_NOT_FOUND');
    await player.close();
    admin.close();
  });

  it('answers malformed lines with coded FAIL answers and keeps the session', async () => {
    const admin = await adminClient(t.ingest.ports.admin!);
    expect((await admin.ask('{not json')).code).toBe('ADMIN_BAD_JSON');
    expect((await admin.ask({ command: 'frobnicate' })).code).toBe('ADMIN_UNKNOWN_COMMAND');
    expect((await admin.ask({ command: 'kick' })).code).toBe('ADMIN_BAD_ARGUMENT');
    expect((await admin.ask('x'.repeat(70_000))).code).toBe('ADMIN_LINE_TOO_LONG');
    expect(await admin.ask({ command: 'version' })).toMatchObject({ status: 'SUCCESS', data: expect.stringMatching(/^streamgate\//) });
    admin.close();
  });

  it('drops a stream: its publisher is disconnected', async () => {
    const admin = await adminClient(t.ingest.ports.admin!);
    expect((await admin.ask({ command: 'dropStream', stream: 'live/adm' })).code).toBe('ADMIN_UNAUTHORIZED');
    const dropped = await admin.ask({ command: 'dropStream', stream: 'live/adm', token: TOKEN });
    expect(dropped.status).toBe('SUCCESS');
    await waitFor(() => !t.ingest.hub.isLive('live/adm'), 3000, 'the stream to go');
    expect(await Promise.race([exited(t.publisher), sleep(5000).then(() => 'still running')])).not.toBe('still running');
    expect((await admin.ask({ command: 'dropStream', stream: 'live/adm', token: TOKEN })).code).toBe('ADMIN_NOT_FOUND');
    admin.close();
  });
});

describe('admin listener bound beyond loopback', () => {
  it('refuses to start without STREAMGATE_ADMIN_TOKEN', async () => {
    await expect(startTestIngest({ STREAMGATE_ADMIN_HOST: '0.0.0.0' })).rejects.toMatchObject({ code: 'CONFIG_INVALID', variable: 'STREAMGATE_ADMIN_TOKEN' });
  });

  it('requires the token on every request, and shutdown starts the drain', async () => {
    const t = await startTestIngest({ STREAMGATE_ADMIN_HOST: '0.0.0.0', STREAMGATE_ADMIN_TOKEN: 'admin-token-for-tests', STREAMGATE_DRAIN_SECONDS: '2' });
    // A player waiting for its stream keeps the drain going for the whole drain time.
    const player = new RtmpTestClient();
    await player.connect(t.rtmpUrl('live'));
    await player.play('later');
    try {
      const admin = await adminClient(t.ingest.ports.admin!);
      expect((await admin.ask({ command: 'listStreams' })).code).toBe('ADMIN_UNAUTHORIZED');
      expect((await admin.ask({ command: 'listStreams', token: 'wrong-token-wrong-token' })).code).toBe('ADMIN_UNAUTHORIZED');
      expect((await admin.ask({ command: 'listStreams', token: 'admin-token-for-tests' })).status).toBe('SUCCESS');
      expect((await admin.ask({ command: 'shutdown', token: 'admin-token-for-tests' })).status).toBe('SUCCESS');
      await waitFor(() => t.ingest.context.state.draining, 2000, 'the drain to start');
      const health = await fetch(`http://127.0.0.1:${t.ingest.ports.http}/healthz`);
      expect([health.status, await health.json()]).toEqual([503, { status: 'draining' }]);
      admin.close();
    } finally {
      await player.close();
      await t.close();
    }
  });
});
