/**
 * The ingest's configuration: every setting is a `STREAMGATE_*` environment variable with a
 * default (plus the standard `AWS_*` variables the IAM mode signs with). This file is the only
 * place the ingest reads `process.env`. `CONFIG_VARIABLES` drives parsing, validation and the
 * `streamgate start --help` listing.
 */

import { BEARER_TOKEN } from '#domain/bearer-token.js';
import { ConfigError } from '#domain/errors.js';

export { ConfigError };

/** An invalid or missing setting: code `CONFIG_INVALID`; the message and `variable` name it. */
export function invalidSetting(variable: string, message: string): ConfigError {
  return new ConfigError('CONFIG_INVALID', `${variable}: ${message}`, { variable });
}

type Parser<T> = (raw: string, variable: string) => T;

const port: Parser<number> = (raw, v) => {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw invalidSetting(v, `expected a TCP port 0-65535, got "${raw}"`);
  return n;
};
const optionalPort: Parser<number | undefined> = (raw, v) => (raw === '' ? undefined : port(raw, v));
const positiveInt: Parser<number> = (raw, v) => {
  if (!/^\d+$/.test(raw) || Number(raw) <= 0) throw invalidSetting(v, `expected a positive integer, got "${raw}"`);
  return Number(raw);
};
const nonNegativeInt: Parser<number> = (raw, v) => {
  if (!/^\d+$/.test(raw)) throw invalidSetting(v, `expected a whole number, got "${raw}"`);
  return Number(raw);
};
const text: Parser<string> = (raw) => raw;
const optionalText: Parser<string | undefined> = (raw) => (raw === '' ? undefined : raw);
function oneOf<T extends string>(...values: T[]): Parser<T> {
  return (raw, v) => {
    if (!(values as string[]).includes(raw)) throw invalidSetting(v, `expected one of ${values.join('|')}, got "${raw}"`);
    return raw as T;
  };
}
const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
const srtPassphrase: Parser<string | undefined> = (raw, v) => {
  if (raw === '') return undefined;
  // libsrt's own bounds (SRTO_PASSPHRASE): callers cannot set anything else.
  if (raw.length < 10 || raw.length > 79) throw invalidSetting(v, `must be 10-79 characters (got ${raw.length})`);
  return raw;
};
/** A token the ingest sends to the functions as `Authorization: Bearer`: only what their bearer check can accept. */
const bearerToken: Parser<string | undefined> = (raw, v) => {
  if (raw === '') return undefined;
  if (!BEARER_TOKEN.test(raw)) throw invalidSetting(v, 'only letters, digits and -._~+/ (then = padding) are allowed, no spaces or quotes (RFC 6750 bearer token); every request carrying it would get 401');
  return raw;
};
const secret: Parser<string | undefined> = (raw, v) => {
  if (raw === '') return undefined;
  if (raw.length < 16) throw invalidSetting(v, `must be at least 16 characters (got ${raw.length})`);
  return raw;
};
/**
 * A shared secret sent as `Authorization: Bearer` between tasks: at least 16 characters and only
 * what the pull listener's bearer match (RFC 6750 b64token) can ever accept.
 */
const bearerSecret: Parser<string | undefined> = (raw, v) => bearerToken(secret(raw, v) ?? '', v);

interface VariableSpec<T> {
  readonly env: string;
  readonly default: string;
  readonly parse: Parser<T>;
  readonly help: string;
}

function spec<T>(env: string, def: string, parse: Parser<T>, help: string): VariableSpec<T> {
  return { env, default: def, parse, help };
}

/** Every variable, its default and what it does. */
export const CONFIG_VARIABLES = {
  host: spec('STREAMGATE_HOST', '0.0.0.0', text, 'address the media listeners bind to'),
  publicHost: spec('STREAMGATE_PUBLIC_HOST', '', optionalText, 'host name printed in endpoint URLs (default: this machine)'),
  rtmpPort: spec('STREAMGATE_RTMP_PORT', '1935', port, 'RTMP publish/play (0 on any TCP port = a free one)'),
  rtmpsPort: spec('STREAMGATE_RTMPS_PORT', '8081', port, 'RTMPS (TLS); only with a certificate and key'),
  rtspsPort: spec('STREAMGATE_RTSPS_PORT', '8322', port, 'RTSPS (RTSP over TLS, RTP interleaved); only with a certificate and key'),
  httpPort: spec('STREAMGATE_HTTP_PORT', '8080', port, 'HTTP: RTMPT, HTTP-FLV, HLS, /healthz, /metrics'),
  healthPort: spec('STREAMGATE_HEALTH_PORT', '', optionalPort, '/healthz and /metrics on a listener of their own (load-balancer health checks); when set, the HTTP port no longer serves /metrics'),
  flvPort: spec('STREAMGATE_FLV_PORT', '6666', port, 'raw FLV over TCP ingest'),
  relayFlvPort: spec('STREAMGATE_RELAY_FLV_PORT', '6665', port, 'raw FLV over TCP whose streams are pushed to STREAMGATE_RELAY_FLV_PUSH (seed proxypublish; same allow-list as 6666)'),
  relayFlvApp: spec('STREAMGATE_RELAY_FLV_APP', 'live', text, 'app of streams published on the relay FLV-TCP listener'),
  relayFlvPush: spec('STREAMGATE_RELAY_FLV_PUSH', '', list, 'push targets of streams from the relay FLV listener, comma-separated rtmp(s) URLs; {name} = stream name'),
  relayAllowPrivate: spec('STREAMGATE_RELAY_ALLOW_PRIVATE', 'off', oneOf('on', 'off'), 'relays may connect to private and loopback addresses (link-local never); on for local npm start'),
  relayTimeoutMs: spec('STREAMGATE_RELAY_TIMEOUT_MS', '10000', positiveInt, 'a relay connection must be publishing/playing within this'),
  relayRetryMaxMs: spec('STREAMGATE_RELAY_RETRY_MAX_MS', '30000', positiveInt, 'longest reconnect delay of a relay (backoff starts at 1 s)'),
  relayPullIdleMs: spec('STREAMGATE_RELAY_PULL_IDLE_MS', '10000', positiveInt, 'an on-demand pull stops this long after its last reader left'),
  relayPollSeconds: spec('STREAMGATE_RELAY_POLL_SECONDS', '5', positiveInt, 'how often the ingest reads the managed relays from the functions'),
  tsPort: spec('STREAMGATE_TS_PORT', '9999', port, 'raw MPEG-TS over TCP ingest'),
  rtspPorts: spec('STREAMGATE_RTSP_PORTS', '5544,5554', list, 'RTSP listeners (comma-separated)'),
  adminPort: spec('STREAMGATE_ADMIN_PORT', '1112', port, 'admin JSON line protocol'),
  adminHost: spec('STREAMGATE_ADMIN_HOST', '127.0.0.1', text, 'admin listener address (a token is required elsewhere)'),
  adminToken: spec('STREAMGATE_ADMIN_TOKEN', '', bearerToken, 'admin token (API and admin line protocol)'),
  functionsPort: spec('STREAMGATE_FUNCTIONS_PORT', '3000', port, 'local functions API (token, acl, users)'),
  functionsUrl: spec('STREAMGATE_FUNCTIONS_URL', '', optionalText, 'functions API the ingest asks (default: the local one)'),
  dataDir: spec('STREAMGATE_DATA_DIR', './.data', text, 'local data: embedded DynamoDB files, generated keys'),
  auth: spec('STREAMGATE_AUTH', 'on', oneOf('on', 'off'), 'publish auth (off = anyone may publish: trials only)'),
  playAuth: spec('STREAMGATE_PLAY_AUTH', 'none', oneOf('none', 'required'), 'player auth'),
  teaSecret: spec('STREAMGATE_TEA_SECRET', '', secret, 'TEA shared secret, at least 16 characters (default: generated locally)'),
  serviceToken: spec('STREAMGATE_SERVICE_TOKEN', '', bearerToken, 'credential the ingest presents to /acl (default: generated locally)'),
  aclTtlSeconds: spec('STREAMGATE_ACL_TTL_SECONDS', '30', positiveInt, 'local functions: how long the ingest may cache an ACL answer (revocation delay)'),
  authTimeoutMs: spec('STREAMGATE_AUTH_TIMEOUT_MS', '2000', positiveInt, 'auth service timeout; past it the publish is denied'),
  functionsAuth: spec('STREAMGATE_FUNCTIONS_AUTH', 'token', oneOf('token', 'iam'), 'how the ingest proves itself to /token and /acl: token = service bearer, iam = AWS SigV4 (task role; API Gateway IAM authorizer)'),
  awsRegion: spec('AWS_REGION', '', optionalText, 'region the iam mode signs for (ECS sets it; default: from an execute-api URL)'),
  awsAccessKeyId: spec('AWS_ACCESS_KEY_ID', '', optionalText, 'iam mode: static key id (default: the ECS task role)'),
  awsSecretAccessKey: spec('AWS_SECRET_ACCESS_KEY', '', optionalText, 'iam mode: static secret key'),
  awsSessionToken: spec('AWS_SESSION_TOKEN', '', optionalText, 'iam mode: session token of temporary static keys'),
  awsContainerCredentialsRelativeUri: spec('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', '', optionalText, 'iam mode: task-role credentials path on 169.254.170.2 (ECS sets it)'),
  awsContainerCredentialsFullUri: spec('AWS_CONTAINER_CREDENTIALS_FULL_URI', '', optionalText, 'iam mode: full credentials endpoint URL'),
  awsContainerAuthorizationToken: spec('AWS_CONTAINER_AUTHORIZATION_TOKEN', '', optionalText, 'iam mode: authorization header for the full credentials URL'),
  tlsCert: spec('STREAMGATE_TLS_CERT', '', optionalText, 'RTMPS and RTSPS certificate: PEM text or a file path'),
  tlsKey: spec('STREAMGATE_TLS_KEY', '', optionalText, 'RTMPS and RTSPS private key: PEM text or a file path'),
  logLevel: spec('STREAMGATE_LOG_LEVEL', 'info', oneOf('debug', 'info', 'warn', 'error'), 'log level'),
  rtmpChunkSize: spec('STREAMGATE_RTMP_CHUNK_SIZE', '4096', positiveInt, 'outgoing RTMP chunk size'),
  gopCacheMaxBytes: spec('STREAMGATE_GOP_CACHE_MAX_BYTES', String(8 * 1024 * 1024), positiveInt, 'GOP cache bound per stream, bytes'),
  gopCacheMaxMs: spec('STREAMGATE_GOP_CACHE_MAX_MS', '10000', positiveInt, 'GOP cache bound per stream, ms'),
  readerQueueMaxBytes: spec('STREAMGATE_READER_QUEUE_MAX_BYTES', String(4 * 1024 * 1024), positiveInt, 'held-back bytes per slow player before it skips to the next keyframe'),
  readerMaxBlockedMs: spec('STREAMGATE_READER_MAX_BLOCKED_MS', '10000', positiveInt, 'a player that cannot take data this long is disconnected'),
  waitForPublisherMs: spec('STREAMGATE_WAIT_FOR_PUBLISHER_MS', '30000', positiveInt, 'how long a player waits for a stream that is not live'),
  handshakeTimeoutMs: spec('STREAMGATE_HANDSHAKE_TIMEOUT_MS', '10000', positiveInt, 'time to complete the RTMP handshake and connect (and the TLS handshake of RTMPS and RTSPS)'),
  idleTimeoutMs: spec('STREAMGATE_IDLE_TIMEOUT_MS', '30000', positiveInt, 'a connection that sends nothing this long (and is not playing) is closed'),
  maxConnections: spec('STREAMGATE_MAX_CONNECTIONS', '5000', positiveInt, 'connections per listener'),
  maxConnectionsPerAddress: spec('STREAMGATE_MAX_CONNECTIONS_PER_ADDRESS', '64', positiveInt, 'connections from one source address over all public listeners and RTMPT sessions (NAT: raise it)'),
  maxPendingBytes: spec('STREAMGATE_MAX_PENDING_BYTES', String(256 * 1024 * 1024), positiveInt, 'partially received data of all connections together; past it new connections and unauthorized input are refused'),
  publisherMaxPendingBytes: spec('STREAMGATE_PUBLISHER_MAX_PENDING_BYTES', String(24 * 1024 * 1024), positiveInt, 'partially received data of one authorized publisher (frames being assembled; RTSP: up to half of it held while its tracks are aligned); past it the publisher is closed'),
  drainSeconds: spec('STREAMGATE_DRAIN_SECONDS', '30', positiveInt, 'on SIGTERM, how long publishers and players may finish'),
  flvApp: spec('STREAMGATE_FLV_APP', 'live', text, 'app of streams published on the FLV-TCP listener'),
  tsApp: spec('STREAMGATE_TS_APP', 'live', text, 'app of streams published on the TS-TCP listener'),
  rawDefaultStream: spec('STREAMGATE_RAW_DEFAULT_STREAM', 'stream', text, 'stream name when FLV/TS input names none'),
  rawAllowFrom: spec('STREAMGATE_RAW_ALLOW_FROM', '127.0.0.1/32,::1/128', list, 'source CIDRs allowed on the FLV/TS listeners'),
  rtspSessionTimeoutMs: spec('STREAMGATE_RTSP_SESSION_TIMEOUT_MS', '60000', positiveInt, 'an RTSP session with no request or RTCP this long is closed (announced as Session timeout=)'),
  rtpPortRange: spec('STREAMGATE_RTP_PORTS', '20000-20999', text, 'UDP port range for RTSP RTP/RTCP'),
  metricsEmfSeconds: spec('STREAMGATE_METRICS_EMF_SECONDS', '0', nonNegativeInt, 'every N seconds, one CloudWatch embedded-metric-format line on stdout (0 = off)'),
  metricsService: spec('STREAMGATE_METRICS_SERVICE', 'streamgate', text, 'value of the Service dimension of those metrics'),
  srtPort: spec('STREAMGATE_SRT_PORT', '8890', port, 'SRT publish/play over UDP (MPEG-TS payload; stream id names the stream); 0 = off'),
  srtPassphrase: spec('STREAMGATE_SRT_PASSPHRASE', '', srtPassphrase, 'SRT encryption passphrase (10-79 chars); set: every SRT caller must use it'),
  srtLatencyMs: spec('STREAMGATE_SRT_LATENCY_MS', '120', positiveInt, 'SRT TSBPD latency (ms); the larger of this and the caller\'s wins'),
  srtKmRefreshPackets: spec('STREAMGATE_SRT_KM_REFRESH_PACKETS', '16777216', positiveInt, 'SRT: data packets sent under one stream key before the next replaces it (libsrt SRTO_KMREFRESHRATE)'),
  srtKmPreAnnouncePackets: spec('STREAMGATE_SRT_KM_PREANNOUNCE_PACKETS', '4096', positiveInt, 'SRT: packets before and after a key switch that both keys are announced, at most half the refresh (libsrt SRTO_KMPREANNOUNCE)'),
  registryTable: spec('STREAMGATE_REGISTRY_TABLE', '', optionalText, 'cluster mode: DynamoDB table of the stream registry and publisher leases (unset = one task on its own)'),
  registryEndpoint: spec('STREAMGATE_REGISTRY_ENDPOINT', '', optionalText, 'cluster mode: DynamoDB endpoint URL (the local embedded store; default AWS)'),
  awsEndpointUrlDynamodb: spec('AWS_ENDPOINT_URL_DYNAMODB', '', optionalText, 'cluster mode: DynamoDB endpoint signed with the AWS credentials (default https://dynamodb.AWS_REGION.amazonaws.com)'),
  clusterPort: spec('STREAMGATE_CLUSTER_PORT', '7935', port, 'cluster mode: private pull port other tasks fetch streams from (bearer STREAMGATE_CLUSTER_TOKEN)'),
  clusterHost: spec('STREAMGATE_CLUSTER_HOST', '0.0.0.0', text, 'cluster mode: address the pull port binds to'),
  clusterAdvertise: spec('STREAMGATE_CLUSTER_ADVERTISE', '', optionalText, 'cluster mode: HOST:PORT other tasks reach the pull port on (default: this task\'s private IPv4)'),
  clusterToken: spec('STREAMGATE_CLUSTER_TOKEN', '', bearerSecret, 'cluster mode: bearer token of the pull port, same on every task, at least 16 characters of A-Z a-z 0-9 -._~+/'),
  leaseTtlMs: spec('STREAMGATE_LEASE_TTL_MS', '5000', positiveInt, 'cluster mode: a publisher lease not renewed this long is void (a crashed task\'s streams free up)'),
  leaseHeartbeatMs: spec('STREAMGATE_LEASE_HEARTBEAT_MS', '1000', positiveInt, 'cluster mode: lease renewal and stream look-up interval'),
  edgeLingerMs: spec('STREAMGATE_EDGE_LINGER_MS', '10000', positiveInt, 'cluster mode: an edge pull with no local player this long stops'),
  segmentTokenKey: spec('STREAMGATE_SEGMENT_TOKEN_KEY', '', secret, 'HLS segment-token HMAC key, at least 16 characters; the same on every task (default: random per process)'),
  ecsAgentUri: spec('ECS_AGENT_URI', '', optionalText, 'ECS agent endpoint (ECS sets it): task scale-in protection while this task owns publishers'),
  dumpDir: spec('STREAMGATE_DUMP_DIR', '', optionalText, 'write each connection\'s received bytes here (bug reports become fixtures)'),
} as const;

type Specs = typeof CONFIG_VARIABLES;

/** The parsed configuration. */
export type IngestConfig = { -readonly [K in keyof Specs]: Specs[K] extends VariableSpec<infer T> ? T : never };

/** Parses `env` (process.env by default); throws ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): IngestConfig {
  const out: Record<string, unknown> = {};
  for (const [key, s] of Object.entries(CONFIG_VARIABLES) as [string, VariableSpec<unknown>][]) {
    const raw = env[s.env];
    out[key] = s.parse(raw === undefined ? s.default : raw.trim(), s.env);
  }
  const config = out as IngestConfig;
  if (!/^\d+-\d+$/.test(config.rtpPortRange)) {
    throw invalidSetting('STREAMGATE_RTP_PORTS', `expected FROM-TO, got "${config.rtpPortRange}"`);
  }
  for (const p of config.rtspPorts) port(p, 'STREAMGATE_RTSP_PORTS');
  if (config.srtKmPreAnnouncePackets > config.srtKmRefreshPackets / 2) {
    throw invalidSetting('STREAMGATE_SRT_KM_PREANNOUNCE_PACKETS', `must be at most half of STREAMGATE_SRT_KM_REFRESH_PACKETS (${config.srtKmRefreshPackets})`);
  }
  if (config.registryTable !== undefined && config.clusterToken === undefined) {
    throw invalidSetting('STREAMGATE_CLUSTER_TOKEN', 'required with STREAMGATE_REGISTRY_TABLE (cluster mode)');
  }
  if (config.leaseHeartbeatMs * 2 > config.leaseTtlMs) {
    throw invalidSetting('STREAMGATE_LEASE_HEARTBEAT_MS', `must be at most half of STREAMGATE_LEASE_TTL_MS (${config.leaseTtlMs})`);
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw invalidSetting('STREAMGATE_TLS_CERT', 'STREAMGATE_TLS_CERT and STREAMGATE_TLS_KEY must be set together');
  }
  return config;
}

/** The `--help` listing: one line per variable with its default. */
export function describeConfig(): string {
  const rows = Object.values(CONFIG_VARIABLES).map((s) => [s.env, s.default === '' ? '(unset)' : s.default, s.help]);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.min(24, Math.max(...rows.map((r) => r[1].length)));
  return rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`).join('\n');
}
