import { afterAll, beforeAll } from 'vitest';
import type { IngestDeps } from '#ingest/start-ingest.js';
import { startTestIngest, type TestIngest } from './ingest-harness.js';

/**
 * Starts a test ingest before the tests of the enclosing `describe` (or file) and closes it after
 * them. The object it returns stands for that ingest: use it inside tests and hooks, not before.
 * `deps` may be a function, called when the ingest starts.
 */
export function useTestIngest(env: Record<string, string> = {}, deps: IngestDeps | (() => IngestDeps) = {}): TestIngest {
  let current: TestIngest | undefined;
  const started = (): TestIngest => {
    if (current === undefined) throw new Error('the test ingest is used before its beforeAll ran');
    return current;
  };
  beforeAll(async () => {
    current = await startTestIngest(env, typeof deps === 'function' ? deps() : deps);
  });
  afterAll(() => current?.close());
  return {
    get ingest() {
      return started().ingest;
    },
    get config() {
      return started().config;
    },
    get logs() {
      return started().logs;
    },
    rtmpUrl: (path) => started().rtmpUrl(path),
    close: () => started().close(),
  };
}
