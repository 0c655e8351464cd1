import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handle } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { loadDeps } from '#functions/deps.js';
import type { FunctionsDeps } from '#functions/functions-deps.js';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { type RunningDynalite, startDynalite } from '#functions/local/start-dynalite.js';
import { ensureUsersTable } from '#functions/store/ensure-users-table.js';
import { createTokenApp } from '#functions/token/create-token-app.js';
import { formPostEvent, lambdaContext, type LambdaHandler } from '../support/api-gateway-event.js';

const TEA = 'tea-secret-from-secrets-manager';
const SERVICE_TOKEN = 'service-token-from-secrets-manager';

/** A POST /token on a route without an authorizer, with an optional `authorization` header. */
function tokenEvent(body: string, sourceIp: string, authorization?: string) {
  return formPostEvent('/token', body, sourceIp, { headers: authorization === undefined ? {} : { authorization } });
}

let db: RunningDynalite;
let secretsManager: Server;
let deps: FunctionsDeps;
let handler: LambdaHandler;
const logs: Record<string, unknown>[] = [];
const savedEnv = { ...process.env };

// The environment the api stack gives the token Lambda with aclAuth=token: the table, and the TEA
// secret, password key and service token as Secrets Manager ARNs (infra/api-stack.ts).
beforeAll(async () => {
  db = await startDynalite();
  const client = createLocalDynamoClient(db.endpoint);
  await ensureUsersTable(client, 'users');
  client.destroy();
  const secrets: Record<string, string> = {
    'arn:tea': TEA,
    'arn:key': randomBytes(32).toString('base64'),
    'arn:service': SERVICE_TOKEN,
  };
  secretsManager = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(JSON.stringify({ ARN: SecretId, Name: SecretId, SecretString: secrets[SecretId] }));
    });
  });
  await new Promise<void>((r) => secretsManager.listen(0, '127.0.0.1', r));
  const env = {
    STREAMGATE_USERS_TABLE: 'users',
    STREAMGATE_TEA_SECRET_ARN: 'arn:tea',
    STREAMGATE_PASSWORD_KEY_ARN: 'arn:key',
    STREAMGATE_SERVICE_TOKEN_ARN: 'arn:service',
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`,
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
  };
  // The SDK reads endpoints and credentials from process.env itself.
  Object.assign(process.env, env);
  const loaded = await loadDeps('token', env);
  deps = { ...loaded, log: (e) => logs.push(e) };
  handler = handle(createTokenApp(deps)) as unknown as LambdaHandler;
  await deps.users.create({ name: 'alice12', password: 's3cret-pass', enabled: true, grants: { publish: ['*'], play: [] }, ipRanges: [] });
});

afterAll(async () => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  secretsManager?.close();
  await db?.close();
});

const guess = (i: number) => `clientid=${teaEncrypt(`guess${i}x`, TEA)}`;
const alice = `clientid=${teaEncrypt('alice12', TEA)}`;

describe('the token Lambda with aclAuth=token (service token from STREAMGATE_SERVICE_TOKEN_ARN)', () => {
  it('loads the service token from Secrets Manager for the token app', () => {
    expect(deps.serviceToken).toBe(SERVICE_TOKEN);
    expect(deps.teaSecret).toBe(TEA);
  });

  it("never throttles the ingest's bearer, however many unknown users it looks up from one address", async () => {
    const ip = '203.0.113.60';
    for (let i = 0; i < 30; i++) {
      const res = await handler(tokenEvent(guess(i), ip, `Bearer ${SERVICE_TOKEN}`), lambdaContext);
      expect(JSON.parse(res.body)).toEqual({ error: 'Invalid Client' });
    }
    const res = await handler(tokenEvent(alice, ip, `Bearer ${SERVICE_TOKEN}`), lambdaContext);
    expect(teaDecrypt((JSON.parse(res.body) as { publisherToken: string }).publisherToken, TEA)).toBe('s3cret-pass');
    expect(logs.at(-1)).toMatchObject({ route: 'token', decision: 'allow', caller: 'ingest', user: 'alice12' });
  });

  it('throttles a caller with no bearer or a wrong one after 20 failures from its address', async () => {
    for (const [ip, authorization] of [
      ['203.0.113.61', undefined],
      ['203.0.113.62', 'Bearer not-the-service-token'],
    ] as const) {
      for (let i = 0; i < 20; i++) await handler(tokenEvent(guess(i), ip, authorization), lambdaContext);
      const res = await handler(tokenEvent(alice, ip, authorization), lambdaContext);
      expect(JSON.parse(res.body), ip).toEqual({ error: 'Invalid Client' });
      expect(logs.at(-1)).toMatchObject({ reason: 'throttled' });
      expect(logs.at(-1)).not.toHaveProperty('caller');
    }
  });
});
