import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkBearerToken } from '#domain/bearer-token.js';

/** Where the CLI finds the users API and its admin token. */
export interface ApiTarget {
  apiUrl: string;
  adminToken: string;
  /** What to tell the user when `apiUrl` cannot be reached. */
  unreachableHint: string;
}

/** Default local API (the `npm start` functions server). */
export const DEFAULT_API_URL = 'http://127.0.0.1:3000';
/** Default data directory (`STREAMGATE_DATA_DIR`). */
export const DEFAULT_DATA_DIR = './.data';

/** The CLI's data dir: `--data-dir`, else `STREAMGATE_DATA_DIR`, else `./.data`. */
export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.STREAMGATE_DATA_DIR ?? DEFAULT_DATA_DIR;
}

/**
 * The users API URL and where it came from: `--api`, else `STREAMGATE_API_URL`, else
 * `STREAMGATE_FUNCTIONS_URL` (the deployed API the ingest also asks), else the local server on
 * `STREAMGATE_FUNCTIONS_PORT` (what `npm start` listens on), else port 3000.
 */
export function resolveApiUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { url: string; from: string } {
  if (flag) return { url: flag, from: '--api' };
  if (env.STREAMGATE_API_URL) return { url: env.STREAMGATE_API_URL, from: 'STREAMGATE_API_URL' };
  if (env.STREAMGATE_FUNCTIONS_URL) return { url: env.STREAMGATE_FUNCTIONS_URL, from: 'STREAMGATE_FUNCTIONS_URL' };
  const port = env.STREAMGATE_FUNCTIONS_PORT?.trim();
  if (port && /^\d+$/.test(port) && Number(port) > 0 && Number(port) <= 65535) return { url: `http://127.0.0.1:${port}`, from: 'STREAMGATE_FUNCTIONS_PORT' };
  return { url: DEFAULT_API_URL, from: 'the default' };
}

/**
 * The only place the CLI reads the environment. URL: see {@link resolveApiUrl}. Admin token:
 * `--admin-token`, else `STREAMGATE_ADMIN_TOKEN`, else the `admin-token` file the local server
 * wrote under the data dir; a token the API could never accept is a ConfigError naming which.
 */
export function resolveApiTarget(flags: { api?: string; adminToken?: string; dataDir?: string }, env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const { url: apiUrl, from } = resolveApiUrl(flags.api, env);
  const unreachableHint =
    from === 'the default' || from === 'STREAMGATE_FUNCTIONS_PORT'
      ? `hint: is streamgate running (npm start)? ${from === 'the default' ? 'If it runs with another STREAMGATE_FUNCTIONS_PORT, set the same one here' : `This used STREAMGATE_FUNCTIONS_PORT=${env.STREAMGATE_FUNCTIONS_PORT?.trim()}; it must match the running server's`}, or pass --api URL.`
      : `hint: check ${from} (${apiUrl}): is that server up and reachable from here?`;
  let adminToken = flags.adminToken ?? env.STREAMGATE_ADMIN_TOKEN;
  let source = flags.adminToken !== undefined ? '--admin-token' : 'STREAMGATE_ADMIN_TOKEN';
  if (!adminToken) {
    const file = join(resolveDataDir(flags.dataDir, env), 'admin-token');
    source = file;
    try {
      adminToken = readFileSync(file, 'utf8').trim();
    } catch {
      throw new Error(`no admin token: pass --admin-token, set STREAMGATE_ADMIN_TOKEN, or start the local server once so ${file} exists`);
    }
  }
  // The API's bearer check accepts only RFC 6750 tokens: say which setting is wrong before any request gets 401.
  return { apiUrl, adminToken: checkBearerToken(adminToken, source), unreachableHint };
}

/** TEA secret for `streamgate tea`: `--secret`, else the local `tea-secret` file. */
export function resolveTeaSecret(flag: string | undefined, dataDir: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined) return flag;
  const file = join(resolveDataDir(dataDir, env), 'tea-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    throw new Error(`no TEA secret: pass --secret S (or start the local server once so ${file} exists)`);
  }
}

/** Where `streamgate admin` sends its request, and the token it sends (if any). */
export interface AdminTarget {
  host: string;
  port: number;
  token: string | undefined;
  /** Where the port came from (for the unreachable hint). */
  portFrom: string;
}

/**
 * The admin listener: `--host`, else `STREAMGATE_ADMIN_HOST` (a wildcard bind address means
 * this machine: 127.0.0.1), else 127.0.0.1; `--port`, else `STREAMGATE_ADMIN_PORT`, else 1112.
 * Token: `--admin-token`, else `STREAMGATE_ADMIN_TOKEN`, else the data dir's `admin-token` file
 * when it exists (sent with every request; the server asks for it where it needs it).
 */
export function resolveAdminTarget(
  flags: { host?: string; port?: string; adminToken?: string; dataDir?: string },
  env: NodeJS.ProcessEnv = process.env,
): AdminTarget {
  let host = flags.host ?? env.STREAMGATE_ADMIN_HOST ?? '127.0.0.1';
  if (host === '0.0.0.0' || host === '::' || host === '') host = '127.0.0.1';
  const portText = flags.port ?? env.STREAMGATE_ADMIN_PORT ?? '1112';
  const portFrom = flags.port !== undefined ? '--port' : env.STREAMGATE_ADMIN_PORT !== undefined ? 'STREAMGATE_ADMIN_PORT' : 'the default';
  const port = Number(portText);
  if (!/^\d+$/.test(portText.trim()) || port < 1 || port > 65535) throw new Error(`admin port must be 1–65535, got "${portText}" (${portFrom})`);
  let token = flags.adminToken ?? (env.STREAMGATE_ADMIN_TOKEN || undefined);
  if (token === undefined) {
    try {
      token = readFileSync(join(resolveDataDir(flags.dataDir, env), 'admin-token'), 'utf8').trim() || undefined;
    } catch {
      token = undefined;
    }
  }
  return { host, port, token, portFrom };
}
