import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareImports } from './bare-imports.js';
import { loadBuildScript } from './build-script.js';
import { ingestMainIsReady, repoRoot } from './ingest-entry.js';
import { freeListenerPorts } from '../support/free-listener-ports.js';

/** Whether something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.once('error', () => resolveAccepts(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolveAccepts(false);
    });
  });
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
    expect(bareImports(code)).toEqual([]);
    // The check reads this bundle's own import statements: the same bundle with one built-in made
    // bare (the createRequire banner's `node:module` → `module`) fails it.
    expect(bareImports(code.replace("from 'node:module'", "from 'module'"))).toEqual(['module']);
  });

  describe('started with node from a folder holding only the bundle', () => {
    let child: ChildProcess;
    let output = '';
    let exitCode: number | null | undefined;
    let exited: Promise<number | null>;
    const ports: Record<string, number> = {};

    beforeAll(async () => {
      const listeners = await freeListenerPorts(2);
      const { http, rtmp } = listeners.ports;
      Object.assign(ports, { http, rtmp });
      child = spawn(process.execPath, ['dist/ingest/main.mjs'], {
        cwd: work,
        env: {
          PATH: process.env.PATH,
          // the container's own Node options (young-generation bound, source maps)
          NODE_OPTIONS: /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(join(repoRoot, 'ingest/Dockerfile'), 'utf8'))![1],
          ...listeners.env,
          STREAMGATE_FUNCTIONS_URL: 'http://127.0.0.1:9/',
          STREAMGATE_TEA_SECRET: 'bundle-test-tea-secret',
          STREAMGATE_SERVICE_TOKEN: 'bundle-test-service-token',
          STREAMGATE_DATA_DIR: join(work, 'data'),
          STREAMGATE_DRAIN_SECONDS: '1',
          STREAMGATE_LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      exited = new Promise((r) => child.once('exit', (code) => r((exitCode = code))));
      // RTMP is the one listener every build of the ingest has: the process is up when it accepts.
      const until = Date.now() + 15_000;
      while (!(await accepts(rtmp))) {
        if (exitCode !== undefined || Date.now() > until) {
          throw new Error(`the bundle did not start (exit ${String(exitCode)}):\n${output}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }, 30_000);

    afterAll(() => {
      if (exitCode === undefined) child?.kill('SIGKILL');
    });

    it('accepts TCP connections on its RTMP port', async () => {
      expect(await accepts(ports.rtmp)).toBe(true);
    });

    it('answers GET /healthz with 200 on its HTTP port (the ECS and NLB health checks)', async (ctx) => {
      if (!(await accepts(ports.http))) {
        // Reported as skipped, not passed: the deployment's health checks need this listener.
        ctx.skip('the ingest does not listen on STREAMGATE_HTTP_PORT yet');
      }
      const res = await fetch(`http://127.0.0.1:${ports.http}/healthz`, { signal: AbortSignal.timeout(5000) });
      expect(res.status, output).toBe(200);
    });

    it('exits 0 on SIGTERM within the drain time and a margin', async () => {
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
      expect(code, output).toBe(0);
    });
  });
});
