import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type LocalFunctions, startLocalFunctions } from '#functions/local/start-local-functions.js';

/** Local functions of a test, with the data dir they own. */
export interface TestFunctions extends LocalFunctions {
  readonly dataDir: string;
}

/**
 * Starts the local functions (embedded store, free port, no logs) on a fresh temporary data dir
 * named `prefix…` before the tests of the enclosing describe (or file); closes them and removes the
 * dir after. The object it returns stands for them: use it inside tests and hooks, not before.
 */
export function useLocalFunctions(prefix: string): TestFunctions {
  let current: { fns: LocalFunctions; dataDir: string } | undefined;
  const started = (): { fns: LocalFunctions; dataDir: string } => {
    if (current === undefined) throw new Error('the local functions are used before their beforeAll ran');
    return current;
  };
  beforeAll(async () => {
    const dataDir = mkdtempSync(join(tmpdir(), prefix));
    current = { dataDir, fns: await startLocalFunctions({ dataDir, port: 0, log: () => undefined }) };
  });
  afterAll(async () => {
    if (current === undefined) return;
    await current.fns.close();
    rmSync(current.dataDir, { recursive: true, force: true });
  });
  return {
    get dataDir() {
      return started().dataDir;
    },
    get url() {
      return started().fns.url;
    },
    get adminToken() {
      return started().fns.adminToken;
    },
    get serviceToken() {
      return started().fns.serviceToken;
    },
    get teaSecret() {
      return started().fns.teaSecret;
    },
    get storeEndpoint() {
      return started().fns.storeEndpoint;
    },
    close: () => started().fns.close(),
  };
}
