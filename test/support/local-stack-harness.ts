import { createRelaysClient } from '#ingest/relay/relays-client.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalFunctions, type LocalFunctions } from '#functions/local/start-local-functions.js';
import { createAccessControl } from '#ingest/auth/create-access-control.js';
import type { AuthorizerConfig } from '#ingest/auth/create-authorizer.js';
import { loadConfig, type IngestConfig } from '#ingest/config.js';
import { createLogger } from '#domain/logger.js';
import { withAuthMetrics } from '#ingest/metrics/metrics-auth-log.js';
import { createMetricsSetup } from '#ingest/metrics/metrics-setup.js';
import { startIngest, type IngestDeps, type RunningIngest } from '#ingest/start-ingest.js';
import { TEST_INGEST_ENV } from './ingest-harness.js';

/** A user to create through the users API. */
export interface StackUser {
  name: string;
  password: string;
  publish?: string[];
  play?: string[];
  enabled?: boolean;
}

/** Options of {@link startLocalStackForTest}. */
export interface LocalStackTestOptions {
  /** `STREAMGATE_*` ingest variables on top of the test defaults (auth on, every port free). */
  env?: Record<string, string>;
  /** ACL answer lifetime the functions hand out (`STREAMGATE_ACL_TTL_SECONDS`). */
  aclTtlSeconds?: number;
  /** Authorizer tunables (e.g. a shorter failure delay); defaults are production's. */
  authorizer?: Partial<AuthorizerConfig>;
  /** Functions URL the ingest asks instead of the local functions (a hanging fake, a proxy). */
  ingestFunctionsUrl?: string;
  /** Further ingest dependencies (e.g. a shorter console sampling). */
  ingestDeps?: Partial<IngestDeps>;
  users?: StackUser[];
}

/** The functions and an ingest wired to them, on free ports, with every log line captured. */
export interface LocalStackForTest {
  readonly functions: LocalFunctions;
  readonly ingest: RunningIngest;
  readonly config: IngestConfig;
  /** Ingest log lines (JSON objects), in order. */
  readonly logs: Record<string, unknown>[];
  /** Functions log events, in order. */
  readonly functionsLogs: Record<string, unknown>[];
  /** Every captured line of both, as text (for "no secret in any log" checks). */
  allLogText(): string;
  rtmpUrl(path: string): string;
  /** Calls the users API with the admin token; resolves with status and JSON body. */
  usersApi(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  addUser(user: StackUser): Promise<void>;
  /** Stops the functions only (the ingest keeps running: "auth service down"). */
  stopFunctions(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts what `streamgate start` runs — the local functions on a temp data dir and an ingest
 * asking them (publish auth on by default) — on 127.0.0.1 with free ports, creates `users`
 * through the users API with the admin token, and captures both logs.
 */
export async function startLocalStackForTest(opts: LocalStackTestOptions = {}): Promise<LocalStackForTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sg-stack-'));
  const functionsLogs: Record<string, unknown>[] = [];
  const lines: string[] = [];
  let functions: LocalFunctions;
  try {
    functions = await startLocalFunctions({
      dataDir,
      port: 0,
      aclTtlSeconds: opts.aclTtlSeconds,
      log: (event) => {
        functionsLogs.push(event);
        lines.push(JSON.stringify(event));
      },
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  let functionsStopped = false;
  const stopFunctions = async () => {
    if (functionsStopped) return;
    functionsStopped = true;
    await functions.close();
  };

  const config = loadConfig({ ...TEST_INGEST_ENV, STREAMGATE_AUTH: 'on', STREAMGATE_DATA_DIR: dataDir, ...opts.env });
  const logs: Record<string, unknown>[] = [];
  const log = createLogger(config.logLevel, (line) => {
    lines.push(line);
    logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  let ingest: RunningIngest;
  const metrics = createMetricsSetup();
  try {
    // As cli/src/start-local-stack.ts: the ingest uses the secrets the functions generated, and
    // its auth decisions are counted in the metrics.
    const access = createAccessControl(
      {
        ...config,
        functionsUrl: opts.ingestFunctionsUrl ?? functions.url,
        teaSecret: functions.teaSecret,
        serviceToken: functions.serviceToken,
      },
      withAuthMetrics(log, metrics.ingest),
      opts.authorizer,
    );
    // As the local stack: managed relays are read from the functions with the service token.
    const relaysClient = createRelaysClient({ functionsUrl: opts.ingestFunctionsUrl ?? functions.url, serviceToken: functions.serviceToken });
    // As the local stack: the admin token of the data dir guards the admin protocol and the web
    // console, whose users and relays calls go to the functions.
    ingest = await startIngest(config, {
      log,
      access,
      metrics,
      relaysClient,
      adminToken: functions.adminToken,
      functionsUrl: opts.ingestFunctionsUrl ?? functions.url,
      ...opts.ingestDeps,
    });
  } catch (err) {
    await stopFunctions();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }

  const usersApi = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${functions.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${functions.adminToken}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  const addUser = async (u: StackUser) => {
    const r = await usersApi('POST', '/users', {
      name: u.name,
      password: u.password,
      grants: { publish: u.publish ?? [], play: u.play ?? [] },
      ...(u.enabled === false ? { enabled: false } : {}),
    });
    if (r.status !== 201) throw new Error(`creating user ${u.name}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  };

  const stack: LocalStackForTest = {
    functions,
    ingest,
    config,
    logs,
    functionsLogs,
    allLogText: () => lines.join('\n'),
    rtmpUrl: (path) => `rtmp://127.0.0.1:${ingest.ports.rtmp}/${path}`,
    usersApi,
    addUser,
    stopFunctions,
    async close() {
      await ingest.close();
      await stopFunctions();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    for (const u of opts.users ?? []) await addUser(u);
  } catch (err) {
    await stack.close();
    throw err;
  }
  return stack;
}

/** Polling helper, here too for the tests that import it with the stack. */
export { waitFor } from './wait.js';

/** A switchable HTTP front of the functions: passes through, delays, or never answers. */
export interface FunctionsGateway {
  readonly url: string;
  /** `pass` forwards; `hang` accepts the request and never answers. */
  mode: 'pass' | 'hang';
  /** Delay before forwarding, per path prefix (e.g. `{ '/acl': 300 }`). */
  delays: Record<string, number>;
  /** Paths requested, in order, with when their answers went back (ms since epoch). */
  readonly answered: { path: string; at: number }[];
  close(): Promise<void>;
}

/** Starts a {@link FunctionsGateway} on a free loopback port in front of `target`. */
export async function startFunctionsGateway(target: () => string): Promise<FunctionsGateway> {
  const { createServer } = await import('node:http');
  const answered: { path: string; at: number }[] = [];
  const gw: FunctionsGateway = {
    url: '',
    mode: 'pass',
    delays: {},
    answered,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (gw.mode === 'hang') return; // never answers; the socket stays open
      const path = req.url ?? '/';
      const delay = Object.entries(gw.delays).find(([prefix]) => path.startsWith(prefix))?.[1] ?? 0;
      setTimeout(() => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
        // The ingest may call (relay poll) before the test has its stack's functions URL: 503, as a
        // gateway with no integration behind it would answer.
        let upstream: string;
        try {
          upstream = target() + path;
        } catch {
          res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"Service Unavailable"}');
          return;
        }
        fetch(upstream, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined })
          .then(async (up) => {
            const body = Buffer.from(await up.arrayBuffer());
            res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' });
            res.end(body);
            answered.push({ path, at: Date.now() });
          })
          .catch(() => res.destroy());
      }, delay);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as import('node:net').AddressInfo).port;
  (gw as { url: string }).url = `http://127.0.0.1:${port}`;
  return gw;
}

/**
 * Extra connect fields that make the scripted RTMP client look like a player (as FFmpeg reading
 * does), so it is not challenged while play auth is off (classify-connect.ts).
 */
export const PLAYER_CONNECT = { type: 'normal', fpad: false, audioCodecs: 3191, videoCodecs: 252 } as const;
