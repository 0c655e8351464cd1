import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the CLI finds the users API and its admin token. */
export interface ApiTarget {
  apiUrl: string;
  adminToken: string;
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
 * The only place the CLI reads the environment. URL: `--api`, else `STREAMGATE_API_URL`, else
 * the local default. Admin token: `--admin-token`, else `STREAMGATE_ADMIN_TOKEN`, else the
 * `admin-token` file the local server wrote under the data dir.
 */
export function resolveApiTarget(flags: { api?: string; adminToken?: string; dataDir?: string }, env: NodeJS.ProcessEnv = process.env): ApiTarget {
  const apiUrl = flags.api ?? env.STREAMGATE_API_URL ?? DEFAULT_API_URL;
  let adminToken = flags.adminToken ?? env.STREAMGATE_ADMIN_TOKEN;
  if (!adminToken) {
    const file = join(resolveDataDir(flags.dataDir, env), 'admin-token');
    try {
      adminToken = readFileSync(file, 'utf8').trim();
    } catch {
      throw new Error(`no admin token: pass --admin-token, set STREAMGATE_ADMIN_TOKEN, or start the local server once so ${file} exists`);
    }
  }
  return { apiUrl, adminToken };
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
