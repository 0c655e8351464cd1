import { hostname } from 'node:os';
import { invalidSetting, type IngestConfig } from '#ingest/config.js';
import { createLogger } from '#domain/logger.js';
import { startIngest, type RunningIngest } from '#ingest/start-ingest.js';
import { createAccessControl } from '#ingest/auth/create-access-control.js';
import { createRelaysClient } from '#ingest/relay/relays-client.js';
import { withAuthMetrics } from '#ingest/metrics/metrics-auth-log.js';
import { createMetricsSetup } from '#ingest/metrics/metrics-setup.js';
import { join } from 'node:path';
import { LOCAL_SECRET_FILES, startLocalFunctions } from '#functions/local/start-local-functions.js';
import { authBannerLines } from './auth-banner-lines.js';
import { startedWebAssets } from '#ingest/servers/http/web/web-assets.js';

/** The local stack as `npm start` runs it. */
export interface LocalStack {
  readonly ingest: RunningIngest;
  readonly functionsUrl: string;
  /** What to print: every endpoint a user can use. */
  readonly banner: string;
  /** The graceful stop (SIGTERM): drains the ingest for up to `seconds`, then stops everything. */
  drain(seconds?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Options of the local stack beyond the configuration. */
export interface LocalStackOptions {
  /** What the admin `shutdown` command does (the CLI drains and exits). */
  readonly onShutdown?: () => void;
}

/**
 * Starts the functions API (token, acl, users) on the embedded store, unless
 * STREAMGATE_FUNCTIONS_URL points elsewhere, and the ingest wired to it.
 */
export async function startLocalStack(config: IngestConfig, options: LocalStackOptions = {}): Promise<LocalStack> {
  const log = createLogger(config.logLevel);
  if (config.functionsUrl === undefined && config.functionsAuth === 'iam') {
    // The local functions know the service bearer, not AWS signatures: every publish would be denied.
    throw invalidSetting('STREAMGATE_FUNCTIONS_AUTH', 'iam needs STREAMGATE_FUNCTIONS_URL (a deployed API); the local functions take the service token');
  }
  const functions =
    config.functionsUrl === undefined
      ? await startLocalFunctions({
          dataDir: config.dataDir,
          port: config.functionsPort,
          teaSecret: config.teaSecret,
          aclTtlSeconds: config.aclTtlSeconds,
          log: (event) => log.info('functions', event),
        })
      : undefined;
  const functionsUrl = functions?.url ?? config.functionsUrl!;
  let ingest: RunningIngest;
  const metrics = createMetricsSetup();
  try {
    // The ingest asks the functions it runs beside, with the secrets they generated (unless set).
    const access = createAccessControl(
      {
        ...config,
        functionsUrl,
        teaSecret: config.teaSecret ?? functions?.teaSecret,
        serviceToken: config.serviceToken ?? functions?.serviceToken,
      },
      withAuthMetrics(log, metrics.ingest),
    );
    const serviceToken = config.serviceToken ?? functions?.serviceToken;
    const relaysClient = config.functionsAuth === 'token' && serviceToken !== undefined ? createRelaysClient({ functionsUrl, serviceToken }) : undefined;
    ingest = await startIngest(config, {
      log,
      // The player page's script is read or built now, not when the first viewer asks.
      webAssets: startedWebAssets(),
      access,
      metrics,
      // The admin line protocol's kick/drop/shutdown take the token `streamgate admin` reads from the data dir.
      ...(functions ? { adminToken: functions.adminToken } : {}),
      // The web console reaches the users and relays APIs through the ingest (same origin).
      functionsUrl,
      ...(relaysClient ? { relaysClient } : {}),
      ...(options.onShutdown ? { onShutdown: options.onShutdown } : {}),
    });
  } catch (err) {
    await functions?.close();
    throw err;
  }
  const host = config.publicHost ?? (config.host === '0.0.0.0' ? hostname() : config.host);
  const p = ingest.ports;
  const lines = [
    'streamgate is running',
    `  publish/play  rtmp://${host}:${p.rtmp}/live/STREAM`,
    ...(p.rtmps !== undefined ? [`  RTMPS         rtmps://${host}:${p.rtmps}/live/STREAM`] : []),
    ...(p.http !== undefined
      ? [
          `  RTMPT         rtmpt://${host}:${p.http}/live/STREAM`,
          `  HTTP-FLV      http://${host}:${p.http}/live/STREAM.flv`,
          `  HLS           http://${host}:${p.http}/live/STREAM/index.m3u8`,
          `  player page   http://${host}:${p.http}/?stream=STREAM`,
          ...(functions
            ? [`  web console   http://${host}:${p.http}/console  (admin token: ${join(config.dataDir, LOCAL_SECRET_FILES.adminToken)})`]
            : [`  web console   http://${host}:${p.http}/console  (${config.adminToken !== undefined ? 'token: STREAMGATE_ADMIN_TOKEN' : 'off until STREAMGATE_ADMIN_TOKEN is set'})`]),
          `  health        http://${host}:${p.http}/healthz  metrics http://${host}:${p.http}/metrics`,
        ]
      : []),
    ...Object.entries(p)
      .filter(([name]) => /^rtsp\d*$/.test(name))
      .map(([, port]) => `  RTSP          rtsp://${host}:${port}/live/STREAM  (publish and play, RTP over TCP or UDP)`),
    ...(p.rtsps !== undefined ? [`  RTSPS         rtsps://${host}:${p.rtsps}/live/STREAM  (publish and play, RTP interleaved in TLS)`] : []),
    ...(p.srt !== undefined
      ? [
          config.srtPassphrase !== undefined
            ? `  SRT           srt://${host}:${p.srt}?streamid=publish:live/STREAM:USER:PASSWORD&passphrase=…  (play: streamid=read:live/STREAM&passphrase=…)`
            : // The password as passphrase never crosses the network (docs/srt.md).
              `  SRT           srt://${host}:${p.srt}?streamid=publish:live/STREAM:USER&passphrase=PASSWORD  (play: streamid=read:live/STREAM)`,
        ]
      : []),
    ...(p.flv !== undefined ? [`  FLV over TCP  tcp://${host}:${p.flv}  (ffmpeg -f flv -metadata streamName=STREAM; from ${config.rawAllowFrom.join(', ')})`] : []),
    ...(p.ts !== undefined ? [`  TS over TCP   tcp://${host}:${p.ts}  (ffmpeg -f mpegts -metadata service_name=STREAM; from ${config.rawAllowFrom.join(', ')})`] : []),
    ...(p.admin !== undefined ? [`  admin         ${config.adminHost}:${p.admin}  (one JSON command per line, e.g. {"command":"help"})`] : []),
    `  functions API ${functionsUrl}  (users: npx streamgate users --help)`,
    ...authBannerLines(config),
    `  data          ${config.dataDir}`,
  ];
  return {
    ingest,
    functionsUrl,
    banner: lines.join('\n'),
    async drain(seconds) {
      await ingest.drain(seconds);
      await functions?.close();
    },
    async stop() {
      await ingest.close();
      await functions?.close();
    },
  };
}
