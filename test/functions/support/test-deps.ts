import { randomBytes } from 'node:crypto';
import { buildFunctionsDeps, type FunctionsSettings } from '#functions/build-functions-deps.js';
import type { FunctionsDeps } from '#functions/functions-deps.js';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { startDynalite } from '#functions/local/start-dynalite.js';
import { ensureUsersTable } from '#functions/store/ensure-users-table.js';

export const TEA_SECRET = 'abcdefghijklmnop';
export const ADMIN_TOKEN = 'admin-token-for-tests';
export const SERVICE_TOKEN = 'service-token-for-tests';

/** Deps over a fresh in-memory dynalite, with every log event captured. */
export async function startTestDeps(over: Partial<FunctionsSettings> = {}): Promise<{
  deps: FunctionsDeps;
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}> {
  const db = await startDynalite();
  const client = createLocalDynamoClient(db.endpoint);
  await ensureUsersTable(client, 'users');
  await ensureUsersTable(client, 'relays', 'id');
  const logs: Record<string, unknown>[] = [];
  const deps = buildFunctionsDeps({
    client,
    tableName: 'users',
    teaSecret: TEA_SECRET,
    adminToken: ADMIN_TOKEN,
    serviceToken: SERVICE_TOKEN,
    passwordKey: randomBytes(32),
    relaysTableName: 'relays',
    log: (e) => logs.push(e),
    ...over,
  });
  return {
    deps,
    logs,
    close: async () => {
      client.destroy();
      await db.close();
    },
  };
}

/** Hono `env` as the aws-lambda adapter passes it, so the apps see a source ip. */
export const lambdaEnv = (sourceIp: string) => ({ requestContext: { http: { sourceIp } } });
