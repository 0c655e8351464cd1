#!/usr/bin/env node
/**
 * `npm run test:localstack`: when a LocalStack endpoint answers, deploys the data and api stacks
 * into it with cdklocal and runs the token / ACL / users smoke test against the deployed HTTP API.
 * Without LocalStack it prints "skipped: no LocalStack endpoint" and exits 0.
 *
 *   LOCALSTACK_ENDPOINT   default http://localhost:4566
 *   STREAMGATE_STAGE      stage to deploy as, default "local"
 *
 * The stage is deployed with `aclAuth=token` and `exposeToken=true`: LocalStack does not check
 * SigV4 signatures unless ENFORCE_IAM=1, so the app-level service token is what this test can
 * really exercise. HTTP APIs (API Gateway v2) need LocalStack's paid tier; on the free tier the
 * script says so and exits 0 without deploying.
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The smoke test, independent of where the API runs. `call(method, path, { headers, body })`
 * performs one HTTP request against the API and resolves `{ status, json }`.
 * Creates a user with a publish grant, then checks `/token` hands back its password under TEA
 * and `/acl` allows the granted stream and denies another. Throws on the first mismatch.
 * @param {{
 *   call: (method: string, path: string, init?: { headers?: Record<string, string>, body?: string }) => Promise<{ status: number, json: any }>,
 *   adminToken: string, serviceToken: string, teaSecret: string,
 *   teaEncrypt: (plain: string, secret: string) => string, teaDecrypt: (hex: string, secret: string) => string,
 *   log?: (line: string) => void,
 * }} options
 * @returns {Promise<string[]>} the checks that passed, in order
 */
export async function runSmokeTest({ call, adminToken, serviceToken, teaSecret, teaEncrypt, teaDecrypt, log = () => {} }) {
  const passed = [];
  const check = (name, ok, detail) => {
    if (!ok) throw new Error(`smoke test failed: ${name} (${JSON.stringify(detail)})`);
    passed.push(name);
    log(`ok  ${name}`);
  };
  const name = `smoke${Date.now().toString(36)}`;
  const password = `pw-${Math.random().toString(36).slice(2, 12)}`;
  const json = (body) => JSON.stringify(body);
  const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };

  const unauthorized = await call('GET', '/users', { headers: { authorization: 'Bearer wrong-token' } });
  check('users API refuses a wrong admin token', unauthorized.status === 401, unauthorized);

  const created = await call('POST', '/users', {
    headers: admin,
    body: json({ name, password, grants: { publish: ['live/cam-*'], play: [] } }),
  });
  check('users API creates a user', created.status === 201 && created.json?.name === name, created);
  check('users API never returns the password', !JSON.stringify(created.json).includes(password), created.json);

  const fetched = await call('GET', `/users/${name}`, { headers: admin });
  check('users API reads the user back', fetched.status === 200 && fetched.json?.grants?.publish?.[0] === 'live/cam-*', fetched);

  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const token = await call('POST', '/token', { headers: form, body: `clientid=${teaEncrypt(name, teaSecret)}` });
  check(
    '/token returns the password TEA-encrypted',
    token.status === 200 && typeof token.json?.publisherToken === 'string' && teaDecrypt(token.json.publisherToken, teaSecret) === password,
    token,
  );
  const stranger = await call('POST', '/token', { headers: form, body: `clientid=${teaEncrypt(`${name}x`, teaSecret)}` });
  check('/token answers Invalid Client for an unknown user', stranger.status === 200 && stranger.json?.error === 'Invalid Client', stranger);

  const service = { authorization: `Bearer ${serviceToken}`, 'content-type': 'application/json' };
  const acl = (stream) => call('POST', '/acl', { headers: service, body: json({ user: name, action: 'publish', app: 'live', stream, ip: '203.0.113.9' }) });
  const allowed = await acl('cam-1?key=x');
  check('/acl allows a granted stream', allowed.status === 200 && allowed.json?.allowed === true, allowed);
  const denied = await acl('other');
  check('/acl denies a stream outside the grants', denied.status === 200 && denied.json?.allowed === false, denied);
  const noCredential = await call('POST', '/acl', { headers: { 'content-type': 'application/json' }, body: json({ user: name, action: 'publish', app: 'live', stream: 'cam-1', ip: '203.0.113.9' }) });
  check('/acl refuses a caller without the service token', noCredential.status === 401 || noCredential.status === 403, noCredential);

  const removed = await call('DELETE', `/users/${name}`, { headers: admin });
  check('users API deletes the user', removed.status === 200 || removed.status === 204, removed);
  return passed;
}

async function localstackHealth(endpoint) {
  try {
    const res = await fetch(`${endpoint}/_localstack/health`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return undefined;
    return await res.json();
  } catch {
    return undefined;
  }
}

function run(command, args, env) {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) throw new Error(`${command} ${args[0]} failed with exit code ${result.status}`);
}

async function main() {
  const endpoint = (process.env.LOCALSTACK_ENDPOINT ?? 'http://localhost:4566').replace(/\/$/, '');
  const health = await localstackHealth(endpoint);
  if (health === undefined) {
    console.log('skipped: no LocalStack endpoint');
    return;
  }
  const services = health.services ?? {};
  const missing = ['dynamodb', 'lambda', 'secretsmanager', 'apigateway', 'iam', 'cloudformation'].filter(
    (s) => services[s] === undefined || services[s] === 'disabled',
  );
  if (missing.length > 0) throw new Error(`LocalStack at ${endpoint} lacks ${missing.join(', ')}`);
  if (services.apigatewayv2 === undefined && health.edition === 'community') {
    console.log('skipped: this LocalStack has no HTTP APIs (API Gateway v2 needs the paid tier)');
    return;
  }

  const stage = process.env.STREAMGATE_STAGE ?? 'local';
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const env = {
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_ENDPOINT_URL: endpoint,
    CDK_VALIDATION: 'false',
  };
  const context = ['-c', `stage=${stage}`, '-c', 'aclAuth=token', '-c', 'exposeToken=true'];
  const outputsFile = resolve(repoRoot, 'cdk.out', `localstack-${stage}-outputs.json`);
  run('npx', ['cdklocal', 'bootstrap', `aws://000000000000/${region}`, ...context], env);
  run(
    'npx',
    ['cdklocal', 'deploy', `streamgate-${stage}-data`, `streamgate-${stage}-api`, '--require-approval', 'never', '--outputs-file', outputsFile, ...context],
    env,
  );

  const { readFileSync } = await import('node:fs');
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8'));
  const apiUrl = String(outputs[`streamgate-${stage}-api`].ApiUrl).replace(/\/$/, '');

  Object.assign(process.env, env);
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const sm = new SecretsManagerClient({ region, endpoint });
  const secret = async (name) => (await sm.send(new GetSecretValueCommand({ SecretId: `streamgate/${stage}/${name}` }))).SecretString;

  // The TEA codec lives in TypeScript; tsx's loader lets this plain script use it.
  const { register } = await import('tsx/esm/api');
  register();
  const tea = await import(pathToFileURL(resolve(repoRoot, 'domain/src/tea.ts')).href);

  const passed = await runSmokeTest({
    call: async (method, path, init = {}) => {
      const res = await fetch(`${apiUrl}${path}`, { method, headers: init.headers, body: init.body, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status, json };
    },
    adminToken: await secret('admin-token'),
    serviceToken: await secret('service-token'),
    teaSecret: await secret('tea-secret'),
    teaEncrypt: tea.teaEncrypt,
    teaDecrypt: tea.teaDecrypt,
    log: (line) => console.log(line),
  });
  console.log(`LocalStack smoke test: ${passed.length} checks passed against ${apiUrl}`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
