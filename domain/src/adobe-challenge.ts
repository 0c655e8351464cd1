import { createHmac } from 'node:crypto';
import { RtmpAuthError } from './rtmp-auth-error.js';
import { constantTimeEqual } from './rtmp-auth-compare.js';
import type { AdobeChallengeValues } from './adobe-auth.js';

/**
 * Stateless Adobe/llnw challenges (AUTH-SPEC §3.5.4). The three connections of one login may land
 * on different ingest tasks, so nothing is stored between step 2 and step 3: the server's
 * challenge and expiry travel inside `opaque`, sealed with an HMAC under a key every task shares;
 * the salt is derived from (key, user). Single use is the job of a {@link ChallengeReplayCache}.
 *
 * Token layout (32 chars, all `[A-Za-z0-9]` as §3.5.5 asks):
 * `EEEEEEEE` expiry in Unix seconds, 8 lowercase hex digits ·
 * `CCCCCCCC` 8 random base62 chars (the server challenge / llnw nonce body) ·
 * `MMMMMMMMMMMMMMMM` 16 base62 chars of HMAC-SHA256(key, purpose|user|salt|C|E) (~95 bits).
 *
 * Pure: the key, the clock (`nowMs`) and randomness are arguments.
 */

/** A shared secret for sealing challenges: a string (UTF-8) or raw bytes; ≥ 16 bytes. */
export type ChallengeKey = string | Uint8Array;

/** How long an issued challenge may be answered (§3.5.3: ≤ 60 s). */
export const ADOBE_CHALLENGE_TTL_MS = 60_000;

/** Length of every sealed token (opaque, llnw nonce). */
export const CHALLENGE_TOKEN_LENGTH = 32;

/** Random bytes a caller must supply per issued challenge. */
export const CHALLENGE_RANDOM_BYTES = 8;

/** Users we are willing to echo inside a challenge description (no `&`, `=`, space, `?`). */
const ECHOABLE_USER = /^[A-Za-z0-9._@-]{1,64}$/;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const TOKEN_SHAPE = /^[0-9a-f]{8}[A-Za-z0-9]{24}$/;
/** An expiry further ahead than this is not one we issued with any sane TTL. */
const MAX_TTL_MS = 10 * 60_000;

/**
 * Single-use bookkeeping for answered challenges. `claim` atomically records `id` and returns
 * true the first time; false when it was already claimed (a replay) or when the cache cannot
 * take it (full: fail closed). Entries may be forgotten after `expiresAtMs`. An in-memory
 * implementation is per ingest task: a replay landing on another task within the TTL is only
 * caught by a shared store (the ingest's cluster mode claims in DynamoDB, asynchronously).
 */
export interface ChallengeReplayCache {
  claim(id: string, expiresAtMs: number, nowMs: number): boolean | Promise<boolean>;
}

/** Result of opening a sealed token: what it carried, or why it is refused. */
export type ChallengeCheck =
  | { ok: true; challenge: string; expiresAtMs: number }
  | { ok: false; reason: 'malformed' | 'invalid' | 'expired' };

/** Parameters of an issue call. `random` must hold ≥ 8 fresh random bytes. */
export interface IssueParams {
  key: ChallengeKey;
  user: string;
  nowMs: number;
  random: Uint8Array;
  ttlMs?: number;
}

/** True when `user` can be echoed in a challenge description without breaking client parsers. */
export function isEchoableUser(user: string): boolean {
  return ECHOABLE_USER.test(user);
}

/** The per-(key, user) salt: 16 base62 chars of HMAC(key, "adobe-salt|" + user). */
export function adobeSalt(key: ChallengeKey, user: string): string {
  return base62(hmac(key, `adobe-salt|${user}`), 16);
}

/**
 * Issues step-2 values for `user` (also for unknown users, so nothing leaks, §3.5.2).
 * Throws {@link RtmpAuthError} `auth_bad_user` for a user that cannot be echoed safely.
 */
export function issueAdobeChallenge(p: IssueParams): AdobeChallengeValues & { expiresAtMs: number } {
  checkUser(p.user);
  const salt = adobeSalt(p.key, p.user);
  const { token, body, expiresAtMs } = seal('adobe', p, salt);
  return { user: p.user, salt, challenge: body, opaque: token, expiresAtMs };
}

/**
 * Opens the `opaque` a client sent back in step 3 for `user`. Refuses a token that is not ours
 * (`malformed`), sealed for another user or altered (`invalid`), or past its expiry (`expired`).
 * On success returns the server challenge it carried (needed for librtmp's formula) and the expiry.
 */
export function openAdobeChallenge(p: { key: ChallengeKey; user: string; opaque: string; nowMs: number }): ChallengeCheck {
  return open('adobe', p.key, p.user, adobeSalt(p.key, p.user), p.opaque, p.nowMs);
}

/** Issues an llnw nonce (§4) sealed the same way; the nonce itself is the token. */
export function issueLlnwNonce(p: IssueParams): { nonce: string; expiresAtMs: number } {
  checkUser(p.user);
  const { token, expiresAtMs } = seal('llnw', p, '');
  return { nonce: token, expiresAtMs };
}

/** Opens an llnw nonce sent back in step 3 (same refusals as {@link openAdobeChallenge}). */
export function openLlnwNonce(p: { key: ChallengeKey; user: string; nonce: string; nowMs: number }): ChallengeCheck {
  return open('llnw', p.key, p.user, '', p.nonce, p.nowMs);
}

function checkUser(user: string): void {
  if (!isEchoableUser(user)) {
    throw new RtmpAuthError('auth_bad_user', `user name cannot be used in a challenge (length ${user.length})`);
  }
}

function seal(purpose: string, p: IssueParams, salt: string): { token: string; body: string; expiresAtMs: number } {
  if (p.random.length < CHALLENGE_RANDOM_BYTES) {
    throw new RangeError(`need ${CHALLENGE_RANDOM_BYTES} random bytes, got ${p.random.length}`);
  }
  const ttl = Math.min(p.ttlMs ?? ADOBE_CHALLENGE_TTL_MS, MAX_TTL_MS);
  const expirySeconds = Math.floor((p.nowMs + ttl) / 1000);
  const expiry = (expirySeconds >>> 0).toString(16).padStart(8, '0');
  const body = base62(p.random, 8);
  const mac = base62(hmac(p.key, `${purpose}|${p.user}|${salt}|${body}|${expiry}`), 16);
  return { token: expiry + body + mac, body, expiresAtMs: expirySeconds * 1000 };
}

function open(purpose: string, key: ChallengeKey, user: string, salt: string, token: string, nowMs: number): ChallengeCheck {
  if (token.length !== CHALLENGE_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return { ok: false, reason: 'malformed' };
  const expiry = token.slice(0, 8);
  const body = token.slice(8, 16);
  const mac = token.slice(16);
  const expected = base62(hmac(key, `${purpose}|${user}|${salt}|${body}|${expiry}`), 16);
  if (!constantTimeEqual(mac, expected)) return { ok: false, reason: 'invalid' };
  const expiresAtMs = parseInt(expiry, 16) * 1000;
  if (nowMs > expiresAtMs || expiresAtMs - nowMs > MAX_TTL_MS) return { ok: false, reason: 'expired' };
  return { ok: true, challenge: body, expiresAtMs };
}

function hmac(key: ChallengeKey, message: string): Uint8Array {
  return createHmac('sha256', key).update(message, 'utf8').digest();
}

/** Maps each byte to one base62 char (slightly biased, fine for MACs and nonces). */
function base62(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[bytes[i]! % 62];
  return out;
}
