import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, spawnCli } from '../support/cli-runner.js';
import { freePort } from '../support/wait.js';

// `printf … | nc 127.0.0.1 1112` from docs/operating.md hangs with Debian's netcat (it needs -N);
// `streamgate admin` talks the line protocol itself.

// A real `streamgate start` (as a user runs it): the admin listener takes the data dir's token.
let server: ChildProcess;
let adminPort: number;
let dataDir: string;

const admin = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => spawnCli(['admin', ...args], env, 20_000);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sg-admin-stack-'));
  adminPort = await freePort();
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STREAMGATE_')));
  server = spawn(process.execPath, ['bin/streamgate.js', 'start'], {
    env: {
      ...clean,
      STREAMGATE_DATA_DIR: dataDir,
      STREAMGATE_HOST: '127.0.0.1',
      STREAMGATE_ADMIN_PORT: String(adminPort),
      ...Object.fromEntries(['RTMP', 'HTTP', 'FLV', 'TS', 'FUNCTIONS', 'SRT', 'RELAY_FLV', 'RTMPS'].map((p) => [`STREAMGATE_${p}_PORT`, '0'])),
      STREAMGATE_RTSP_PORTS: '0',
      STREAMGATE_LOG_LEVEL: 'warn',
    },
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('streamgate is running')) resolve();
    });
    server.on('exit', (code) => reject(new Error(`streamgate start exited ${code}`)));
  });
}, 40_000);
afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('streamgate admin', () => {
  it('lists streams on the port given by STREAMGATE_ADMIN_PORT and exits 0', async () => {
    const r = await admin(['list'], { STREAMGATE_ADMIN_PORT: String(adminPort), STREAMGATE_DATA_DIR: dataDir });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([]);
  }, 30_000);

  it('sends the data dir token, so kick reaches the server; a FAIL answer prints its code, exit 1', async () => {
    const r = await admin(['kick', 'no-such-connection', '--port', String(adminPort), '--data-dir', dataDir]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: ADMIN_NOT_FOUND: /);
    const other = mkdtempSync(join(tmpdir(), 'sg-admin-other-'));
    const wrong = await admin(['kick', 'no-such-connection', '--port', String(adminPort), '--data-dir', other]);
    rmSync(other, { recursive: true, force: true });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('ADMIN_UNAUTHORIZED');
    expect(wrong.err).toContain('hint: no admin token found');
    const drop = await admin(['drop', '--port', String(adminPort)]);
    expect(drop.code).toBe(1);
    expect(drop.err).toContain('dropStream needs <stream>');
  }, 30_000);

  it('says what to check when nothing listens there', async () => {
    const closed = await freePort();
    const r = await admin(['list'], { STREAMGATE_ADMIN_PORT: String(closed) });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot reach the admin listener at 127.0.0.1:${closed} (ECONNREFUSED)`);
    expect(r.err).toContain(`STREAMGATE_ADMIN_PORT=${closed}`);
  }, 30_000);

  it('sends the admin token from the data dir with the request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-admin-cli-'));
    writeFileSync(join(dir, 'admin-token'), 'the-token-from-the-data-dir\n');
    const lines: string[] = [];
    const server: Server = createServer((socket) => {
      socket.once('data', (d) => {
        lines.push(d.toString('utf8'));
        socket.end('{"status":"SUCCESS","description":"Dropped"}\n');
      });
    });
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    try {
      const r = await admin(['dropStream', 'live/cam1', '--port', String(port), '--data-dir', dir]);
      expect(r.code).toBe(0);
      expect(r.out.trim()).toBe('Dropped');
      expect(JSON.parse(lines[0])).toEqual({ command: 'dropStream', stream: 'live/cam1', token: 'the-token-from-the-data-dir' });
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
