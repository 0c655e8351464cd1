import type { ChildProcess } from 'node:child_process';
import type { RelayStatus } from '#domain/relay-status.js';
import { publishTestPattern, type PublishOptions } from './ffmpeg-runs.js';
import { startTestIngest, type TestIngest } from './ingest-harness.js';
import { useCleanups } from './use-cleanups.js';
import { waitFor } from './wait.js';

/** Relay settings for tests: private (loopback) targets allowed, a 3 s timeout, retries within 1.5 s. */
export const RELAY_TEST_ENV: Readonly<Record<string, string>> = {
  STREAMGATE_RELAY_ALLOW_PRIVATE: 'on',
  STREAMGATE_RELAY_TIMEOUT_MS: '3000',
  STREAMGATE_RELAY_RETRY_MAX_MS: '1500',
};

/** Ingests and publishers that a relay test starts; all are stopped after each test. */
export interface RelayTestbed {
  /** Starts an ingest with RELAY_TEST_ENV, the testbed's env and `env`, retrying relays from 200 ms. */
  ingest(env?: Record<string, string>): Promise<TestIngest>;
  /** ffmpeg publishing the test pattern (30 s, a keyframe a second) to `url`. */
  publish(url: string, opts?: PublishOptions): ChildProcess;
  /** publish() to `path` of the ingest `t`, then waits (10 s) for it to be live there. */
  publishLive(t: TestIngest, path: string): Promise<void>;
  /** Runs `cleanup` after the test, before what was started earlier is stopped. */
  defer(cleanup: () => unknown): void;
}

/** The testbed of relay e2e tests: `env` is added to RELAY_TEST_ENV for every ingest. Spawns ffmpeg: e2e only. */
export function useRelayTestbed(env: Record<string, string> = {}): RelayTestbed {
  const defer = useCleanups('each');
  const publish = (url: string, opts: PublishOptions = {}): ChildProcess => {
    const child = publishTestPattern(url, { seconds: 30, gop: 25, ...opts });
    defer(() => void child.kill('SIGKILL'));
    return child;
  };
  return {
    async ingest(more = {}) {
      const t = await startTestIngest({ ...RELAY_TEST_ENV, ...env, ...more }, { relayRetryMinMs: 200 });
      defer(() => t.close());
      return t;
    },
    publish,
    async publishLive(t, path) {
      publish(t.rtmpUrl(path));
      await waitFor(() => t.ingest.hub.isLive(path), 10_000, `${path} live`);
    },
    defer,
  };
}

/** The status of relay `relay` on the ingest `t` (undefined while it has none). */
export function relayStatus(t: TestIngest, relay: string): RelayStatus | undefined {
  return t.ingest.relays.statuses().find((s) => s.relay === relay);
}
