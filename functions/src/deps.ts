/**
 * The only place the functions read `process.env`. Environment (per function, as the CDK
 * stack wires it):
 *
 * | variable | used by | meaning |
 * |---|---|---|
 * | `STREAMGATE_USERS_TABLE` | all | users table name (partition key `name`, string) |
 * | `STREAMGATE_TEA_SECRET` or `STREAMGATE_TEA_SECRET_ARN` | token | TEA shared secret, ≥ 16 characters |
 * | `STREAMGATE_PASSWORD_KEY` or `STREAMGATE_PASSWORD_KEY_ARN` | token, users | base64 of 32 bytes (AES-256-GCM key for stored passwords), or a ring `{"current": KEY, "previous": [KEY, …]}` during a key rotation |
 * | `STREAMGATE_ADMIN_TOKEN` or `STREAMGATE_ADMIN_TOKEN_ARN` | users | bearer token of the users API |
 * | `STREAMGATE_SERVICE_TOKEN` or `STREAMGATE_SERVICE_TOKEN_ARN` | acl (when `token`) | bearer token the ingest sends to /acl |
 * | `STREAMGATE_ACL_AUTH` | acl | `token` (default) or `iam` (API Gateway's IAM authorizer checked the caller) |
 * | `STREAMGATE_ACL_TTL_SECONDS` | acl | cache time the ingest may apply, default 30 |
 * | `STREAMGATE_PASSWORD_MIN_LENGTH` | users | minimum new password length, default and floor 8 |
 * | `STREAMGATE_RELAYS_TABLE` | users (relays routes) | relays table name (partition key `id`); relays routes answer 404 without it |
 * | `STREAMGATE_RELAY_ALLOW_PRIVATE` | users | `on`: relay URLs may name private/loopback addresses (never link-local); default off |
 * | `AWS_ENDPOINT_URL_DYNAMODB` | all | honoured by the SDK itself (local stores) |
 *
 * `*_ARN` values name Secrets Manager secrets (SecretString holds the value); they are fetched
 * once per cold start. A direct value wins over its ARN. The admin and service tokens must be
 * RFC 6750 bearer tokens (checkBearerToken), or the cold start fails naming the variable.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { checkBearerToken } from '#domain/bearer-token.js';
import { ConfigError } from '#domain/errors.js';
import { parsePasswordKeyring } from '#domain/password-keyring.js';
import { buildFunctionsDeps } from './build-functions-deps.js';
import type { FunctionsDeps } from './functions-deps.js';

/** Which app the deps are for: decides which settings are required. */
export type FunctionName = 'token' | 'acl' | 'users';

const REQUIRED: Record<FunctionName, readonly string[]> = {
  token: ['STREAMGATE_TEA_SECRET', 'STREAMGATE_PASSWORD_KEY'],
  acl: [],
  users: ['STREAMGATE_ADMIN_TOKEN', 'STREAMGATE_PASSWORD_KEY'],
};

/** Loads settings for `fn` from the environment (and Secrets Manager) and builds its deps. */
export async function loadDeps(fn: FunctionName, env: NodeJS.ProcessEnv = process.env): Promise<FunctionsDeps> {
  let secrets: SecretsManagerClient | undefined;
  const value = async (name: string): Promise<string | undefined> => {
    const direct = env[name];
    if (direct !== undefined && direct !== '') return direct;
    const arn = env[`${name}_ARN`];
    if (arn === undefined || arn === '') return undefined;
    secrets ??= new SecretsManagerClient({});
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    if (out.SecretString === undefined) throw new ConfigError('secret_empty', `secret ${name}_ARN has no SecretString`);
    return out.SecretString.trim();
  };

  const tableName = env.STREAMGATE_USERS_TABLE;
  if (!tableName) throw new ConfigError('missing_env', 'STREAMGATE_USERS_TABLE is not set');
  const aclAuth = env.STREAMGATE_ACL_AUTH ?? 'token';
  if (aclAuth !== 'token' && aclAuth !== 'iam') throw new ConfigError('bad_env', 'STREAMGATE_ACL_AUTH must be token or iam');
  const required = fn === 'acl' && aclAuth === 'token' ? ['STREAMGATE_SERVICE_TOKEN'] : REQUIRED[fn];

  const [teaSecret, passwordKeyText, adminToken, serviceToken] = await Promise.all([
    value('STREAMGATE_TEA_SECRET'),
    value('STREAMGATE_PASSWORD_KEY'),
    value('STREAMGATE_ADMIN_TOKEN'),
    value('STREAMGATE_SERVICE_TOKEN'),
  ]);
  const got: Record<string, string | undefined> = {
    STREAMGATE_TEA_SECRET: teaSecret,
    STREAMGATE_PASSWORD_KEY: passwordKeyText,
    STREAMGATE_ADMIN_TOKEN: adminToken,
    STREAMGATE_SERVICE_TOKEN: serviceToken,
  };
  for (const name of required) {
    if (!got[name]) throw new ConfigError('missing_env', `${name} (or ${name}_ARN) is not set`);
  }
  // A token Hono's bearerAuth can never match fails the cold start instead of every request.
  for (const name of ['STREAMGATE_ADMIN_TOKEN', 'STREAMGATE_SERVICE_TOKEN']) {
    const token = got[name];
    if (token) checkBearerToken(token, env[name] ? name : `${name}_ARN`);
  }
  secrets?.destroy();

  // One key (base64 of 32 bytes) or a key ring while passwords move to a new key.
  const passwordKey = passwordKeyText ? parsePasswordKeyring(passwordKeyText) : undefined;
  const num = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v)) throw new ConfigError('bad_env', `${name} must be a whole number`);
    return Number(v);
  };

  return buildFunctionsDeps({
    client: new DynamoDBClient({}),
    tableName,
    teaSecret,
    adminToken,
    serviceToken,
    passwordKey,
    aclAuth,
    aclTtlSeconds: num('STREAMGATE_ACL_TTL_SECONDS'),
    passwordMinLength: num('STREAMGATE_PASSWORD_MIN_LENGTH'),
    ...(env.STREAMGATE_RELAYS_TABLE ? { relaysTableName: env.STREAMGATE_RELAYS_TABLE } : {}),
    relayAllowPrivate: env.STREAMGATE_RELAY_ALLOW_PRIVATE === 'on',
  });
}
