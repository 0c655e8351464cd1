import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** The ingest entry the Dockerfile bundles. */
export const INGEST_MAIN = 'ingest/src/main.ts';

/** True when the ingest entry exists (the bundle and Dockerfile tests need it). */
export function ingestMainIsReady(): boolean {
  return existsSync(join(repoRoot, INGEST_MAIN));
}
