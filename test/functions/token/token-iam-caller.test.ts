import { handle } from 'hono/aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { createTokenApp } from '#functions/token/create-token-app.js';
import { iamAuthorized } from '#functions/token/iam-authorized.js';
import { formPostEvent, lambdaContext, type LambdaHandler } from '../support/api-gateway-event.js';
import { startTestDeps, TEA_SECRET } from '../support/test-deps.js';

/** What API Gateway puts in `requestContext.authorizer` after its IAM authorizer admitted a SigV4 caller. */
const TASK_ROLE_IAM = {
  iam: {
    accessKey: 'ASIAEXAMPLETASKROLE1',
    accountId: '123456789012',
    callerId: 'AROAEXAMPLEROLEID:3f1c2b7d9e8a4c6b',
    cognitoIdentity: null,
    principalOrgId: null,
    userArn: 'arn:aws:sts::123456789012:assumed-role/streamgate-prod-ingest-TaskRole/3f1c2b7d9e8a4c6b',
    userId: 'AROAEXAMPLEROLEID:3f1c2b7d9e8a4c6b',
  },
};

/** A POST /token as API Gateway hands it over after SigV4: the signature header reaches the Lambda. */
function tokenEvent(body: string, sourceIp: string, authorizer?: unknown) {
  // The SigV4 header is not a bearer and must not need to be one.
  const authorization =
    'AWS4-HMAC-SHA256 Credential=ASIAEXAMPLETASKROLE1/20260304/eu-west-1/execute-api/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=00';
  return formPostEvent('/token', body, sourceIp, { headers: { authorization }, authorizer });
}

let ctx: Awaited<ReturnType<typeof startTestDeps>>;
let handler: LambdaHandler;

beforeAll(async () => {
  // In AWS with aclAuth=iam the token function has no service token at all.
  ctx = await startTestDeps({ serviceToken: undefined, aclAuth: 'iam' });
  handler = handle(createTokenApp(ctx.deps)) as unknown as LambdaHandler;
  await ctx.deps.users.create({ name: 'alice12', password: 's3cret-pass', enabled: true, grants: { publish: ['*'], play: [] }, ipRanges: [] });
});
afterAll(() => ctx.close());

const guess = (i: number) => `clientid=${teaEncrypt(`guess${i}x`, TEA_SECRET)}`;
const alice = `clientid=${teaEncrypt('alice12', TEA_SECRET)}`;

describe('POST /token from a caller API Gateway authorized with IAM (the ingest in aclAuth=iam)', () => {
  it('never throttles the IAM-authorized ingest, however many unknown users it looks up', async () => {
    const ip = '203.0.113.50';
    for (let i = 0; i < 30; i++) {
      const res = await handler(tokenEvent(guess(i), ip, TASK_ROLE_IAM), lambdaContext);
      expect(JSON.parse(res.body)).toEqual({ error: 'Invalid Client' });
    }
    const res = await handler(tokenEvent(alice, ip, TASK_ROLE_IAM), lambdaContext);
    expect(res.statusCode).toBe(200);
    expect(teaDecrypt((JSON.parse(res.body) as { publisherToken: string }).publisherToken, TEA_SECRET)).toBe('s3cret-pass');
    expect(ctx.logs.at(-1)).toMatchObject({ route: 'token', decision: 'allow', caller: 'ingest', user: 'alice12' });
  });

  it('still throttles the same source when the route had no IAM authorizer (exposeToken)', async () => {
    const ip = '203.0.113.51';
    for (let i = 0; i < 20; i++) await handler(tokenEvent(guess(i), ip), lambdaContext);
    const res = await handler(tokenEvent(alice, ip), lambdaContext);
    expect(JSON.parse(res.body)).toEqual({ error: 'Invalid Client' });
    expect(ctx.logs.at(-1)).toMatchObject({ reason: 'throttled' });
    expect(ctx.logs.at(-1)).not.toHaveProperty('caller');
  });

  it('does not count a Lambda or JWT authorizer context as the ingest', async () => {
    for (const [n, authorizer] of [
      [52, { lambda: { iam: { userArn: 'x' } } }],
      [53, { jwt: { claims: { sub: 'x' }, scopes: [] } }],
      [54, { iam: null }],
    ] as const) {
      const ip = `203.0.113.${n}`;
      for (let i = 0; i < 20; i++) await handler(tokenEvent(guess(i), ip, authorizer), lambdaContext);
      expect(JSON.parse((await handler(tokenEvent(alice, ip, authorizer), lambdaContext)).body)).toEqual({ error: 'Invalid Client' });
    }
  });
});

describe('iamAuthorized', () => {
  it('is true only for an HTTP API v2 requestContext with an IAM principal', () => {
    expect(iamAuthorized({ requestContext: { authorizer: TASK_ROLE_IAM } })).toBe(true);
    expect(iamAuthorized({ requestContext: { authorizer: { iam: { accessKey: 'ASIA' } } } })).toBe(true);
    expect(iamAuthorized(undefined)).toBe(false);
    expect(iamAuthorized({})).toBe(false);
    expect(iamAuthorized({ incoming: {}, outgoing: {} })).toBe(false); // @hono/node-server bindings
    expect(iamAuthorized({ requestContext: { http: { sourceIp: '1.2.3.4' } } })).toBe(false);
    expect(iamAuthorized({ requestContext: { authorizer: { iam: {} } } })).toBe(false);
    expect(iamAuthorized({ requestContext: { authorizer: { iam: 'yes' } } })).toBe(false);
  });
});
