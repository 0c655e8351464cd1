import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLocalDynamoClient } from '#functions/local/create-local-dynamo-client.js';
import { startDynalite, type RunningDynalite } from '#functions/local/start-dynalite.js';
import { ConfigError } from '#ingest/config.js';
import { ContainerCredentialsError, fetchContainerCredentials } from '#ingest/auth/fetch-container-credentials.js';
import { createRegistryClient } from '#ingest/cluster/create-registry-client.js';
import { DynamoCallError } from '#ingest/cluster/dynamo-call-error.js';
import { DynamoJsonClient } from '#ingest/cluster/dynamo-json-client.js';
import { ensureRegistryTable } from '#ingest/cluster/ensure-registry-table.js';

// The registry's own DynamoDB client against the real embedded store (dynalite speaks DynamoDB's
// JSON protocol and checks that requests are signed), with its credentials from a real local
// container credentials endpoint as on ECS; retries and refusals against a scripted HTTP server.
let db: RunningDynalite;
let sdk: DynamoDBClient;
const table = 'json-client-test';
let server: Server;
let base: string;
let respond: (req: IncomingMessage, body: string, res: ServerResponse) => void;
const seen: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];

beforeAll(async () => {
  db = await startDynalite();
  sdk = createLocalDynamoClient(db.endpoint);
  await ensureRegistryTable(sdk, table);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      respond(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  sdk?.destroy();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await db?.close();
});

const serveCredentials = (req: IncomingMessage, _body: string, res: ServerResponse): void => {
  if (req.url !== '/v2/credentials/task') return void res.writeHead(404).end();
  const Expiration = new Date(Date.now() + 3600_000).toISOString();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ AccessKeyId: 'ASIATASKROLE0001', SecretAccessKey: 'secret', Token: 'session-token', Expiration }));
};

const staticKeys = async () => ({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' });

describe('DynamoJsonClient', () => {
  it('writes and reads items in DynamoDB with the task role from the container endpoint, and names a failed condition', async () => {
    seen.length = 0;
    respond = serveCredentials;
    const client = createRegistryClient({
      registryEndpoint: undefined,
      awsRegion: 'eu-west-1',
      awsEndpointUrlDynamodb: db.endpoint,
      awsAccessKeyId: undefined,
      awsSecretAccessKey: undefined,
      awsSessionToken: undefined,
      awsContainerCredentialsRelativeUri: undefined,
      awsContainerCredentialsFullUri: `${base}/v2/credentials/task`,
      awsContainerAuthorizationToken: 'Basic dGFzaw==',
    });
    const put = { TableName: table, Item: { pk: { S: 'k1' }, n: { N: '7' } }, ConditionExpression: 'attribute_not_exists(pk)' };
    expect(await client.call('PutItem', put)).toEqual({});
    expect(await client.call('GetItem', { TableName: table, Key: { pk: { S: 'k1' } }, ConsistentRead: true })).toEqual({ Item: { pk: { S: 'k1' }, n: { N: '7' } } });
    const updated = await client.call('UpdateItem', { TableName: table, Key: { pk: { S: 'k1' } }, UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': { N: '1' } }, ReturnValues: 'ALL_NEW' });
    expect(updated.Attributes?.n).toEqual({ N: '8' });
    const refused = await client.call('PutItem', put).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DynamoCallError);
    expect(refused).toMatchObject({ code: 'DYNAMO_REFUSED', type: 'ConditionalCheckFailedException', status: 400 });
    expect(await client.call('DeleteItem', { TableName: table, Key: { pk: { S: 'k1' } } })).toEqual({});
    // One credentials request for all five calls, asked with the authorization token.
    expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([['/v2/credentials/task', 'Basic dGFzaw==']]);
  });

  it('signs each call for dynamodb in its region and names the operation in x-amz-target', async () => {
    seen.length = 0;
    respond = (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{"Item":{"pk":{"S":"a"}}}');
    const client = new DynamoJsonClient({ endpoint: base, region: 'eu-west-1', credentials: staticKeys });
    await client.call('GetItem', { TableName: 't', Key: { pk: { S: 'a' } } });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(seen[0]!.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE\/\d{8}\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/);
    expect(JSON.parse(seen[0]!.body)).toEqual({ TableName: 't', Key: { pk: { S: 'a' } } });
  });

  it('tries a 5xx or throttled call once more, then gives up with the status and type', async () => {
    seen.length = 0;
    const answers = [
      [500, '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"try again"}'],
      [200, '{}'],
      [400, '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}'],
      [400, '{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}'],
      [400, '{"__type":"com.amazon.coral.validate#ValidationException","message":"bad key"}'],
    ] as const;
    let i = 0;
    respond = (_req, _body, res) => {
      const [status, body] = answers[i++]!;
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(body);
    };
    const client = new DynamoJsonClient({ endpoint: base, region: 'eu-west-1', credentials: staticKeys });
    expect(await client.call('PutItem', { TableName: 't', Item: {} })).toEqual({});
    await expect(client.call('PutItem', { TableName: 't', Item: {} })).rejects.toMatchObject({ code: 'DYNAMO_REFUSED', type: 'ProvisionedThroughputExceededException', status: 400 });
    // A validation error is not tried again.
    await expect(client.call('PutItem', { TableName: 't', Item: {} })).rejects.toMatchObject({ code: 'DYNAMO_REFUSED', type: 'ValidationException' });
    expect(seen).toHaveLength(5);
  });

  it('refuses an answer larger than its bound, and reports an unreachable store and missing credentials by code', async () => {
    respond = (_req, _body, res) => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(`{"Item":{"pk":{"S":"${'x'.repeat(600 * 1024)}"}}}`);
    const client = new DynamoJsonClient({ endpoint: base, region: 'eu-west-1', credentials: staticKeys });
    await expect(client.call('GetItem', { TableName: 't', Key: {} })).rejects.toMatchObject({ code: 'DYNAMO_BAD_ANSWER' });
    const dead = new DynamoJsonClient({ endpoint: 'http://127.0.0.1:9', region: 'eu-west-1', credentials: staticKeys });
    await expect(dead.call('GetItem', { TableName: 't', Key: {} })).rejects.toMatchObject({ code: 'DYNAMO_UNREACHABLE' });
    const none = new DynamoJsonClient({ endpoint: base, region: 'eu-west-1', credentials: () => Promise.reject(new Error('no role')) });
    await expect(none.call('GetItem', { TableName: 't', Key: {} })).rejects.toMatchObject({ code: 'DYNAMO_NO_CREDENTIALS' });
  });
});

describe('createRegistryClient', () => {
  const unset = {
    registryEndpoint: undefined,
    awsRegion: undefined,
    awsEndpointUrlDynamodb: undefined,
    awsAccessKeyId: undefined,
    awsSecretAccessKey: undefined,
    awsSessionToken: undefined,
    awsContainerCredentialsRelativeUri: undefined,
    awsContainerCredentialsFullUri: undefined,
    awsContainerAuthorizationToken: undefined,
  };

  it('stops at start naming AWS_REGION, or the credentials, when AWS DynamoDB cannot be reached as anyone', () => {
    expect(() => createRegistryClient({ ...unset, awsAccessKeyId: 'AKIA', awsSecretAccessKey: 's' })).toThrow(ConfigError);
    expect(() => createRegistryClient({ ...unset, awsAccessKeyId: 'AKIA', awsSecretAccessKey: 's' })).toThrow(/AWS_REGION/);
    expect(() => createRegistryClient({ ...unset, awsRegion: 'eu-west-1' })).toThrow(/AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/);
    expect(createRegistryClient({ ...unset, awsRegion: 'eu-west-1', awsContainerCredentialsRelativeUri: '/v2/credentials/x' })).toBeInstanceOf(DynamoJsonClient);
  });
});

describe('fetchContainerCredentials', () => {
  it('never sends the authorization token over plain HTTP to a host that is not a container host or loopback', async () => {
    seen.length = 0;
    const asked = fetchContainerCredentials({ fullUri: 'http://credentials.example.com/task', authorizationToken: 'Basic c2VjcmV0' }, AbortSignal.timeout(1000));
    await expect(asked).rejects.toBeInstanceOf(ContainerCredentialsError);
    await expect(asked).rejects.toMatchObject({ code: 'CREDENTIALS_ENDPOINT_REFUSED' });
  });

  it('refuses an answer without keys or with an unreadable expiry', async () => {
    respond = (_req, _body, res) => res.writeHead(200).end('{"AccessKeyId":"A"}');
    await expect(fetchContainerCredentials({ fullUri: `${base}/c` }, AbortSignal.timeout(1000))).rejects.toMatchObject({ code: 'CREDENTIALS_BAD_ANSWER' });
    respond = (_req, _body, res) => res.writeHead(200).end('{"AccessKeyId":"A","SecretAccessKey":"B","Expiration":"soon"}');
    await expect(fetchContainerCredentials({ fullUri: `${base}/c` }, AbortSignal.timeout(1000))).rejects.toMatchObject({ code: 'CREDENTIALS_BAD_ANSWER' });
    respond = (_req, _body, res) => res.writeHead(200).end('{"AccessKeyId":"A","SecretAccessKey":"B","Token":"T"}');
    expect(await fetchContainerCredentials({ fullUri: `${base}/c` }, AbortSignal.timeout(1000))).toEqual({ accessKeyId: 'A', secretAccessKey: 'B', sessionToken: 'T' });
  });
});
