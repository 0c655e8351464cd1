import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAccessControl, regionFromApiUrl, type AccessControlConfig } from '#ingest/auth/create-access-control.js';
import { loadConfig } from '#ingest/config.js';
import { createLogger } from '#domain/logger.js';
import { startTestDeps, TEA_SECRET } from '#test/functions/support/test-deps.js';
import { startSigV4Gateway, type SigV4Gateway } from './sigv4-test-gateway.js';

// API Gateway with the IAM authorizer, played by a server that checks every signature with the
// AWS SDK's own signer and hands authorized calls to the real token/acl apps.
const TASK_KEYS = new Map<string, string>();
let functions: Awaited<ReturnType<typeof startTestDeps>>;
let gw: SigV4Gateway;
let gatewayUrl: string;
let received: SigV4Gateway['received'];
let credsServer: Server;
let credsUrl: string;
let credsAnswer: (res: ServerResponse) => void;

beforeAll(async () => {
  functions = await startTestDeps({ serviceToken: undefined, aclAuth: 'iam' });
  await functions.deps.users.create({ name: 'alice12', password: 's3cret-pass', enabled: true, grants: { publish: ['cam1'], play: [] }, ipRanges: [] });
  gw = await startSigV4Gateway(functions.deps, TASK_KEYS);
  gatewayUrl = gw.url;
  received = gw.received;
  credsServer = createServer((_req, res) => credsAnswer(res));
  await new Promise<void>((r) => credsServer.listen(0, '127.0.0.1', r));
  credsUrl = `http://127.0.0.1:${(credsServer.address() as AddressInfo).port}/v2/credentials/task`;
});
afterAll(async () => {
  credsServer.closeAllConnections();
  await Promise.all([gw.close(), new Promise((r) => credsServer.close(r)), functions.close()]);
});
beforeEach(() => {
  received.length = 0;
  TASK_KEYS.clear();
  TASK_KEYS.set('ASIATASKROLE0001', 'task-secret/0001+abc');
  credsAnswer = (res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ AccessKeyId: 'ASIATASKROLE0001', SecretAccessKey: 'task-secret/0001+abc', Token: 'IQoJb3JpZ2luX2Vj+session/token==', Expiration: new Date(Date.now() + 3600_000).toISOString() }),
    );
});

function iamAccess(lines: string[], over: Partial<AccessControlConfig> = {}) {
  return createAccessControl(
    {
      auth: 'on',
      playAuth: 'none',
      functionsUrl: gatewayUrl,
      teaSecret: TEA_SECRET,
      serviceToken: undefined,
      authTimeoutMs: 2000,
      functionsAuth: 'iam',
      awsRegion: 'eu-west-1',
      awsContainerCredentialsFullUri: credsUrl,
      ...over,
    },
    createLogger('info', (l) => lines.push(l)),
    { failureDelayMs: 0 },
  );
}
const publish = (access: ReturnType<typeof iamAccess>, pass: string, stream = 'cam1') =>
  access.publish({ app: 'live', appQuery: `user=alice12&pass=${pass}`, stream, streamQuery: '', remoteAddress: '198.51.100.4', protocol: 'rtmp' });
const lastEvent = (lines: string[]) => JSON.parse(lines.at(-1)!) as Record<string, unknown>;

describe('STREAMGATE_FUNCTIONS_AUTH=iam: the ingest signs /token and /acl with the task role', () => {
  it('lets an allowed publisher in through an IAM-checking gateway, with signed calls and no bearer', async () => {
    const lines: string[] = [];
    expect(await publish(iamAccess(lines), 's3cret-pass')).toMatchObject({ ok: true, user: 'alice12' });
    expect(received.map((r) => [r.path, r.verdict])).toEqual([
      ['/token', 200],
      ['/acl', 200],
    ]);
    for (const r of received) {
      expect(r.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIATASKROLE0001\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, /);
      expect(r.token).toBe('IQoJb3JpZ2luX2Vj+session/token==');
    }
    expect(lastEvent(lines)).toMatchObject({ event: 'auth', allowed: true, user: 'alice12', stream: 'cam1' });
    expect(lines.join('\n')).not.toMatch(/task-secret|session\/token|s3cret-pass/);
  });

  it('still denies a wrong password and a stream outside the grants', async () => {
    const lines: string[] = [];
    const access = iamAccess(lines);
    expect(await publish(access, 'wrong-pass')).toMatchObject({ ok: false });
    expect(await publish(access, 's3cret-pass', 'other')).toEqual({ ok: false, code: 'NetStream.Publish.Denied', description: 'Stream name not allowed for the logged in user: other' });
    expect(received.every((r) => r.verdict === 200)).toBe(true);
  });

  it('fails closed when the gateway rejects the signature (403)', async () => {
    TASK_KEYS.set('ASIATASKROLE0001', 'a-different-secret');
    const lines: string[] = [];
    expect(await publish(iamAccess(lines), 's3cret-pass')).toEqual({ ok: false, code: 'NetStream.Publish.Denied', description: 'Authorization service unavailable' });
    expect(received.map((r) => r.verdict)).toEqual([403]);
    expect(lastEvent(lines)).toMatchObject({ level: 'warn', reason: 'service_unavailable', errorCode: 'auth_bad_status' });
  });

  it('fails closed without calling the functions when the credentials endpoint fails', async () => {
    credsAnswer = (res) => res.writeHead(500).end('{}');
    const lines: string[] = [];
    expect(await publish(iamAccess(lines), 's3cret-pass')).toMatchObject({ ok: false, description: 'Authorization service unavailable' });
    expect(received).toEqual([]);
    expect(lastEvent(lines)).toMatchObject({ level: 'warn', reason: 'service_unavailable', errorCode: 'auth_unreachable' });
  });

  it('fails closed within the auth timeout when the credentials endpoint hangs', async () => {
    const hanging: ServerResponse[] = [];
    credsAnswer = (res) => void hanging.push(res);
    const lines: string[] = [];
    const started = performance.now();
    expect(await publish(iamAccess(lines, { authTimeoutMs: 300 }), 's3cret-pass')).toMatchObject({ ok: false, description: 'Authorization service unavailable' });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(received).toEqual([]);
    expect(lastEvent(lines)).toMatchObject({ level: 'warn', reason: 'timeout' });
    for (const res of hanging) res.destroy();
  });

  it('in token mode (the default) sends the service bearer, which this gateway refuses', async () => {
    const lines: string[] = [];
    const access = iamAccess(lines, { functionsAuth: 'token', serviceToken: 'svc-token-123' });
    expect(await publish(access, 's3cret-pass')).toMatchObject({ ok: false });
    expect(received.map((r) => [r.authorization, r.verdict])).toEqual([['Bearer svc-token-123', 403]]);
  });
});

describe('STREAMGATE_FUNCTIONS_AUTH configuration', () => {
  const log = createLogger('error', () => {});
  it('reads STREAMGATE_FUNCTIONS_AUTH (default token) and the standard AWS variables', () => {
    expect(loadConfig({}).functionsAuth).toBe('token');
    const c = loadConfig({
      STREAMGATE_FUNCTIONS_AUTH: 'iam',
      AWS_REGION: 'eu-west-1',
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/abc',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'tok',
      AWS_ACCESS_KEY_ID: 'AKIA',
      AWS_SECRET_ACCESS_KEY: 'S',
      AWS_SESSION_TOKEN: 'T',
    });
    expect(c).toMatchObject({
      functionsAuth: 'iam',
      awsRegion: 'eu-west-1',
      awsContainerCredentialsRelativeUri: '/v2/credentials/abc',
      awsContainerCredentialsFullUri: 'http://169.254.170.23/v1/credentials',
      awsContainerAuthorizationToken: 'tok',
      awsAccessKeyId: 'AKIA',
      awsSecretAccessKey: 'S',
      awsSessionToken: 'T',
    });
    expect(() => loadConfig({ STREAMGATE_FUNCTIONS_AUTH: 'sigv4' })).toThrow(expect.objectContaining({ variable: 'STREAMGATE_FUNCTIONS_AUTH' }));
  });

  const iam = { auth: 'on', playAuth: 'none', functionsUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com', teaSecret: TEA_SECRET, serviceToken: undefined, authTimeoutMs: 2000, functionsAuth: 'iam' } as const;
  it('needs no service token in iam mode, but a credentials source and a region', () => {
    expect(() => createAccessControl({ ...iam, awsContainerCredentialsRelativeUri: '/v2/credentials/x' }, log)).not.toThrow();
    expect(() => createAccessControl(iam, log)).toThrow(expect.objectContaining({ variable: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' }));
    expect(() => createAccessControl({ ...iam, awsContainerCredentialsFullUri: 'http://evil.example/x' }, log)).toThrow(expect.objectContaining({ variable: 'AWS_CONTAINER_CREDENTIALS_FULL_URI' }));
    expect(() => createAccessControl({ ...iam, functionsUrl: 'https://api.example.com', awsAccessKeyId: 'A', awsSecretAccessKey: 'S' }, log)).toThrow(expect.objectContaining({ variable: 'AWS_REGION' }));
    expect(() => createAccessControl({ ...iam, functionsUrl: 'https://api.example.com', awsRegion: 'us-east-2', awsAccessKeyId: 'A', awsSecretAccessKey: 'S' }, log)).not.toThrow();
  });

  it('takes the region from an execute-api URL when AWS_REGION is unset', () => {
    expect(regionFromApiUrl('https://abc123.execute-api.eu-west-1.amazonaws.com')).toBe('eu-west-1');
    expect(regionFromApiUrl('https://abc123.execute-api.cn-north-1.amazonaws.com.cn/')).toBe('cn-north-1');
    expect(regionFromApiUrl('https://api.example.com')).toBeUndefined();
    expect(regionFromApiUrl('not a url')).toBeUndefined();
  });
});
