import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CreateTableCommand, DynamoDBClient, type CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { teaDecrypt, teaEncrypt } from '#domain/tea.js';
import { startDynalite, type RunningDynalite } from '#functions/local/start-dynalite.js';
import { loadBundleOptions } from '#infra/bundle-options.js';
import { addStreamgateStacks } from '#infra/streamgate-app.js';
import { testApp } from '../infra/synth-helpers.js';
import { loadBuildScript } from './build-script.js';

const repoRoot = resolve(import.meta.dirname, '../..');
const entries = loadBundleOptions().functions.entries;
const handlersExist = Object.values(entries).every((e) => existsSync(join(repoRoot, e)));

type Resource = { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> };
type Json = { status: number; json: any };

/** The smoke test shared with `npm run test:localstack` (scripts/test-localstack.mjs). */
interface SmokeTestScript {
  runSmokeTest(options: {
    call: (method: string, path: string, init?: { headers?: Record<string, string>; body?: string }) => Promise<Json>;
    adminToken: string;
    serviceToken: string;
    teaSecret: string;
    teaEncrypt: (plain: string, secret: string) => string;
    teaDecrypt: (hex: string, secret: string) => string;
  }): Promise<string[]>;
}

const alnum = (n: number) => {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(n)].map((b) => chars[b % chars.length]).join('');
};

/**
 * Secrets Manager's JSON protocol, GetSecretValue only, for the values the data stack would
 * generate. Records which secret ids were asked for.
 */
function fakeSecretsManager(values: Map<string, string>, asked: string[]): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target']);
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      asked.push(SecretId);
      const value = values.get(SecretId);
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target !== 'secretsmanager.GetSecretValue' || value === undefined) {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: `no secret ${SecretId}` }));
        return;
      }
      res.end(JSON.stringify({ ARN: SecretId, Name: SecretId.split(':').pop(), SecretString: value, VersionId: 'v1' }));
    });
  });
}

/** Runs one bundle the way Lambda does: its own isolate, its own env, `handler(event, context)`. */
class BundleWorker {
  #worker: Worker;
  #next = 0;
  #pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  ready: Promise<void>;
  output = '';

  constructor(bundle: string, env: Record<string, string>) {
    this.#worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(workerData.url).then((mod) => {
         parentPort.on('message', ({ id, event }) => {
           Promise.resolve(mod.handler(event, { awsRequestId: 'req-' + id, functionName: 'test' }))
             .then((result) => parentPort.postMessage({ id, result }), (err) => parentPort.postMessage({ id, error: String(err && err.stack || err) }));
         });
         parentPort.postMessage({ ready: true });
       }, (err) => parentPort.postMessage({ fatal: String(err && err.stack || err) }));`,
      { eval: true, env, workerData: { url: pathToFileURL(bundle).href }, stdout: true, stderr: true },
    );
    // Keep the functions' JSON log lines for failure messages instead of the test output.
    this.#worker.stdout.on('data', (d: Buffer) => (this.output += d.toString()));
    this.#worker.stderr.on('data', (d: Buffer) => (this.output += d.toString()));
    this.ready = new Promise((resolveReady, rejectReady) => {
      this.#worker.on('message', (m: { ready?: true; fatal?: string; id?: number; result?: unknown; error?: string }) => {
        if (m.ready) resolveReady();
        else if (m.fatal !== undefined) rejectReady(new Error(`bundle failed to load: ${m.fatal}\n${this.output}`));
        else {
          const p = this.#pending.get(m.id!);
          this.#pending.delete(m.id!);
          if (m.error !== undefined) p?.reject(new Error(m.error));
          else p?.resolve(m.result);
        }
      });
      this.#worker.on('error', rejectReady);
    });
  }

  invoke(event: unknown): Promise<{ statusCode: number; headers?: Record<string, string>; body: string; isBase64Encoded?: boolean }> {
    const id = this.#next++;
    return new Promise((res, rej) => {
      this.#pending.set(id, { resolve: res, reject: rej });
      this.#worker.postMessage({ id, event });
    });
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

/** An API Gateway HTTP API (payload 2.0) event, as the `$default` stage delivers it. */
function httpApiEvent(routeKey: string, method: string, path: string, headers: Record<string, string>, body: string | undefined) {
  const [rawPath, rawQueryString = ''] = path.split('?');
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  // HTTP APIs hand form bodies to Lambda base64-encoded; JSON arrives as text.
  const base64 = body !== undefined && (lower['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const proxy = routeKey.endsWith('{proxy+}') ? rawPath.split('/').slice(2).join('/') : undefined;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    headers: { host: 'abc123.execute-api.us-east-1.amazonaws.com', 'user-agent': 'bundle-test', ...lower },
    ...(proxy === undefined ? {} : { pathParameters: { proxy } }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '203.0.113.9', userAgent: 'bundle-test' },
      requestId: randomBytes(8).toString('hex'),
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body === undefined ? {} : { body: base64 ? Buffer.from(body).toString('base64') : body, isBase64Encoded: base64 }),
  };
}

describe.skipIf(!handlersExist)('Lambda bundles as CDK deploys them', () => {
  const work = mkdtempSync(join(tmpdir(), 'streamgate-bundles-'));
  let dynalite: RunningDynalite;
  let secretsServer: Server;
  const askedSecrets: string[] = [];
  const workers = new Map<string, BundleWorker>();
  const secretValues = new Map<string, string>();
  let routes: { key: string; method: string; path: string; functionId: string }[] = [];
  let functions: Record<string, Resource> = {};
  let assetDir: Record<string, string> = {};
  let envFor: (fn: Resource) => Record<string, string> = () => ({});
  let adminToken = '';
  let serviceToken = '';
  let teaSecret = '';

  beforeAll(async () => {
    // Synthesize with bundling on: NodejsFunction runs esbuild and stages index.mjs per function.
    const app = new App({
      outdir: join(work, 'cdk.out'),
      context: { aclAuth: 'token', 'aws:cdk:enable-asset-metadata': true },
      builtinCloudFormationValidation: false,
    } as ConstructorParameters<typeof App>[0]);
    const stacks = addStreamgateStacks(app);
    const api = Template.fromStack(stacks.api).toJSON() as { Resources: Record<string, Resource> };
    const data = Template.fromStack(stacks.data).toJSON() as {
      Resources: Record<string, Resource>;
      Outputs: Record<string, { Value: { Ref?: string }; Export: { Name: string } }>;
    };
    functions = Object.fromEntries(Object.entries(api.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function'));
    assetDir = Object.fromEntries(
      Object.entries(functions).map(([id, r]) => [id, join(work, 'cdk.out', r.Metadata!['aws:asset:path'], 'index.mjs')]),
    );

    // The table exactly as the data stack declares it.
    const table = Object.values(data.Resources).find((r) => r.Type === 'AWS::DynamoDB::GlobalTable')!.Properties;
    dynalite = await startDynalite();
    const ddb = new DynamoDBClient({ endpoint: dynalite.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const create: CreateTableCommandInput = {
      TableName: table.TableName,
      KeySchema: table.KeySchema,
      AttributeDefinitions: table.AttributeDefinitions,
      BillingMode: 'PAY_PER_REQUEST',
      ...(table.GlobalSecondaryIndexes ? { GlobalSecondaryIndexes: table.GlobalSecondaryIndexes } : {}),
    };
    await ddb.send(new CreateTableCommand(create));
    ddb.destroy();

    // Values the data stack's secrets would hold, under ARNs like the real ones.
    const exportValue = new Map<string, string>();
    for (const [logicalId, r] of Object.entries(data.Resources)) {
      if (r.Type === 'AWS::SecretsManager::Secret') {
        const name = r.Properties.Name as string;
        const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${alnum(6)}`;
        const length = r.Properties.GenerateSecretString.PasswordLength as number;
        const value = alnum(length);
        secretValues.set(arn, value);
        if (name.endsWith('/admin-token')) adminToken = value;
        if (name.endsWith('/service-token')) serviceToken = value;
        if (name.endsWith('/tea-secret')) teaSecret = value;
        exportValue.set(logicalId, arn);
      }
      if (r.Type === 'AWS::DynamoDB::GlobalTable') exportValue.set(logicalId, r.Properties.TableName);
    }
    const imported = new Map(Object.values(data.Outputs).map((o) => [o.Export.Name, exportValue.get(o.Value.Ref!)]));
    secretsServer = fakeSecretsManager(secretValues, askedSecrets);
    await new Promise<void>((r) => secretsServer.listen(0, '127.0.0.1', () => r()));
    const smPort = (secretsServer.address() as { port: number }).port;

    // The env CloudFormation would give the function, with imports resolved to the local stand-ins.
    envFor = (fn: Resource) => {
      const env: Record<string, string> = {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIDTEST',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${smPort}`,
      };
      for (const [k, v] of Object.entries(fn.Properties.Environment.Variables as Record<string, unknown>)) {
        if (k === 'NODE_OPTIONS') continue;
        if (typeof v === 'string') env[k] = v;
        else {
          const name = (v as { 'Fn::ImportValue': string })['Fn::ImportValue'];
          const value = imported.get(name);
          if (value === undefined) throw new Error(`${fn.Properties.FunctionName}: cannot resolve ${k} = ${JSON.stringify(v)}`);
          env[k] = value;
        }
      }
      return env;
    };
    for (const [id, fn] of Object.entries(functions)) workers.set(id, new BundleWorker(assetDir[id], envFor(fn)));
    await Promise.all([...workers.values()].map((w) => w.ready));

    routes = Object.values(api.Resources)
      .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
      .map((r) => {
        const integrationId = (r.Properties.Target['Fn::Join'][1] as unknown[])[1] as { Ref: string };
        const integration = api.Resources[integrationId.Ref].Properties;
        const functionId = integration.IntegrationUri['Fn::GetAtt'][0] as string;
        const [method, path] = (r.Properties.RouteKey as string).split(' ');
        return { key: r.Properties.RouteKey as string, method, path, functionId };
      });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...workers.values()].map((w) => w.terminate()));
    await new Promise((r) => secretsServer?.close(r));
    await dynalite?.close();
    rmSync(work, { recursive: true, force: true });
  });

  /** API Gateway's part: pick the route (exact path before {proxy+}), build the event, invoke. */
  async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<Json> {
    const rawPath = path.split('?')[0];
    const matches = (r: (typeof routes)[number]) =>
      (r.method === 'ANY' || r.method === method) &&
      (r.path === rawPath || (r.path.endsWith('/{proxy+}') && rawPath.startsWith(r.path.slice(0, -'{proxy+}'.length))));
    const route = routes.find((r) => matches(r) && !r.path.includes('{')) ?? routes.find(matches);
    if (route === undefined) return { status: 404, json: { message: 'Not Found' } };
    const out = await workers.get(route.functionId)!.invoke(httpApiEvent(route.key, method, path, init.headers ?? {}, init.body));
    const text = out.isBase64Encoded ? Buffer.from(out.body, 'base64').toString() : out.body;
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: out.statusCode, json };
  }

  it('bundles each app with the AWS SDK inside, as the same code scripts/build.mjs produces', async () => {
    const build = await loadBuildScript();
    await Promise.all(
      Object.entries(functions).map(async ([id, fn]) => {
        const name = (fn.Properties.FunctionName as string).split('-').pop()!;
        const deployed = readFileSync(assetDir[id], 'utf8');
        expect(deployed, name).not.toMatch(/from\s*["']@aws-sdk\//);
        const { outfile } = await build.buildFunction(name, { outdir: join(work, 'dist') });
        const strip = (code: string) => code.replace(/\n\/\/# sourceMappingURL=.*$/, '');
        expect(strip(readFileSync(outfile, 'utf8')), name).toBe(strip(deployed));
      }),
    );
  });

  it('serves the token, acl and users smoke test from the deployed bundles over HTTP API v2 events', async () => {
    const { runSmokeTest } = (await import(pathToFileURL(join(repoRoot, 'scripts/test-localstack.mjs')).href)) as SmokeTestScript;
    const passed = await runSmokeTest({ call, adminToken, serviceToken, teaSecret, teaEncrypt, teaDecrypt });
    expect(passed).toHaveLength(10);
  });

  it('answers GET /token with the Wowza version banner and serves /openapi.json', async () => {
    expect(await call('GET', '/token')).toEqual({ status: 200, json: { 'Auth Server Version': 'v1.0' } });
    const doc = await call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toMatch(/^3\./);
  });

  it('runs the acl bundle of the default (aclAuth=iam) stack without the service token, trusting API Gateway', async () => {
    // Same bundle, the environment of the default deployment.
    const defaults = Template.fromStack(addStreamgateStacks(testApp()).api).toJSON() as { Resources: Record<string, Resource> };
    const acl = Object.values(defaults.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === 'streamgate-dev-acl')!;
    const env = envFor(acl);
    expect(env.STREAMGATE_ACL_AUTH).toBe('iam');
    expect(env.STREAMGATE_SERVICE_TOKEN_ARN).toBeUndefined();
    const aclId = Object.keys(functions).find((id) => functions[id].Properties.FunctionName === 'streamgate-dev-acl')!;
    const worker = new BundleWorker(assetDir[aclId], env);
    try {
      await worker.ready;
      const body = JSON.stringify({ user: 'nobody', action: 'publish', app: 'live', stream: 's', ip: '203.0.113.9' });
      const out = await worker.invoke(httpApiEvent('POST /acl', 'POST', '/acl', { 'content-type': 'application/json' }, body));
      expect(out.statusCode).toBe(200);
      expect(JSON.parse(out.body)).toMatchObject({ allowed: false, reason: 'unknown_user' });
    } finally {
      await worker.terminate();
    }
  });

  it('fetches at cold start only the secrets whose ARNs the stack hands each function', () => {
    const wired = new Set(
      Object.values(functions).flatMap((f) =>
        Object.entries(f.Properties.Environment.Variables as Record<string, unknown>).filter(([k]) => k.endsWith('_ARN')).map(([k]) => k),
      ),
    );
    expect([...wired].sort()).toEqual(['STREAMGATE_ADMIN_TOKEN_ARN', 'STREAMGATE_PASSWORD_KEY_ARN', 'STREAMGATE_SERVICE_TOKEN_ARN', 'STREAMGATE_TEA_SECRET_ARN']);
    expect(askedSecrets.every((id) => secretValues.has(id))).toBe(true);
    // token: tea + key + service token (aclAuth=token: it recognises the ingest's bearer), acl: service token,
    // users: admin + key + service token (the ingest reads its managed relays from /ingest/relays with that bearer).
    expect(askedSecrets).toHaveLength(7);
  });
});
