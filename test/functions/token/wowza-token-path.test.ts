import { handle } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_PATH, WOWZA_TOKEN_PATH } from '#domain/functions-contract.js';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { createTokenApp } from '#functions/token/create-token-app.js';
import { formPostEvent, lambdaContext, type LambdaHandler } from '../support/api-gateway-event.js';
import { lambdaEnv, SERVICE_TOKEN, startTestDeps, TEA_SECRET } from '../support/test-deps.js';

/** What API Gateway's IAM authorizer puts in `requestContext.authorizer` for the ingest's task role. */
const TASK_ROLE_IAM = { iam: { accessKey: 'ASIAEXAMPLETASKROLE1', userArn: 'arn:aws:sts::123456789012:assumed-role/ingest-TaskRole/1' } };

/** A POST to `path` as Wowza's token validator sends it. */
function postEvent(path: string, body: string, sourceIp: string, authorizer?: unknown) {
  return formPostEvent(path, body, sourceIp, { authorizer, userAgent: 'Wowza' });
}

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
let app: ReturnType<typeof createTokenApp>;
let handler: LambdaHandler;

beforeAll(async () => {
  // exposeToken with aclAuth=iam: the token Lambda has no service token.
  ctx = await startTestDeps({ serviceToken: undefined, aclAuth: 'iam' });
  app = createTokenApp(ctx.deps);
  handler = handle(app) as unknown as LambdaHandler;
  await ctx.deps.users.create({ name: 'alice12', password: 's3cret-pass', enabled: true, grants: { publish: ['*'], play: [] }, ipRanges: [] });
});
afterAll(() => ctx.close());

const guess = (i: number) => `clientid=${teaEncrypt(`guess${i}x`, TEA_SECRET)}`;
const alice = `clientid=${teaEncrypt('alice12', TEA_SECRET)}`;

describe(`${WOWZA_TOKEN_PATH} (the public token route for an external Wowza server)`, () => {
  it('is a different path from the ingest route', () => {
    expect(WOWZA_TOKEN_PATH).not.toBe(TOKEN_PATH);
  });

  it('answers a valid clientid with the TEA-encrypted password, like /token', async () => {
    const res = await app.request(WOWZA_TOKEN_PATH, { method: 'POST', body: alice }, lambdaEnv('198.51.100.7'));
    expect(res.status).toBe(200);
    expect(teaDecrypt(((await res.json()) as { publisherToken: string }).publisherToken, TEA_SECRET)).toBe('s3cret-pass');
    expect(ctx.logs.at(-1)).toMatchObject({ route: 'token', path: WOWZA_TOKEN_PATH, decision: 'allow', user: 'alice12' });
    expect(ctx.logs.at(-1)).not.toHaveProperty('caller');
  });

  it('answers 200 Invalid Client for an unknown user, GET with the version and other methods with 405', async () => {
    const bad = await app.request(WOWZA_TOKEN_PATH, { method: 'POST', body: `clientid=${teaEncrypt('nobody42', TEA_SECRET)}` }, lambdaEnv('198.51.100.8'));
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({ error: 'Invalid Client' });
    const get = await app.request(WOWZA_TOKEN_PATH);
    expect(await get.json()).toEqual({ 'Auth Server Version': 'v1.0' });
    for (const method of ['PUT', 'DELETE']) expect((await app.request(WOWZA_TOKEN_PATH, { method })).status).toBe(405);
    expect((await app.request('/wowza/other', { method: 'POST', body: alice })).status).toBe(404);
  });

  it('throttles a public caller per source address after 20 failures, as on /token', async () => {
    const ip = '203.0.113.70';
    for (let i = 0; i < 20; i++) await handler(postEvent(WOWZA_TOKEN_PATH, guess(i), ip), lambdaContext);
    expect(JSON.parse((await handler(postEvent(WOWZA_TOKEN_PATH, alice, ip), lambdaContext)).body)).toEqual({ error: 'Invalid Client' });
    expect(ctx.logs.at(-1)).toMatchObject({ path: WOWZA_TOKEN_PATH, reason: 'throttled' });
    // Another Wowza server (another address) is unaffected.
    expect(JSON.parse((await handler(postEvent(WOWZA_TOKEN_PATH, alice, '203.0.113.71'), lambdaContext)).body)).toHaveProperty('publisherToken');
  });

  it('shares the throttle with /token: failures on one path block the same address on the other', async () => {
    const ip = '203.0.113.72';
    for (let i = 0; i < 20; i++) await handler(postEvent(WOWZA_TOKEN_PATH, guess(i), ip), lambdaContext);
    expect(JSON.parse((await handler(postEvent(TOKEN_PATH, alice, ip), lambdaContext)).body)).toEqual({ error: 'Invalid Client' });
  });

  it('keeps the IAM-authorized ingest on /token unthrottled while Wowza callers from the same address are throttled', async () => {
    const ip = '203.0.113.73';
    for (let i = 0; i < 25; i++) await handler(postEvent(WOWZA_TOKEN_PATH, guess(i), ip), lambdaContext);
    for (let i = 0; i < 25; i++) await handler(postEvent(TOKEN_PATH, guess(i), ip, TASK_ROLE_IAM), lambdaContext);
    const ingest = await handler(postEvent(TOKEN_PATH, alice, ip, TASK_ROLE_IAM), lambdaContext);
    expect(teaDecrypt((JSON.parse(ingest.body) as { publisherToken: string }).publisherToken, TEA_SECRET)).toBe('s3cret-pass');
    expect(ctx.logs.at(-1)).toMatchObject({ caller: 'ingest', decision: 'allow' });
    expect(ctx.logs.at(-1)).not.toHaveProperty('path');
    expect(JSON.parse((await handler(postEvent(WOWZA_TOKEN_PATH, alice, ip), lambdaContext)).body)).toEqual({ error: 'Invalid Client' });
  });

  it("treats a bearer on the public path like anywhere else: only the deployment's service token counts", async () => {
    const withBearer = await startTestDeps();
    try {
      const a = createTokenApp(withBearer.deps);
      await withBearer.deps.users.create({ name: 'alice12', password: 's3cret-pass', enabled: true, grants: { publish: ['*'], play: [] }, ipRanges: [] });
      const ip = '203.0.113.74';
      const post = (body: string, authorization: string) =>
        a.request(WOWZA_TOKEN_PATH, { method: 'POST', body, headers: { authorization } }, lambdaEnv(ip));
      for (let i = 0; i < 20; i++) await post(guess(i), 'Bearer guessed-token');
      expect(await (await post(alice, 'Bearer guessed-token')).json()).toEqual({ error: 'Invalid Client' });
      expect(await (await post(alice, `Bearer ${SERVICE_TOKEN}`)).json()).toHaveProperty('publisherToken');
    } finally {
      await withBearer.close();
    }
  });
});
