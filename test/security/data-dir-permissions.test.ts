import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalFunctions, type LocalFunctions } from '#functions/local/start-local-functions.js';

// Found in review: a data dir made by an older version (or by hand) kept 0755 and the store
// files 0644, so every local account could read the store; only new secret files were 0600.

const dirs: string[] = [];
let fns: LocalFunctions | undefined;
afterEach(async () => {
  await fns?.close();
  fns = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function modes(dir: string, out: Record<string, number> = {}, prefix = ''): Record<string, number> {
  out[prefix || '.'] = statSync(dir).mode & 0o777;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) modes(p, out, join(prefix, e.name));
    else out[join(prefix, e.name)] = statSync(p).mode & 0o777;
  }
  return out;
}

describe('local data dir permissions', () => {
  it('makes an existing 0755 data dir 0700 and every file in it 0600 on start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sg-perm-'));
    dirs.push(dir);
    // First start creates the store; then loosen everything as an old version left it.
    fns = await startLocalFunctions({ dataDir: dir, port: 0, log: () => undefined });
    await fns.close();
    fns = undefined;
    mkdirSync(join(dir, 'extra'), { mode: 0o755 });
    writeFileSync(join(dir, 'extra', 'notes.txt'), 'x', { mode: 0o644 });
    const loosen = (d: string) => {
      chmodSync(d, 0o755);
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) loosen(join(d, e.name));
        else chmodSync(join(d, e.name), 0o644);
      }
    };
    loosen(dir);
    expect(modes(dir)['.']).toBe(0o755);

    fns = await startLocalFunctions({ dataDir: dir, port: 0, log: () => undefined });
    const after = modes(dir);
    expect(Object.keys(after).length).toBeGreaterThan(6);
    for (const [path, mode] of Object.entries(after)) {
      const isDir = statSync(join(dir, path)).isDirectory();
      expect({ path, mode: mode.toString(8) }).toEqual({ path, mode: isDir ? '700' : '600' });
    }
  }, 30_000);
});
