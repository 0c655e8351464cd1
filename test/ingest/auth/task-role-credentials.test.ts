import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIamSigner } from '#ingest/auth/create-access-control.js';
import { taskRoleCredentials } from '#ingest/auth/task-role-credentials.js';

// A real local HTTP server plays the ECS container credentials endpoint; plain HTTP
// is allowed for AWS_CONTAINER_CREDENTIALS_FULL_URI on 127.0.0.1 (as the AWS SDK allows it).
let server: Server;
let fullUri: string;
let respond: (req: IncomingMessage, res: ServerResponse) => void;
const seen: { url: string; authorization: string | undefined }[] = [];
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', authorization: req.headers.authorization });
    respond(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fullUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/credentials/task`;
});
afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
afterEach(() => {
  seen.length = 0;
});

let issued = 0;
/** Serves an ECS-shaped answer with a new key id, expiring `inMs` from now. */
function serveKey(inMs: number): string {
  const id = `ASIATASK${String(++issued).padStart(8, '0')}`;
  respond = (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        RoleArn: 'arn:aws:iam::123456789012:role/streamgate-ingest-TaskRole',
        AccessKeyId: id,
        SecretAccessKey: `secret/${id}`,
        Token: `token+${id}==`,
        Expiration: new Date(Date.now() + inMs).toISOString(),
      }),
    );
  return id;
}

const signer = () =>
  createIamSigner(
    {
      auth: 'on',
      playAuth: 'none',
      functionsUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com',
      teaSecret: 'x'.repeat(16),
      serviceToken: undefined,
      authTimeoutMs: 1000,
      awsContainerCredentialsFullUri: fullUri,
      awsContainerAuthorizationToken: 'Basic dGFzaw==',
      functionsAuth: 'iam',
    },
    'https://abc.execute-api.eu-west-1.amazonaws.com',
  );
const sign = (s: ReturnType<typeof signer>) =>
  s(
    { method: 'POST', url: 'https://abc.execute-api.eu-west-1.amazonaws.com/acl', headers: { 'content-type': 'application/json' }, body: '{}' },
    AbortSignal.timeout(2000),
  );

describe('task-role credentials from the container endpoint', () => {
  it('signs the functions calls with the served key and session token, asking with the authorization token', async () => {
    const key = serveKey(3600_000);
    const headers = await sign(signer());
    expect(headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${key}/\\d{8}/eu-west-1/execute-api/aws4_request, `));
    expect(headers['x-amz-security-token']).toBe(`token+${key}==`);
    expect(seen).toEqual([{ url: '/v2/credentials/task', authorization: 'Basic dGFzaw==' }]);
  });

  it('keeps a key far from expiry without asking again; concurrent callers share one request', async () => {
    const key = serveKey(3600_000);
    const s = signer();
    const all = await Promise.all([sign(s), sign(s), sign(s)]);
    await sign(s);
    expect(seen).toHaveLength(1);
    for (const h of all) expect(h.authorization).toContain(`Credential=${key}/`);
  });

  it('picks up a rotated key once the held one is within 5 minutes of expiry', async () => {
    const first = serveKey(4 * 60_000);
    const s = signer();
    expect((await sign(s)).authorization).toContain(`Credential=${first}/`);
    const rotated = serveKey(3600_000);
    expect((await sign(s)).authorization).toContain(`Credential=${rotated}/`);
    expect((await sign(s)).authorization).toContain(`Credential=${rotated}/`);
    expect(seen).toHaveLength(2);
  });

  it('keeps signing with an unexpired key when a refresh fails, and fails once nothing valid is held', async () => {
    const key = serveKey(4 * 60_000);
    const s = signer();
    await sign(s);
    respond = (_req, res) => res.writeHead(500).end('{}');
    expect((await sign(s)).authorization).toContain(`Credential=${key}/`);
    const none = taskRoleCredentials({ containerFullUri: fullUri });
    await expect(none!()).rejects.toThrow();
  });

  it("stops waiting for a hanging endpoint when the caller's deadline passes", async () => {
    respond = (_req, res) => void hanging.push(res);
    const creds = taskRoleCredentials({ containerFullUri: fullUri }, { timeoutMs: 5000 })!;
    const started = performance.now();
    await expect(creds(AbortSignal.timeout(200))).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('prefers static keys and asks no endpoint; gives nothing without a source', async () => {
    const creds = taskRoleCredentials({ accessKeyId: 'AKIASTATIC', secretAccessKey: 's', sessionToken: 't', containerFullUri: fullUri })!;
    expect(await creds()).toEqual({ accessKeyId: 'AKIASTATIC', secretAccessKey: 's', sessionToken: 't' });
    expect(seen).toEqual([]);
    expect(taskRoleCredentials({})).toBeUndefined();
    expect(taskRoleCredentials({ accessKeyId: 'AKIA1' })).toBeUndefined();
  });
});
