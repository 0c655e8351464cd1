import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBuildScript } from './build-script.js';
import { ingestMainIsReady } from './ingest-entry.js';

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForHealthy(url: string, deadlineMs: number, exited: () => boolean): Promise<Response> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < until && !exited()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return res;
      last = res.status;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no 200 from ${url} (last: ${String(last)})`);
}

// The container runs `node dist/ingest/main.mjs` from a folder holding only that bundle
// (ingest/Dockerfile); this test does the same from a temporary folder outside the repository,
// so any import the bundle failed to inline would fail here too.
describe.skipIf(!ingestMainIsReady())('ingest bundle (the Dockerfile entry)', () => {
  const work = mkdtempSync(join(tmpdir(), 'streamgate-ingest-bundle-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('builds ingest/src/main.ts into one self-contained ESM file with a source map', async () => {
    const build = await loadBuildScript();
    const { outfile, bytes } = await build.buildIngest({ outdir: join(work, 'dist') });
    expect(outfile).toBe(join(work, 'dist', 'ingest', 'main.mjs'));
    expect(bytes).toBeGreaterThan(1000);
    expect(existsSync(`${outfile}.map`)).toBe(true);
    const code = readFileSync(outfile, 'utf8');
    // Only Node built-ins may stay as imports: the runtime image has no node_modules.
    const bare = [...code.matchAll(/\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g)]
      .map((m) => m[1] ?? m[2])
      .filter((spec) => !spec.startsWith('node:'));
    expect(bare).toEqual([]);
  });

  it('starts with node, answers /healthz on its HTTP port and exits 0 on SIGTERM', async () => {
    const [http, rtmp, flv, ts, rtspA, rtspB, admin] = await Promise.all(Array.from({ length: 7 }, freePort));
    const child = spawn(process.execPath, ['dist/ingest/main.mjs'], {
      cwd: work,
      env: {
        PATH: process.env.PATH,
        STREAMGATE_HOST: '127.0.0.1',
        STREAMGATE_HTTP_PORT: String(http),
        STREAMGATE_RTMP_PORT: String(rtmp),
        STREAMGATE_FLV_PORT: String(flv),
        STREAMGATE_TS_PORT: String(ts),
        STREAMGATE_RTSP_PORTS: `${rtspA},${rtspB}`,
        STREAMGATE_ADMIN_PORT: String(admin),
        STREAMGATE_FUNCTIONS_URL: 'http://127.0.0.1:9/',
        STREAMGATE_TEA_SECRET: 'bundle-test-tea-secret',
        STREAMGATE_SERVICE_TOKEN: 'bundle-test-service-token',
        STREAMGATE_DATA_DIR: join(work, 'data'),
        STREAMGATE_DRAIN_SECONDS: '1',
        STREAMGATE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    let exitCode: number | null | undefined;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r((exitCode = code))));
    try {
      const res = await waitForHealthy(`http://127.0.0.1:${http}/healthz`, 15_000, () => exitCode !== undefined).catch((err: Error) => {
        throw new Error(`${err.message}; exit ${String(exitCode)}; output:\n${output}`);
      });
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
      expect(code, output).toBe(0);
    } finally {
      if (exitCode === undefined) child.kill('SIGKILL');
    }
  });
});
