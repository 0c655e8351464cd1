import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** The ingest entry the Dockerfile bundles. */
export const INGEST_MAIN = 'ingest/src/main.ts';

/**
 * True once the ingest entry is committed: a work-in-progress main.ts in someone's working tree
 * does not fail everyone's test run. Outside a git checkout, the file existing is enough.
 */
export function ingestMainIsReady(): boolean {
  if (!existsSync(join(repoRoot, INGEST_MAIN))) return false;
  if (!existsSync(join(repoRoot, '.git'))) return true;
  try {
    execFileSync('git', ['ls-files', '--error-unmatch', INGEST_MAIN], { cwd: repoRoot, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
