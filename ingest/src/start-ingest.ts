import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { ClusterNode } from './cluster/cluster-node.js';
import type { DynamoJsonClient } from './cluster/dynamo-json-client.js';
import { createRegistryClient } from './cluster/create-registry-client.js';
import { StreamRegistry } from './cluster/stream-registry.js';
import { TaskDirectory } from './cluster/task-directory.js';
import { TaskProtection } from './cluster/task-protection.js';
import type { Authorizer } from './auth/authorizer.js';
import { invalidSetting, type IngestConfig } from './config.js';
import { Hub } from './hub/hub.js';
import { createLogger, type Logger } from '#domain/logger.js';
import { createAdminServer, isLoopbackHost } from './servers/admin/admin-server.js';
import type { ConnectionRegistry } from './servers/connection-registry.js';
import { drainIngest } from './servers/drain.js';
import { createFlvTcpServer, createRelayFlvTcpServer } from './servers/raw/flv-tcp-server.js';
import { registerRelayMetrics } from './metrics/relay-metrics.js';
import { registerRtspMetrics } from './metrics/rtsp-metrics.js';
import { registerSrtMetrics } from './metrics/srt-metrics.js';
import { RelayManager } from './relay/relay-manager.js';
import type { RelayDefinition } from './relay/relay-definition.js';
import { startRelayPoller } from './relay/relay-poller.js';
import type { RelaysClient } from './relay/relays-client.js';
import { HlsOutputs, HLS_OUTPUT_DEFAULTS } from './servers/http/hls-output.js';
import { createHealthServer } from './servers/health/health-server.js';
import { createHttpServer } from './servers/http/http-server.js';
import { ConsoleApi } from './servers/http/console/console-api.js';
import { CONSOLE_HISTORY_DEFAULTS, type ConsoleHistoryOptions } from './servers/http/console/console-history.js';
import { WebAssets, locateWebAssets } from './servers/http/web/web-assets.js';
import type { IngestContext, Listener } from './servers/ingest-context.js';
import { MetricsConnectionRegistry } from './metrics/metrics-connection-registry.js';
import { createMetricsSetup, type MetricsSetup } from './metrics/metrics-setup.js';
import { netListener } from './servers/net-listener.js';
import { gateConnections } from './servers/gate-connections.js';
import { AddressCounter } from './servers/address-counter.js';
import { PendingBytesBudget } from './protocols/pending-bytes-budget.js';
import { openAccess, type RtmpAccessControl } from './servers/rtmp/rtmp-access-control.js';
import { createRtmpServer, createRtmpsServer } from './servers/rtmp/rtmp-server.js';
import { RtmptBridge } from './servers/rtmp/rtmpt-bridge.js';
import { RtpUdpPorts } from './servers/rtsp/rtp-udp-ports.js';
import { RtspNonces } from './servers/rtsp/rtsp-nonces.js';
import { RtspPlayStreams } from './servers/rtsp/rtsp-play-streams.js';
import { createRtspServer, createRtspsServer } from './servers/rtsp/rtsp-server.js';
import { createTsTcpServer } from './servers/raw/ts-tcp-server.js';
import { SrtServer } from './servers/srt/srt-server.js';

/** What `startIngest` needs besides the config. */
export interface IngestDeps {
  readonly log?: Logger;
  /** Access control for RTMP; open access when omitted (STREAMGATE_AUTH=off). */
  readonly access?: RtmpAccessControl & { close?(): void; readonly authorizer?: Authorizer };
  /** The authorizer behind `access`, for RTSP's Basic/Digest carriers. */
  readonly authorizer?: Authorizer;
  /**
   * The metrics `GET /metrics` renders; created here when omitted. Entry points create it first
   * so the access control's auth events can be counted (withAuthMetrics).
   */
  readonly metrics?: MetricsSetup;
  /** What the admin `shutdown` command does; default: `drain()` (main.ts exits after it). */
  readonly onShutdown?: () => void;
  /**
   * The admin token when STREAMGATE_ADMIN_TOKEN is unset: `streamgate start` passes the one the
   * local functions keep in the data dir (what `streamgate admin` and `users` read).
   */
  readonly adminToken?: string;
  /** HLS timings (tests shorten them). */
  readonly hls?: Partial<typeof HLS_OUTPUT_DEFAULTS>;
  /** Relay backoff's first delay (tests shorten it); default 1 s. */
  readonly relayRetryMinMs?: number;
  /** Where the managed relays are read (every STREAMGATE_RELAY_POLL_SECONDS); none: only the 6665 targets. */
  readonly relaysClient?: RelaysClient;
  /** Cluster mode: the registry's DynamoDB client (created from the config when omitted). */
  readonly registryClient?: DynamoJsonClient;
  /**
   * Where the web console's users and relays calls go (`streamgate start`: its local functions);
   * default STREAMGATE_FUNCTIONS_URL.
   */
  readonly functionsUrl?: string;
  /** The console's sampling (tests shorten it). */
  readonly consoleHistory?: Partial<ConsoleHistoryOptions>;
  /**
   * The pages' browser scripts; by default found beside the bundle or built from ingest/web/ on
   * the first request. Processes that serve people start them early (main.ts, `streamgate start`).
   */
  readonly webAssets?: WebAssets;
}

/** A running ingest. */
export interface RunningIngest {
  readonly hub: Hub;
  readonly registry: ConnectionRegistry;
  readonly context: IngestContext;
  /** Bound ports by service name (`rtmp`, `rtmps`, …). */
  readonly ports: Readonly<Record<string, number>>;
  readonly metrics: MetricsSetup;
  /** The relays: `setDefinitions` applies the managed set (the poller, tests). */
  readonly relays: RelayManager;
  /** The SRT listener, when STREAMGATE_SRT_PORT is set (its peer and buffer counts, for tests). */
  readonly srt?: SrtServer;
  /**
   * The graceful stop: /healthz turns 503, the media and admin listeners stop accepting (HTTP
   * stays up for health checks and open RTMPT sessions), publishers and players may finish for up
   * to `seconds` (default STREAMGATE_DRAIN_SECONDS), then everything is closed; resolves when done.
   */
  drain(seconds?: number): Promise<void>;
  /** Stops the listeners, ends players and publishers, resolves when done. */
  close(): Promise<void>;
}

function pem(value: string): string | Buffer {
  return value.includes('-----BEGIN') ? value : readFileSync(value);
}

/** What the HTTP and admin listeners use besides the context. */
interface ListenerParts {
  readonly metrics: MetricsSetup;
  readonly hls: HlsOutputs;
  readonly rtmpt: RtmptBridge;
  readonly shutdown: () => void;
  readonly adminToken?: string;
  /** The web console's API (`/console/api/…`) on the HTTP listener. */
  readonly console: ConsoleApi;
  readonly web: WebAssets;
}

/** Every listener the configuration asks for. */
/** Listeners not meant for the internet: each keeps a per-address count of its own. */
/**
 * The key behind segment tokens and the sealed cookies (player login, console preview), from
 * STREAMGATE_SEGMENT_TOKEN_KEY: shared, they hold on every task and across restarts; none, each
 * is random per process.
 */
function sharedTokenKey(config: IngestConfig): Buffer | undefined {
  return config.segmentTokenKey === undefined ? undefined : createHash('sha256').update(config.segmentTokenKey).digest();
}

const PRIVATE_LISTENERS = new Set(['admin', 'health', 'cluster']);

function createListeners(ctx: IngestContext, parts: ListenerParts): Listener[] {
  const { config, log } = ctx;
  const rtmpOptions = {
    chunkSize: config.rtmpChunkSize,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxConnections: config.maxConnections,
  };
  const listeners = [netListener('rtmp', createRtmpServer(rtmpOptions, ctx), config.rtmpPort, config.host, log)];
  // A TLS handshake not done within the handshake deadline ends (Node's own default is 120 s).
  const tls = config.tlsCert !== undefined && config.tlsKey !== undefined ? { cert: pem(config.tlsCert), key: pem(config.tlsKey), handshakeTimeout: config.handshakeTimeoutMs } : undefined;
  if (tls !== undefined) {
    listeners.push(netListener('rtmps', createRtmpsServer(rtmpOptions, tls, ctx), config.rtmpsPort, config.host, log));
  }
  const httpOptions = {
    // The slow-header deadline is the handshake deadline of the other protocols.
    headersTimeoutMs: config.handshakeTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    maxConnections: config.maxConnections,
  };
  // With a health listener of its own, /metrics leaves the viewers' port (which a load balancer exposes).
  const httpDeps = { ctx, metrics: parts.metrics, hls: parts.hls, rtmpt: parts.rtmpt, serveMetrics: config.healthPort === undefined, console: parts.console, web: parts.web };
  const segmentTokenKey = sharedTokenKey(config);
  const http = createHttpServer({ ...httpOptions, ...(segmentTokenKey ? { segmentTokenKey } : {}) }, httpDeps);
  listeners.push(netListener('http', http, config.httpPort, config.host, log));
  if (config.healthPort !== undefined) {
    const health = createHealthServer({ state: ctx.state, registry: parts.metrics.registry });
    listeners.push(netListener('health', health, config.healthPort, config.host, log));
  }
  if (ctx.cluster !== undefined) {
    // The private port other tasks pull this task's streams from (bearer, origin streams only).
    const internal = createHttpServer({ ...httpOptions, internalToken: config.clusterToken! }, { ...httpDeps, serveMetrics: false, web: undefined });
    listeners.push(netListener('cluster', internal, config.clusterPort, config.clusterHost, log));
  }
  // Raw FLV and MPEG-TS carry no credentials: allow-listed sources only (STREAMGATE_RAW_ALLOW_FROM).
  listeners.push(netListener('flv', createFlvTcpServer(ctx), config.flvPort, config.host, log));
  listeners.push(netListener('ts', createTsTcpServer(ctx), config.tsPort, config.host, log));
  listeners.push(netListener('relay-flv', createRelayFlvTcpServer(ctx), config.relayFlvPort, config.host, log));
  // RTSP on every configured port (5544 and 5554 by default), one UDP range and nonce key for all.
  const rtspShared = {
    udpPorts: new RtpUdpPorts(config.rtpPortRange, config.host),
    nonces: new RtspNonces(),
    playStreams: new RtspPlayStreams(),
    metrics: registerRtspMetrics(parts.metrics.registry),
  };
  const rtspOptions = {
    sessionTimeoutMs: config.rtspSessionTimeoutMs,
    requestTimeoutMs: config.handshakeTimeoutMs,
    playAnswerWaitMs: 2000,
    maxConnections: config.maxConnections,
  };
  config.rtspPorts.forEach((port, i) => {
    const server = createRtspServer(ctx, rtspOptions, rtspShared);
    listeners.push(netListener(i === 0 ? 'rtsp' : `rtsp${i + 1}`, server, Number(port), config.host, log));
  });
  if (tls !== undefined) {
    listeners.push(netListener('rtsps', createRtspsServer(ctx, rtspOptions, tls, rtspShared), config.rtspsPort, config.host, log));
  }
  // SRT (UDP) is off with port 0: UDP has no "pick a free port" use for encoders to find.
  if (config.srtPort !== 0) {
    const srt = new SrtServer(ctx, {
      port: config.srtPort,
      host: config.host,
      ...(config.srtPassphrase !== undefined ? { passphrase: config.srtPassphrase } : {}),
      latencyMs: config.srtLatencyMs,
      maxPeers: config.maxConnections,
      keyRefresh: { refreshPackets: config.srtKmRefreshPackets, preAnnouncePackets: config.srtKmPreAnnouncePackets },
    });
    registerSrtMetrics(parts.metrics.registry, () => srt.metricsSnapshot());
    listeners.push(srt);
  }
  const loopback = isLoopbackHost(config.adminHost);
  if (!loopback && config.adminToken === undefined) {
    throw invalidSetting('STREAMGATE_ADMIN_TOKEN', `required when the admin listener is bound to ${config.adminHost} (not loopback)`);
  }
  // The token guards kick, drop and shutdown everywhere, and every command beyond loopback.
  const adminToken = config.adminToken ?? parts.adminToken;
  const admin = createAdminServer(ctx, {
    version: `streamgate/${INGEST_VERSION}`,
    ...(adminToken !== undefined ? { token: adminToken } : {}),
    openReads: loopback,
    idleTimeoutMs: config.idleTimeoutMs,
    shutdown: parts.shutdown,
  });
  listeners.push(netListener('admin', admin, config.adminPort, config.adminHost, log));
  return listeners;
}

/** `HOST:PORT` other tasks pull from: the configured host (or HOST:PORT), else this task's first private IPv4. */
function advertiseAddress(configured: string | undefined, port: number): string {
  if (configured !== undefined) return configured.includes(':') ? configured : `${configured}:${port}`;
  const ipv4 = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal);
  return `${ipv4?.address ?? '127.0.0.1'}:${port}`;
}

/** How often task protection is brought in line with the streams this task owns. */
const PROTECTION_CHECK_MS = 5000;

/**
 * ECS task scale-in protection while this task owns publishers, when the agent endpoint is known
 * (ECS sets ECS_AGENT_URI). The work-following scaling metric is the EMF `Players` line
 * (metrics/emf-reporter.ts).
 */
function startProtectionTimer(config: IngestConfig, ctx: IngestContext, log: Logger): NodeJS.Timeout[] {
  const cluster = ctx.cluster;
  if (config.ecsAgentUri === undefined || cluster === undefined) return [];
  const protection = new TaskProtection(config.ecsAgentUri, log);
  const timer = setInterval(() => void protection.sync(cluster.ownedCount), PROTECTION_CHECK_MS);
  timer.unref();
  return [timer];
}

/** How long a stop waits for listeners whose last unregistered sockets are still open. */
const LISTENER_CLOSE_WAIT_MS = 2000;

/** Reported by the admin `version` command. */
const INGEST_VERSION = '0.1.0';

/** Starts every configured listener of the ingest around one hub. */
export async function startIngest(config: IngestConfig, deps: IngestDeps = {}): Promise<RunningIngest> {
  const log = deps.log ?? createLogger(config.logLevel);
  let cluster: ClusterNode | undefined;
  const hub = new Hub({
    gop: { maxBytes: config.gopCacheMaxBytes, maxDurationMs: config.gopCacheMaxMs },
    reader: { maxQueueBytes: config.readerQueueMaxBytes, maxBlockedMs: config.readerMaxBlockedMs },
    waitForPublisherMs: config.waitForPublisherMs,
    onWaitingReader: (path) => cluster?.want(path),
  });
  if (config.registryTable !== undefined) {
    const client = deps.registryClient ?? createRegistryClient(config);
    const streams = new StreamRegistry(client, config.registryTable, { ttlMs: config.leaseTtlMs });
    cluster = new ClusterNode(
      hub,
      streams,
      {
        taskId: `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
        address: '',
        token: config.clusterToken!,
        heartbeatMs: config.leaseHeartbeatMs,
        lingerMs: config.edgeLingerMs,
        pullTimeoutMs: 3000,
      },
      log.child({ component: 'cluster' }),
      new TaskDirectory(client, config.registryTable),
    );
  }
  const metrics = deps.metrics ?? createMetricsSetup();
  const registry = new MetricsConnectionRegistry(metrics, hub);
  registry.dumpDir = config.dumpDir;
  const access = deps.access ?? openAccess;
  const fixedRelays: RelayDefinition[] =
    config.relayFlvPush.length > 0
      ? [{ id: `flv-${config.relayFlvPort}`, stream: `${config.relayFlvApp}/*`, push: config.relayFlvPush, protocol: 'flv-relay' }]
      : [];
  const relays = new RelayManager(
    hub,
    log,
    {
      allowPrivate: config.relayAllowPrivate === 'on',
      timeoutMs: config.relayTimeoutMs,
      backoff: { minMs: Math.min(deps.relayRetryMinMs ?? 1000, config.relayRetryMaxMs), maxMs: config.relayRetryMaxMs, resetAfterMs: 10_000 },
      pullIdleMs: config.relayPullIdleMs,
      ...(cluster !== undefined ? { cluster } : {}),
    },
    fixedRelays,
  );
  registerRelayMetrics(metrics.registry, () => relays.statuses());
  const stopPoller = deps.relaysClient ? startRelayPoller(deps.relaysClient, relays, config.relayPollSeconds * 1000, log) : () => {};
  const context: IngestContext = {
    config,
    hub,
    registry,
    log,
    access,
    // RTSP's Basic/Digest go to the same authorizer as RTMP's credentials.
    authorizer: deps.authorizer ?? deps.access?.authorizer,
    relays,
    pendingBytes: new PendingBytesBudget(config.maxPendingBytes, { authorized: config.publisherMaxPendingBytes }),
    connectionsPerAddress: new AddressCounter(config.maxConnectionsPerAddress),
    ...(cluster !== undefined ? { cluster } : {}),
    state: { draining: false, startedAt: Date.now() },
  };
  const pendingBytes = metrics.registry.gauge({
    name: 'streamgate_pending_bytes',
    help: 'Bytes held for input not complete yet, all connections (bounded by STREAMGATE_MAX_PENDING_BYTES)',
  });
  metrics.registry.onCollect(() => pendingBytes.set(undefined, context.pendingBytes.used));
  const hls = new HlsOutputs(hub, log, { ...HLS_OUTPUT_DEFAULTS, ...deps.hls });
  const rtmpt = new RtmptBridge(context, {
    chunkSize: config.rtmpChunkSize,
    handshakeTimeoutMs: config.handshakeTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    sessionIdleMs: config.idleTimeoutMs,
  });
  // Filled once the listeners listen: the console's server page lists them.
  const ports: Record<string, number> = {};
  const consoleApi = new ConsoleApi({
    ctx: context,
    metrics,
    adminToken: config.adminToken ?? deps.adminToken,
    functionsUrl: deps.functionsUrl ?? config.functionsUrl,
    version: `streamgate/${INGEST_VERSION}`,
    ports: () => ports,
    previewKey: sharedTokenKey(config),
    ...(deps.consoleHistory ? { history: { ...CONSOLE_HISTORY_DEFAULTS, ...deps.consoleHistory } } : {}),
  });
  /** Stops what runs beside the listeners: the relay poller and relays, HLS, RTMPT sessions, the console API. */
  const closeServices = (): void => {
    stopPoller();
    relays.close();
    hls.close();
    rtmpt.close();
    consoleApi.close();
  };
  let running: RunningIngest | undefined;
  const shutdown = deps.onShutdown ?? (() => void running?.drain());
  let listeners: Listener[];
  try {
    listeners = createListeners(context, { metrics, hls, rtmpt, shutdown, adminToken: deps.adminToken, console: consoleApi, web: deps.webAssets ?? new WebAssets(locateWebAssets()) });
  } catch (err) {
    closeServices();
    throw err;
  }
  // Every listener: a per-address cap beside the global one, and no new sockets while the
  // pending-bytes budget is exhausted. The public listeners (and RTMPT sessions) share one count
  // per address; the private ones (admin on loopback, health, the cluster port) have their own.
  for (const l of listeners) {
    if (!l.server) continue;
    const perAddress = PRIVATE_LISTENERS.has(l.name) ? new AddressCounter(config.maxConnectionsPerAddress) : context.connectionsPerAddress;
    gateConnections(l.server, { listener: l.name, perAddress, pendingBytes: context.pendingBytes, log });
  }
  try {
    for (const l of listeners) ports[l.name] = await l.listen();
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    closeServices();
    throw err;
  }
  if (cluster !== undefined) {
    cluster.advertise(advertiseAddress(config.clusterAdvertise, ports.cluster!));
    log.info('cluster.member', { taskId: cluster.taskId, address: `${advertiseAddress(config.clusterAdvertise, ports.cluster!)}` });
  }
  log.info('ingest.listening', { ports });
  const timers = startProtectionTimer(config, context, log);

  let closing: Promise<void> | undefined;
  const finish = async (): Promise<void> => {
    // net.Server.close() stops accepting at once but calls back only when its last connection is
    // gone: start it, close the connections, then wait.
    const stopped = Promise.all(listeners.map((l) => l.close()));
    closeServices();
    for (const timer of timers) clearInterval(timer);
    cluster?.close();
    hub.endAllReaders();
    for (const c of registry.list()) c.kick('shutdown');
    deps.access?.close?.();
    // Sockets no registry knows (a TLS handshake in progress) may hold a listener open: bounded.
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, LISTENER_CLOSE_WAIT_MS).unref())]);
  };
  running = {
    hub,
    registry: registry as ConnectionRegistry,
    context,
    ports,
    metrics,
    relays,
    srt: listeners.find((l): l is SrtServer => l instanceof SrtServer),
    drain(seconds = config.drainSeconds) {
      // HTTP and health keep listening through the drain: load balancers must read /healthz = 503.
      const media = listeners.filter((l) => l.name !== 'http' && l.name !== 'health');
      const stopAccepting = async (): Promise<void> => {
        for (const l of media.filter((m) => m.name !== 'cluster')) void l.close();
        // The owner gives its streams up at once: the encoders' reconnects land on other tasks
        // (this one is out of the load balancer) and the viewers there follow.
        const released = cluster?.releaseAll('draining: publish again, another task takes the stream') ?? 0;
        if (released > 0) log.info('cluster.released-on-drain', { streams: released });
      };
      closing ??= drainIngest(context, stopAccepting, seconds).then(finish);
      return closing;
    },
    close() {
      context.state.draining = true;
      closing ??= finish();
      return closing;
    },
  };
  return running;
}
