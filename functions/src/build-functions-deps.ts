import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfigError } from '#domain/errors.js';
import { USER_LIMITS } from '#domain/user.js';
import type { FunctionsDeps } from './functions-deps.js';
import { FailureThrottle } from '#domain/failure-throttle.js';
import { jsonLineLog, type LogFn } from './http/log-fn.js';
import { DynamoRelayRepository } from './store/dynamo-relay-repository.js';
import { DynamoUserRepository } from './store/dynamo-user-repository.js';
import { PasswordCipher } from './store/password-cipher.js';
import type { PasswordKeyring } from '#domain/password-keyring.js';

/** Inputs of {@link buildFunctionsDeps}: plain values, wherever they came from. */
export interface FunctionsSettings {
  client: DynamoDBClient;
  tableName: string;
  teaSecret?: string;
  adminToken?: string;
  serviceToken?: string;
  /** 32 raw bytes or a key ring; absent for a function that never touches passwords (acl). */
  passwordKey?: Uint8Array | PasswordKeyring;
  aclAuth?: 'token' | 'iam';
  aclTtlSeconds?: number;
  passwordMinLength?: number;
  /** The relays table (needs `passwordKey`: relay URLs are encrypted with it). */
  relaysTableName?: string;
  relayAllowPrivate?: boolean;
  log?: LogFn;
}

/** Failed /token lookups allowed per source ip per minute before it gets only "Invalid Client". */
export const TOKEN_FAILURES_PER_MINUTE = 20;
/** Wrong admin tokens allowed per source ip per minute on `/users` before it gets 429. */
export const ADMIN_FAILURES_PER_MINUTE = 10;

/**
 * Wires {@link FunctionsDeps} from settings and checks them: a TEA secret shorter than 16
 * characters is refused (AUTH-SPEC §1.3), as is a password key that is not 32 bytes.
 */
export function buildFunctionsDeps(s: FunctionsSettings): FunctionsDeps {
  if (s.teaSecret !== undefined && s.teaSecret.length < 16) {
    throw new ConfigError('tea_secret_short', `TEA secret must be at least 16 characters, got ${s.teaSecret.length}`);
  }
  const min = s.passwordMinLength ?? USER_LIMITS.passwordMinDefault;
  if (!Number.isInteger(min) || min < USER_LIMITS.passwordMinDefault || min > USER_LIMITS.passwordMax) {
    throw new ConfigError('password_min_length', `password minimum length must be ${USER_LIMITS.passwordMinDefault}–${USER_LIMITS.passwordMax}`);
  }
  const ttl = s.aclTtlSeconds ?? 30;
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 3600) throw new ConfigError('acl_ttl', 'ACL TTL must be 0–3600 seconds');
  const cipher = s.passwordKey ? new PasswordCipher(s.passwordKey) : undefined;
  return {
    users: new DynamoUserRepository(s.client, s.tableName, cipher),
    ...(s.relaysTableName !== undefined && cipher !== undefined && { relays: new DynamoRelayRepository(s.client, s.relaysTableName, cipher) }),
    relayAllowPrivate: s.relayAllowPrivate ?? false,
    teaSecret: s.teaSecret ?? '',
    adminToken: s.adminToken ?? '',
    serviceToken: s.serviceToken,
    aclAuth: s.aclAuth ?? 'token',
    aclTtlSeconds: ttl,
    passwordMinLength: min,
    tokenThrottle: new FailureThrottle({ maxFailures: TOKEN_FAILURES_PER_MINUTE, windowMs: 60_000, maxKeys: 10_000 }),
    adminThrottle: new FailureThrottle({ maxFailures: ADMIN_FAILURES_PER_MINUTE, windowMs: 60_000, maxKeys: 10_000 }),
    log: s.log ?? jsonLineLog,
  };
}
