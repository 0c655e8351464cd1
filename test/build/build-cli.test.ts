import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './ingest-entry.js';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [join(repoRoot, 'scripts/build.mjs'), ...args], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });

describe('node scripts/build.mjs (npm run build)', () => {
  const work = mkdtempSync(join(tmpdir(), 'streamgate-build-cli-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('writes dist/functions/<name>/index.mjs with a source map for each app and lists them', () => {
    const result = run('--only', 'functions', '--outdir', work);
    expect(result.status, result.stderr).toBe(0);
    for (const name of ['token', 'acl', 'users']) {
      expect(existsSync(join(work, 'functions', name, 'index.mjs'))).toBe(true);
      expect(existsSync(join(work, 'functions', name, 'index.mjs.map'))).toBe(true);
      expect(result.stdout).toMatch(new RegExp(`functions/${name}/index\\.mjs\\s+\\d+\\.\\d KiB`));
    }
  });

  it('exits 1 naming the problem for an unknown --only value or argument', () => {
    const bad = run('--only', 'everything');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--only takes "ingest", "web" or "functions"/);
    const unknown = run('--minify');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown argument "--minify"/);
  });
});
