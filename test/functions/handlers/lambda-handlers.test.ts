import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { startDynalite, type RunningDynalite } from '#functions/local/start-dynalite.js';
import { ensureUsersTable } from '#functions/store/ensure-users-table.js';
import { apiGatewayEvent, lambdaContext, type LambdaHandler } from '../support/api-gateway-event.js';

const SECRET = 'Str3amGate!Secr3t#2026';
let db: RunningDynalite;
const handlers: Record<'token' | 'acl' | 'users', LambdaHandler> = {} as never;

/** An API Gateway HTTP API (payload 2.0) event from a Wowza-like Java client. */
function v2Event(method: string, path: string, opts: { body?: string; headers?: Record<string, string>; base64?: boolean; query?: string } = {}) {
  return apiGatewayEvent(method, path, { ...opts, userAgent: 'Java/17.0.15' });
}

beforeAll(async () => {
  db = await startDynalite();
  const client = createLocalDynamoClient(db.endpoint);
  await ensureUsersTable(client, 'sg-users');
  client.destroy();
  // Env first, then import: the handlers load their deps at module top level.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    STREAMGATE_USERS_TABLE: 'sg-users',
    STREAMGATE_TEA_SECRET: SECRET,
    STREAMGATE_PASSWORD_KEY: randomBytes(32).toString('base64'),
    STREAMGATE_ADMIN_TOKEN: 'lambda-admin',
    STREAMGATE_SERVICE_TOKEN: 'lambda-service',
    STREAMGATE_ACL_TTL_SECONDS: '12',
  });
  handlers.users = (await import('#functions/users/handler.js')).handler as unknown as LambdaHandler;
  handlers.token = (await import('#functions/token/handler.js')).handler as unknown as LambdaHandler;
  handlers.acl = (await import('#functions/acl/handler.js')).handler as unknown as LambdaHandler;
});
afterAll(() => db?.close());

describe('Lambda handlers with API Gateway HTTP API v2 events', () => {
  it('users handler creates a user with the admin token', async () => {
    const res = await handlers.users(
      v2Event('POST', '/users', { headers: { authorization: 'Bearer lambda-admin', 'content-type': 'application/json' }, body: JSON.stringify({ name: 'alice12', password: 's3cret-pass', grants: { publish: ['cam1'] } }) }),
      lambdaContext,
    );
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(res.body)).toMatchObject({ name: 'alice12', version: 1 });
  });

  it('users handler answers 401 without the admin token', async () => {
    expect((await handlers.users(v2Event('GET', '/users'), lambdaContext)).statusCode).toBe(401);
  });

  it('token handler answers a Wowza form POST, plain or base64-encoded', async () => {
    for (const base64 of [false, true]) {
      const res = await handlers.token(
        v2Event('POST', '/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `clientid=${teaEncrypt('alice12', SECRET)}`, base64 }),
        lambdaContext,
      );
      expect(res.statusCode).toBe(200);
      expect(res.headers?.['content-type']).toMatch(/application\/json/);
      expect(teaDecrypt(JSON.parse(res.body).publisherToken, SECRET)).toBe('s3cret-pass');
    }
  });

  it('token handler answers 200 Invalid Client for garbage and 405 for DELETE', async () => {
    const bad = await handlers.token(v2Event('POST', '/token', { body: 'clientid=nothex' }), lambdaContext);
    expect(bad.statusCode).toBe(200);
    expect(JSON.parse(bad.body)).toEqual({ error: 'Invalid Client' });
    expect((await handlers.token(v2Event('DELETE', '/token'), lambdaContext)).statusCode).toBe(405);
  });

  it('logs each request with the Lambda request id of its invocation', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await handlers.users(v2Event('GET', '/users', { headers: { authorization: 'Bearer lambda-admin' } }), { ...lambdaContext, awsRequestId: 'req-users-42' });
      await handlers.acl(v2Event('POST', '/acl', { headers: { authorization: 'Bearer lambda-service' }, body: '{}' }), { ...lambdaContext, awsRequestId: 'req-acl-43' });
    } finally {
      process.stdout.write = write;
    }
    const events = lines.flatMap((l) => l.split('\n')).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.find((e) => e.route === 'users')).toMatchObject({ requestId: 'req-users-42' });
    expect(events.find((e) => e.route === 'acl')).toMatchObject({ requestId: 'req-acl-43' });
  });

  it('acl handler answers with the service token and the configured ttl, 401 without', async () => {
    const body = JSON.stringify({ user: 'alice12', action: 'publish', app: 'live', stream: 'CAM1?x=1', ip: '198.51.100.7' });
    const res = await handlers.acl(v2Event('POST', '/acl', { headers: { authorization: 'Bearer lambda-service' }, body }), lambdaContext);
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ allowed: true, reason: 'grant_matched', ttlSeconds: 12 });
    expect((await handlers.acl(v2Event('POST', '/acl', { body }), lambdaContext)).statusCode).toBe(401);
  });
});
