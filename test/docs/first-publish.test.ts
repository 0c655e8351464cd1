import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/wait.js';

// Runs the command blocks of docs/first-publish.md as written, in order: `background` blocks
// are started and left running (until the quoted text appears, when given), `run` lines must
// exit 0. Install and display-only blocks are not run (CI installed the packages; there is no
// screen). The only changes: the default ports in URLs become free ones, and every line gets
// STREAMGATE_* variables for those ports and a fresh data dir, so runs do not collide.

const DOC = 'docs/first-publish.md';

interface Block {
  kind: 'install' | 'background' | 'run' | 'display';
  until?: string;
  lines: string[];
}

/** The fenced `sh` blocks of the doc, each with the `<!-- first-publish: KIND ["text"] -->` before it. */
function parseWalkthrough(markdown: string): Block[] {
  const blocks: Block[] = [];
  const re = /<!-- first-publish: (install|background|run|display)(?: until "([^"]+)")? -->\s*\n```sh\n([\s\S]*?)```/g;
  for (const m of markdown.matchAll(re)) {
    const lines = m[3]
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    blocks.push({ kind: m[1] as Block['kind'], ...(m[2] ? { until: m[2] } : {}), lines });
  }
  return blocks;
}

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing = ['ffmpeg', 'ffprobe', 'curl', 'npx'].filter((c) => !has(c));

const background: ChildProcess[] = [];
const dataDir = mkdtempSync(join(tmpdir(), 'sg-first-publish-'));
afterAll(() => {
  // Each background line runs in its own process group: end the whole group (npm → node, ffmpeg).
  for (const child of background.reverse()) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

describe('docs/first-publish.md', () => {
  const markdown = readFileSync(DOC, 'utf8');
  const blocks = parseWalkthrough(markdown);

  it('marks every sh block of the walk-through (nothing is silently left out)', () => {
    expect((markdown.match(/```sh\n/g) ?? []).length).toBe(blocks.length);
    expect(blocks.filter((b) => b.kind === 'run').length).toBeGreaterThanOrEqual(2);
  });

  it.skipIf(missing.length > 0)(`runs the walk-through as written${missing.length ? ` (skipped: ${missing.join(', ')} missing)` : ''}`, async () => {
    const [rtmp, http, admin, functions] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('STREAMGATE_')));
    const env = {
      ...clean,
      STREAMGATE_DATA_DIR: dataDir,
      STREAMGATE_RTMP_PORT: String(rtmp),
      STREAMGATE_HTTP_PORT: String(http),
      STREAMGATE_ADMIN_PORT: String(admin),
      STREAMGATE_FUNCTIONS_PORT: String(functions),
      STREAMGATE_RTMPS_PORT: '0',
      STREAMGATE_FLV_PORT: '0',
      STREAMGATE_TS_PORT: '0',
      STREAMGATE_RTSP_PORTS: '0',
      STREAMGATE_SRT_PORT: '0',
      STREAMGATE_LOG_LEVEL: 'warn',
    };
    const localize = (line: string) => line.replaceAll('127.0.0.1:1935', `127.0.0.1:${rtmp}`).replaceAll('127.0.0.1:8080', `127.0.0.1:${http}`);
    const outputs: string[] = [];

    for (const block of blocks) {
      if (block.kind === 'install' || block.kind === 'display') continue;
      for (const raw of block.lines) {
        const line = localize(raw);
        if (block.kind === 'background') {
          const child = spawn('bash', ['-c', line], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
          background.push(child);
          let text = '';
          const until = block.until;
          await new Promise<void>((resolve, reject) => {
            const onData = (d: Buffer) => {
              text += d;
              if (until && text.includes(until)) resolve();
            };
            child.stdout!.on('data', onData);
            child.stderr!.on('data', onData);
            child.on('exit', (code) => reject(new Error(`background line exited ${code}: ${line}\n${text}`)));
            if (!until) setTimeout(resolve, 1000);
          });
          continue;
        }
        const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
          const child = spawn('bash', ['-c', line], { env, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (d) => (out += d));
          child.stderr.on('data', (d) => (err += d));
          const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
          child.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code, out, err });
          });
        });
        expect({ line: raw, code: r.code, err: r.code === 0 ? '' : r.err }).toEqual({ line: raw, code: 0, err: '' });
        outputs.push(r.out);
      }
    }

    // What the page says the checks print.
    const text = outputs.join('\n');
    expect(text.match(/^h264$/gm)?.length).toBe(2);
    expect(text.match(/^aac$/gm)?.length).toBe(2);
    expect(text).toContain('live/cam1');
    expect(text).toContain('"status":"ok"');
  }, 150_000);
});
