import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll } from 'vitest';
import type { IngestDeps } from '#ingest/start-ingest.js';
import { exited, publishTestPattern, type PublishOptions } from './ffmpeg-runs.js';
import type { TestIngest } from './ingest-harness.js';
import { useTestIngest } from './use-test-ingest.js';
import { waitFor } from './wait.js';

/** A test ingest with its live publisher. */
export interface LiveTestIngest extends TestIngest {
  /** The ffmpeg publisher (started in beforeAll). */
  readonly publisher: ChildProcess;
}

/**
 * useTestIngest with a real ffmpeg publishing the test pattern to `path` over RTMP: the tests of
 * the enclosing `describe` start once the hub has it live; the publisher is killed after them.
 * Spawns ffmpeg: e2e only.
 */
export function useLiveTestIngest(
  path: string,
  env: Record<string, string> = {},
  deps: IngestDeps | (() => IngestDeps) = {},
  publish: PublishOptions = {},
): LiveTestIngest {
  const t = useTestIngest(env, deps);
  let publisher: ChildProcess | undefined;
  beforeAll(async () => {
    publisher = publishTestPattern(t.rtmpUrl(path), publish);
    await waitFor(() => t.ingest.hub.isLive(path), 10_000, `the publisher of ${path} to go live`);
  });
  afterAll(async () => {
    if (publisher === undefined) return;
    publisher.kill('SIGKILL');
    await exited(publisher);
  });
  return Object.defineProperty(t, 'publisher', {
    get: () => {
      if (publisher === undefined) throw new Error('the publisher is used before its beforeAll ran');
      return publisher;
    },
  }) as LiveTestIngest;
}
