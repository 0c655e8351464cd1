import { loadConfig, type IngestConfig } from '#ingest/config.js';
import { createLogger } from '#domain/logger.js';
import { startIngest, type IngestDeps, type RunningIngest } from '#ingest/start-ingest.js';

/** The ingest variables every test ingest starts from: loopback, every listener on a free port, debug logs. */
export const TEST_INGEST_ENV: Readonly<Record<string, string>> = {
  STREAMGATE_HOST: '127.0.0.1',
  STREAMGATE_RTMP_PORT: '0',
  STREAMGATE_RTMPS_PORT: '0',
  STREAMGATE_RTSPS_PORT: '0',
  STREAMGATE_HTTP_PORT: '0',
  STREAMGATE_FLV_PORT: '0',
  STREAMGATE_RELAY_FLV_PORT: '0',
  STREAMGATE_TS_PORT: '0',
  STREAMGATE_RTSP_PORTS: '0',
  STREAMGATE_ADMIN_PORT: '0',
  // 0 turns SRT off (tests that use it give a free UDP port)
  STREAMGATE_SRT_PORT: '0',
  STREAMGATE_LOG_LEVEL: 'debug',
};

/** A running ingest on free ports, with its log lines captured. */
export interface TestIngest {
  readonly ingest: RunningIngest;
  readonly config: IngestConfig;
  readonly logs: Record<string, unknown>[];
  rtmpUrl(path: string): string;
  close(): Promise<void>;
}

/** Starts an ingest on 127.0.0.1 with every port 0, auth off unless `deps.access` is given. */
export async function startTestIngest(env: Record<string, string> = {}, deps: IngestDeps = {}): Promise<TestIngest> {
  const config = loadConfig({ ...TEST_INGEST_ENV, STREAMGATE_AUTH: 'off', ...env });
  const logs: Record<string, unknown>[] = [];
  const log = deps.log ?? createLogger(config.logLevel, (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  const ingest = await startIngest(config, { ...deps, log });
  return {
    ingest,
    config,
    logs,
    rtmpUrl: (path) => `rtmp://127.0.0.1:${ingest.ports.rtmp}/${path}`,
    close: () => ingest.close(),
  };
}
