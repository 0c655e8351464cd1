import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadDeps } from '#functions/deps.js';

const base = {
  STREAMGATE_USERS_TABLE: 't',
  STREAMGATE_TEA_SECRET: 'abcdefghijklmnop',
  STREAMGATE_PASSWORD_KEY: randomBytes(32).toString('base64'),
  STREAMGATE_ADMIN_TOKEN: 'a',
  STREAMGATE_SERVICE_TOKEN: 's',
  AWS_REGION: 'eu-west-1',
};

describe('loadDeps', () => {
  it('builds deps for each function from the environment', async () => {
    for (const fn of ['token', 'acl', 'users'] as const) {
      const deps = await loadDeps(fn, base);
      expect(deps.aclTtlSeconds).toBe(30);
      expect(deps.passwordMinLength).toBe(8);
    }
    expect((await loadDeps('acl', { ...base, STREAMGATE_ACL_AUTH: 'iam', STREAMGATE_ACL_TTL_SECONDS: '5' })).aclTtlSeconds).toBe(5);
  });

  it('accepts the deployed key form: 43 unpadded alphanumeric base64 digits = 32 bytes', async () => {
    const key = 'Ab3'.repeat(14) + 'Z';
    expect(key).toHaveLength(43);
    await expect(loadDeps('users', { ...base, STREAMGATE_PASSWORD_KEY: key })).resolves.toBeDefined();
  });

  it('needs only what each function uses: acl runs without TEA secret, password key or admin token', async () => {
    const deps = await loadDeps('acl', { STREAMGATE_USERS_TABLE: 't', STREAMGATE_SERVICE_TOKEN: 's', AWS_REGION: 'eu-west-1' });
    await expect(deps.users.getWithPassword('x')).rejects.toBeDefined();
    await expect(loadDeps('acl', { STREAMGATE_USERS_TABLE: 't', STREAMGATE_ACL_AUTH: 'iam' })).resolves.toBeDefined();
  });

  it.each([
    ['a missing table', 'token', { STREAMGATE_USERS_TABLE: '' }, 'missing_env'],
    ['a missing TEA secret', 'token', { STREAMGATE_TEA_SECRET: '' }, 'missing_env'],
    ['a TEA secret under 16 characters', 'token', { STREAMGATE_TEA_SECRET: 'short-secret' }, 'tea_secret_short'],
    ['a password key that is not 32 bytes', 'users', { STREAMGATE_PASSWORD_KEY: 'AAAA' }, 'password_key_length'],
    ['a missing admin token', 'users', { STREAMGATE_ADMIN_TOKEN: '' }, 'missing_env'],
    ['a missing service token in token mode', 'acl', { STREAMGATE_SERVICE_TOKEN: '' }, 'missing_env'],
    ['an unknown ACL auth mode', 'acl', { STREAMGATE_ACL_AUTH: 'none' }, 'bad_env'],
    ['a non-numeric TTL', 'acl', { STREAMGATE_ACL_TTL_SECONDS: '1h' }, 'bad_env'],
    ['an out-of-range TTL', 'acl', { STREAMGATE_ACL_TTL_SECONDS: '99999' }, 'acl_ttl'],
  ] as const)('refuses %s', async (_n, fn, over, code) => {
    await expect(loadDeps(fn, { ...base, ...over })).rejects.toMatchObject({ code });
  });

  // Hono's bearerAuth accepts RFC 6750 characters only: such a token would get 401 on every request.
  it.each([
    ['users', 'STREAMGATE_ADMIN_TOKEN', 'admin token with spaces'],
    ['users', 'STREAMGATE_ADMIN_TOKEN', 'pässwörd'],
    ['acl', 'STREAMGATE_SERVICE_TOKEN', '"quoted"'],
    ['token', 'STREAMGATE_SERVICE_TOKEN', 'a,b'],
  ] as const)('refuses a %s function whose %s is not a bearer token, naming the variable and never the value', async (fn, name, value) => {
    const err: unknown = await loadDeps(fn, { ...base, [name]: value }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ConfigError', code: 'bad_bearer_token', variable: name });
    expect((err as Error).message).toContain(name);
    expect((err as Error).message).not.toContain(value);
  });

  it('fetches *_ARN values from Secrets Manager once per load (a local fake of its JSON API)', async () => {
    const asked: string[] = [];
    const secrets: Record<string, string> = {
      'arn:tea': 'abcdefghijklmnop-from-sm',
      'arn:key': randomBytes(32).toString('base64'),
      'arn:admin': 'admin-from-sm',
    };
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const { SecretId } = JSON.parse(body) as { SecretId: string };
        asked.push(`${req.headers['x-amz-target']} ${SecretId}`);
        res.setHeader('content-type', 'application/x-amz-json-1.1');
        res.end(JSON.stringify({ ARN: SecretId, Name: SecretId, SecretString: secrets[SecretId] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const env = {
        STREAMGATE_USERS_TABLE: 't',
        STREAMGATE_TEA_SECRET_ARN: 'arn:tea',
        STREAMGATE_PASSWORD_KEY_ARN: 'arn:key',
        STREAMGATE_ADMIN_TOKEN_ARN: 'arn:admin',
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'x',
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      };
      const saved = { ...process.env };
      // The SDK reads its endpoint/credentials from process.env itself.
      Object.assign(process.env, env);
      try {
        const deps = await loadDeps('token', env);
        expect(deps.teaSecret).toBe('abcdefghijklmnop-from-sm');
        expect(deps.adminToken).toBe('admin-from-sm');
      } finally {
        for (const k of Object.keys(env)) {
          if (k in saved) process.env[k] = saved[k];
          else delete process.env[k];
        }
      }
      expect(asked.sort()).toEqual(['secretsmanager.GetSecretValue arn:admin', 'secretsmanager.GetSecretValue arn:key', 'secretsmanager.GetSecretValue arn:tea']);
    } finally {
      server.close();
    }
  });
});

