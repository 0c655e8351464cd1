import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { createAclApp } from '#functions/acl/create-acl-app.js';
import type { FunctionsDeps } from '#functions/functions-deps.js';
import { createRelaysApp } from '#functions/relays/create-relays-app.js';
import { createTokenApp } from '#functions/token/create-token-app.js';

/** One request the gateway saw. */
export interface GatewayRequest {
  path: string;
  authorization: string;
  token: string | undefined;
  verdict: 200 | 403;
}

/** A running {@link startSigV4Gateway}. */
export interface SigV4Gateway {
  url: string;
  received: GatewayRequest[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The key id whose signature the AWS SDK's own signer reproduces, else undefined. */
async function verifySigV4(req: IncomingMessage, body: string, keys: ReadonlyMap<string, string>): Promise<string | undefined> {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/.exec(auth);
  if (!m) return undefined;
  const [, keyId, , region, signedHeaders] = m;
  const secret = keys.get(keyId);
  const date = req.headers['x-amz-date'];
  if (!secret || typeof date !== 'string' || !signedHeaders.split(';').includes('host')) return undefined;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders.split(';')) headers[name] = String(req.headers[name] ?? '');
  const url = new URL(req.url ?? '/', 'http://gateway');
  const signer = new SignatureV4({
    credentials: { accessKeyId: keyId, secretAccessKey: secret, sessionToken: req.headers['x-amz-security-token'] as string | undefined },
    region,
    service: 'execute-api',
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const signingDate = new Date(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const expected = await signer.sign({ method: req.method ?? 'GET', protocol: 'http:', hostname: 'gateway', path: url.pathname, query: {}, headers, body }, { signingDate });
  return expected.headers.authorization === auth ? keyId : undefined;
}

/**
 * A stand-in for API Gateway with the IAM authorizer on `/token`, `/acl` and `GET /ingest/relays`: a request must carry
 * a SigV4 signature that `@smithy/signature-v4` reproduces with the secret of its key id in
 * `keys` (read at each request), else 403 `{"message":"Forbidden"}` as API Gateway answers.
 * Authorized requests go to the real token/acl apps with the IAM `requestContext` the Lambda
 * adapter would pass.
 */
export async function startSigV4Gateway(deps: FunctionsDeps, keys: ReadonlyMap<string, string>): Promise<SigV4Gateway> {
  const apps = { '/token': createTokenApp(deps), '/acl': createAclApp(deps), '/ingest/relays': createRelaysApp(deps) } as const;
  const received: GatewayRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const keyId = await verifySigV4(req, body, keys);
      const path = new URL(req.url ?? '/', 'http://gateway').pathname;
      const app = apps[path as keyof typeof apps];
      received.push({ path, authorization: req.headers.authorization ?? '', token: req.headers['x-amz-security-token'] as string | undefined, verdict: keyId && app ? 200 : 403 });
      if (!keyId || !app) {
        res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Forbidden"}');
        return;
      }
      const env = { requestContext: { http: { sourceIp: '10.0.1.23' }, authorizer: { iam: { accessKey: keyId, userArn: 'arn:aws:sts::123456789012:assumed-role/ingest-TaskRole/t1' } } } };
      const answer = await app.request(path, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? '' }, body: req.method === 'GET' ? undefined : body }, env);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(await answer.text());
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
