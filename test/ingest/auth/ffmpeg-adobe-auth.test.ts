import { spawn } from 'node:child_process';
import net from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalFunctions } from '#test/support/use-local-functions.js';
import type { AuthEvent } from '#ingest/auth/authorizer.js';
import { createAuthorizer, type AuthorizerConfig } from '#ingest/auth/create-authorizer.js';
import { createRtmpAccessControl } from '#ingest/auth/create-rtmp-access-control.js';
import { RtmpServerSession, type RtmpSessionEvent } from '#ingest/protocols/rtmp/rtmp-server-session.js';
import { ffmpegPath } from '#test/support/ffmpeg.js';

// A real FFmpeg 5.1 publisher against the real RTMP server session, this authorizer and a real
// local functions server: the Adobe (and llnw) strings, maths and stateless challenge end to end.

const fns = useLocalFunctions('sg-ffauth-');

beforeAll(async () => {
  const res = await fetch(`${fns.url}/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fns.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'alice12', password: 's3cret-pass', grants: { publish: ['cam1'], play: [] } }),
  });
  expect(res.status).toBe(201);
});

/** A loopback RTMP server that asks the access control before answering, as servers/ will. */
async function startAuthServer(config: Partial<AuthorizerConfig> = {}) {
  const events: AuthEvent[] = [];
  const authorizer = createAuthorizer(
    { functionsUrl: fns.url, teaSecret: fns.teaSecret, serviceToken: fns.serviceToken, failureDelayMs: 0, ...config },
    { log: (e) => events.push(e) },
  );
  const access = createRtmpAccessControl(authorizer);
  const log: string[] = [];
  let frames = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let credentials: unknown;
    let appQuery = '';
    let app = '';
    const closeIfDone = () => {
      if (session.state === 'closed') socket.end();
    };
    const onEvent = async (event: RtmpSessionEvent): Promise<void> => {
      if (event.type === 'connect') {
        const q = event.app.indexOf('?');
        app = q < 0 ? event.app : event.app.slice(0, q);
        appQuery = q < 0 ? '' : event.app.slice(q + 1);
        const v = await access.connect({ app, rawApp: event.app, tcUrl: event.tcUrl, remoteAddress: '127.0.0.1', protocol: 'rtmp', commandObject: event.commandObject });
        log.push(v.ok ? 'connect:ok' : 'connect:reject');
        if (v.ok) {
          credentials = v.credentials;
          session.acceptConnect(event.transactionId);
        } else session.rejectConnect(event.transactionId, v.description);
      } else if (event.type === 'publish') {
        const q = event.name.indexOf('?');
        const v = await access.publish({
          app,
          appQuery,
          stream: q < 0 ? event.name : event.name.slice(0, q),
          streamQuery: q < 0 ? '' : event.name.slice(q + 1),
          credentials,
          remoteAddress: '127.0.0.1',
          protocol: 'rtmp',
        });
        log.push(v.ok ? 'publish:ok' : 'publish:denied');
        if (v.ok) session.acceptPublish(event.streamId, event.name);
        else {
          session.rejectPublish(event.streamId, v.code, v.description);
          socket.end();
        }
      } else if (event.type === 'frame') {
        frames++;
      }
      closeIfDone();
    };
    const session: RtmpServerSession = new RtmpServerSession({
      send: (data) => socket.write(data),
      onEvent: (event) => void onEvent(event),
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
  return {
    port,
    events,
    log,
    get frames() {
      return frames;
    },
    close: async () => {
      access.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Runs `run` against a fresh auth server (closed after, whatever happens). */
async function withAuthServer(config: Partial<AuthorizerConfig>, run: (s: Awaited<ReturnType<typeof startAuthServer>>) => Promise<void>): Promise<void> {
  const s = await startAuthServer(config);
  try {
    await run(s);
  } finally {
    await s.close();
  }
}

function publish(url: string, extra: string[] = []): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      ffmpegPath,
      ['-hide_banner', '-loglevel', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=25', '-t', '1', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', ...extra, '-f', 'flv', url],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('FFmpeg publishing through the Adobe challenge', () => {
  it('rtmp://user:pass@… logs in over three connections and publishes', async () => {
    await withAuthServer({}, async (s) => {
      const r = await publish(`rtmp://alice12:s3cret-pass@127.0.0.1:${s.port}/live/cam1`);
      expect(r.stderr).not.toContain('Incorrect');
      expect(r.code).toBe(0);
      expect(s.log).toEqual(['connect:reject', 'connect:reject', 'connect:ok', 'publish:ok']);
      expect(s.frames).toBeGreaterThan(10);
      expect(s.events.map((e) => e.reason)).toEqual(['need_auth', 'challenge', 'allowed', 'allowed']);
    });
  });

  it('a wrong password ends with FFmpeg reporting "Incorrect username/password"', async () => {
    await withAuthServer({}, async (s) => {
      const r = await publish(`rtmp://alice12:wrong-pass@127.0.0.1:${s.port}/live/cam1`);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('Incorrect username/password');
      expect(s.log).not.toContain('publish:ok');
      expect(s.frames).toBe(0);
    });
  });

  it('a right password on a stream outside the grants is denied before any frame', async () => {
    await withAuthServer({}, async (s) => {
      const r = await publish(`rtmp://alice12:s3cret-pass@127.0.0.1:${s.port}/live/other`);
      expect(r.code).not.toBe(0);
      expect(s.log).toEqual(['connect:reject', 'connect:reject', 'connect:ok', 'publish:denied']);
      expect(s.frames).toBe(0);
    });
  });

  it('llnw: FFmpeg answers the Limelight challenge when the server asks for it', async () => {
    await withAuthServer({ challenge: 'llnw' }, async (s) => {
      const r = await publish(`rtmp://alice12:s3cret-pass@127.0.0.1:${s.port}/live/cam1`);
      expect(r.code).toBe(0);
      expect(s.events.filter((e) => e.action === 'connect').map((e) => [e.reason, e.method])).toEqual([
        ['need_auth', undefined],
        ['challenge', 'llnw'],
        ['allowed', 'llnw'],
      ]);
    });
  });

  it('Wowza-style ?user=&pass= on the connect app publishes in one connection', async () => {
    await withAuthServer({}, async (s) => {
      const r = await publish(`rtmp://127.0.0.1:${s.port}/live/cam1`, ['-rtmp_app', 'live?user=alice12&pass=s3cret-pass', '-rtmp_playpath', 'cam1']);
      expect(r.code).toBe(0);
      expect(s.log).toEqual(['connect:ok', 'publish:ok']);
    });
  });
});
