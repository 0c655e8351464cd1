import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { checkBearerToken } from '#domain/bearer-token.js';
import { buildFunctionsDeps } from '../build-functions-deps.js';
import { jsonLineLog } from '../http/log-fn.js';
import { DynamoUserRepository } from '../store/dynamo-user-repository.js';
import { ensureUsersTable } from '../store/ensure-users-table.js';
import { createFunctionsApp } from './create-functions-app.js';
import { createLocalDynamoClient } from './create-local-dynamo-client.js';
import { lockDataDir } from './lock-data-dir.js';
import { readOrCreateSecretFile } from './read-or-create-secret-file.js';
import { startDynalite } from './start-dynalite.js';
import { tightenDataDir } from './tighten-data-dir.js';

/** Options of {@link startLocalFunctions}. */
export interface LocalFunctionsOptions {
  /** Data directory (`STREAMGATE_DATA_DIR`, default `./.data`): store and secret files. */
  dataDir: string;
  /** TCP port; 0 picks a free one (the returned url carries it). */
  port: number;
  /** Bind address, default 127.0.0.1. */
  host?: string;
  /** TEA secret to use instead of the generated `tea-secret` file. */
  teaSecret?: string;
  /** How long the ingest may cache an ACL answer (`STREAMGATE_ACL_TTL_SECONDS`), default 30. */
  aclTtlSeconds?: number;
  /** Relay URLs may name private and loopback addresses (default true locally). */
  relayAllowPrivate?: boolean;
  log?: (event: Record<string, unknown>) => void;
}

/** A running local functions server. */
export interface LocalFunctions {
  url: string;
  adminToken: string;
  serviceToken: string;
  teaSecret: string;
  /** `http://127.0.0.1:PORT` of the embedded store (a local cluster's ingests share it). */
  storeEndpoint: string;
  close(): Promise<void>;
}

/** Name of the users table in the embedded store. */
export const LOCAL_USERS_TABLE = 'streamgate-users';
/** Name of the relays table in the embedded store. */
export const LOCAL_RELAYS_TABLE = 'streamgate-relays';
/** Files under the data dir holding the local secrets (mode 0600). */
export const LOCAL_SECRET_FILES = {
  adminToken: 'admin-token',
  serviceToken: 'service-token',
  teaSecret: 'tea-secret',
  passwordKey: 'password-key',
} as const;

/**
 * Takes the data dir (DataDirInUseError when another live process holds it), makes it 0700
 * with 0600 files, starts dynalite in process (data under `<dataDir>/dynamodb`), creates the
 * users table if missing, generates the password key, admin token, service token and TEA
 * secret on first start (reused later) and serves the token, acl and users apps on one HTTP
 * server.
 */
export async function startLocalFunctions(opts: LocalFunctionsOptions): Promise<LocalFunctions> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const release = lockDataDir(opts.dataDir);
  try {
    tightenDataDir(opts.dataDir);
    return await startOnLockedDataDir(opts, release);
  } catch (err) {
    release();
    throw err;
  }
}

async function startOnLockedDataDir(opts: LocalFunctionsOptions, release: () => void): Promise<LocalFunctions> {
  const file = (name: string) => join(opts.dataDir, name);
  // Generated tokens are base64url; a hand-written one Hono's bearerAuth would never accept stops the start.
  const adminToken = checkBearerToken(readOrCreateSecretFile(file(LOCAL_SECRET_FILES.adminToken)), file(LOCAL_SECRET_FILES.adminToken));
  const serviceToken = checkBearerToken(readOrCreateSecretFile(file(LOCAL_SECRET_FILES.serviceToken)), file(LOCAL_SECRET_FILES.serviceToken));
  const teaSecret = opts.teaSecret ?? readOrCreateSecretFile(file(LOCAL_SECRET_FILES.teaSecret), () => randomBytes(24).toString('base64url'));
  const passwordKey = Buffer.from(readOrCreateSecretFile(file(LOCAL_SECRET_FILES.passwordKey), () => randomBytes(32).toString('base64')), 'base64');

  const log = opts.log ?? jsonLineLog;
  const store = await startDynalite({ path: join(opts.dataDir, 'dynamodb') });
  const client = createLocalDynamoClient(store.endpoint);
  try {
    await ensureUsersTable(client, LOCAL_USERS_TABLE);
    await ensureUsersTable(client, LOCAL_RELAYS_TABLE, 'id');
    // Opening the store writes new LevelDB files with the process umask; files it writes later
    // are inside a 0700 directory.
    tightenDataDir(opts.dataDir);
    const deps = buildFunctionsDeps({ client, tableName: LOCAL_USERS_TABLE, teaSecret, adminToken, serviceToken, passwordKey, aclAuth: 'token', aclTtlSeconds: opts.aclTtlSeconds, log,
      // Local setups relay between machines on the LAN and this one; link-local stays refused.
      relaysTableName: LOCAL_RELAYS_TABLE, relayAllowPrivate: opts.relayAllowPrivate ?? true });
    // Users stored before names were unique case-insensitively get their claim now.
    if (deps.users instanceof DynamoUserRepository) {
      for (const clash of await deps.users.claimExistingNames()) log({ level: 'warn', event: 'user_name_case_clash', user: clash.name, heldBy: clash.heldBy });
    }
    const app = createFunctionsApp(deps);
    const host = opts.host ?? '127.0.0.1';
    const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: opts.port, hostname: host }, () => resolve(s));
      s.once('error', reject);
    });
    const { port } = server.address() as AddressInfo;
    const urlHost = host.includes(':') ? `[${host}]` : host;
    const url = `http://${urlHost}:${port}`;
    log({ event: 'functions_listening', url });
    return {
      url,
      adminToken,
      serviceToken,
      teaSecret,
      storeEndpoint: store.endpoint,
      close: async () => {
        await new Promise<void>((resolve) => {
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          server.close(() => resolve());
        });
        client.destroy();
        await store.close();
        release();
      },
    };
  } catch (err) {
    client.destroy();
    await store.close();
    throw err;
  }
}
