import type { FailureThrottle } from '#domain/failure-throttle.js';
import type { LogFn } from './http/log-fn.js';
import type { RelayRepository } from './store/relay-repository.js';
import type { UserRepository } from './store/user-repository.js';

/** Everything the three apps need, passed in (built by deps.ts in AWS, by start-local-functions locally). */
export interface FunctionsDeps {
  users: UserRepository;
  /** The relays table; absent where none is configured (the relays routes answer 404 then). */
  relays?: RelayRepository;
  /** Relay URLs may name private and loopback addresses (local `npm start`); link-local never. */
  relayAllowPrivate: boolean;
  /** TEA shared secret (≥ 16 characters, AUTH-SPEC §1.3). */
  teaSecret: string;
  /** Bearer token of the operators' users API. */
  adminToken: string;
  /** Bearer token the ingest presents on /acl (unused when `aclAuth` is `iam`). */
  serviceToken: string | undefined;
  /** `token`: /acl checks the service bearer; `iam`: API Gateway's IAM authorizer already did. */
  aclAuth: 'token' | 'iam';
  /** How long the ingest may cache an ACL answer. */
  aclTtlSeconds: number;
  /** Minimum password length for new passwords (default and floor 8). */
  passwordMinLength: number;
  /** Per-source throttle of failed /token lookups. */
  tokenThrottle: FailureThrottle;
  /** Per-source throttle of wrong admin tokens on `/users`. */
  adminThrottle: FailureThrottle;
  log: LogFn;
}
