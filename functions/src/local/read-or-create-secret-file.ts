import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Returns the secret kept in `path`, creating it (mode 0600, exclusive create) with
 * `generate()` on first use. A file another process created in the meantime wins. A
 * group/world-readable file is tightened to 0600.
 */
export function readOrCreateSecretFile(path: string, generate: () => string = () => randomBytes(32).toString('base64url')): string {
  try {
    writeFileSync(path, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  chmodSync(path, 0o600);
  const value = readFileSync(path, 'utf8').trim();
  if (value.length === 0) throw new Error(`secret file ${path} is empty`);
  return value;
}
