import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_INGEST_ENV } from '../support/ingest-harness.js';

/** Every listener of the ingest and the functions on a free port (0) unless overridden, warnings only. */
const ephemeral = (dataDir: string): Record<string, string> => ({
  ...TEST_INGEST_ENV,
  STREAMGATE_DATA_DIR: dataDir,
  STREAMGATE_FUNCTIONS_PORT: '0',
  STREAMGATE_LOG_LEVEL: 'warn',
});

const children: ChildProcess[] = [];
const dirs: string[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
  for (const s of servers.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sg-start-'));
  dirs.push(d);
  return d;
}

/** Runs `streamgate start` to its end (or `timeoutMs`), collecting output. */
function run(env: Record<string, string>, timeoutMs = 25_000): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/streamgate.js', 'start'], { env: { ...process.env, ...env } });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

/** Starts `streamgate start` and resolves once its banner is out. */
function startRunning(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/streamgate.js', 'start'], { env: { ...process.env, ...env } });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('streamgate is running')) resolve(child);
    });
    child.on('close', (code) => reject(new Error(`first start exited ${code}`)));
  });
}

function occupiedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    servers.push(s);
    s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port));
  });
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

describe('streamgate start: errors a user can fix are said plainly', () => {
  it('a second start on the same data dir names the dir and the running pid, exits 1, no stack trace', async () => {
    const dir = tempDir();
    const first = await startRunning(ephemeral(dir));
    const second = await run(ephemeral(dir));
    expect(second.code).toBe(1);
    expect(second.err).toContain(`data dir ${dir} is in use`);
    expect(second.err).toContain(`pid ${first.pid}`);
    expect(second.err).toContain('STREAMGATE_DATA_DIR');
    noStackTrace(second.err);
    expect(second.err).not.toContain('Database is closed');
  }, 40_000);

  it('a data dir left by a process that is gone is taken over', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'streamgate.pid'), '999999999\n');
    const child = await startRunning(ephemeral(dir));
    expect(child.exitCode).toBeNull();
  }, 30_000);

  it.each([
    ['an RTMP port in use names the port and its variable, exits 1, no stack trace', 'STREAMGATE_RTMP_PORT', 'set STREAMGATE_RTMP_PORT to a free port (0 picks one)'],
    ['a functions port in use names STREAMGATE_FUNCTIONS_PORT', 'STREAMGATE_FUNCTIONS_PORT', undefined],
  ])('%s', async (_title, variable, hint) => {
    const port = await occupiedPort();
    const r = await run({ ...ephemeral(tempDir()), [variable]: String(port) });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`port ${port} (${variable}) is already in use`);
    if (hint !== undefined) expect(r.err).toContain(hint);
    noStackTrace(r.err);
  }, 30_000);

  it('a data dir that is not a directory is named instead of a stack trace', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await run(ephemeral(file));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot use the data dir ${file}`);
    noStackTrace(r.err);
  }, 30_000);

  it('a token the functions could never accept as a bearer token names its variable or file, never the value, exits 2', async () => {
    const env = await run({ ...ephemeral(tempDir()), STREAMGATE_SERVICE_TOKEN: 'my service token' });
    expect(env.code).toBe(2);
    expect(env.err).toContain('invalid configuration: STREAMGATE_SERVICE_TOKEN:');
    expect(env.err).not.toContain('my service token');
    noStackTrace(env.err);
    const dir = tempDir();
    writeFileSync(join(dir, 'admin-token'), 'my "admin" token\n', { mode: 0o600 });
    const file = await run(ephemeral(dir));
    expect(file.code).toBe(2);
    expect(file.err).toContain(`invalid configuration: ${join(dir, 'admin-token')} is not a usable bearer token`);
    expect(file.err).not.toContain('my "admin" token');
    noStackTrace(file.err);
  }, 40_000);
});
