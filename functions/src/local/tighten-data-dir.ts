import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes the data dir and every directory below it 0700 and every file 0600, on every start:
 * it holds the admin token, the password key and the store, and a directory made by an older
 * version (or by hand, with the usual umask) would be 0755 with 0644 files. Symbolic links are
 * left alone (chmod would follow them out of the directory).
 */
export function tightenDataDir(dir: string): void {
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) tightenDataDir(path);
    else if (entry.isFile() && (lstatSync(path).mode & 0o777) !== 0o600) chmodSync(path, 0o600);
  }
}
