import { canonicalStream, type StreamIdentity } from './canonical-stream.js';
import { foldNameCase } from './fold-name-case.js';
import { normalizeStreamName, type AclAction, type AclReason } from './functions-contract.js';
import { globMatch } from './glob-match.js';
import { ipInRange, parseIpRange } from './ip-range.js';
import type { User } from './user.js';

/** The facts an ACL decision needs. `userName` undefined = the client gave no user. */
export interface AclQuestion {
  userName: string | undefined;
  action: AclAction;
  app: string;
  stream: string;
  ip: string;
}

/** Outcome of {@link decideAcl}. */
export interface AclDecision {
  allowed: boolean;
  reason: AclReason;
  /** The grant pattern that matched (allowed only). */
  matched?: string;
}

/**
 * True when grant `pattern` covers the stream `app`/`stream`. The pair is first made canonical
 * ({@link canonicalStream}: `?query` dropped, joined, split again at the first `/`, case folded),
 * so every split of one path gets the same answer. `STREAM` patterns (no `/`) match the canonical
 * stream (everything after the first segment) in any app; `APP/STREAM` ones match the first
 * segment with the part before their first `/` and the rest with the part after it. Patterns are
 * case-folded the same way as names. A name that cannot be canonical is covered by nothing.
 */
export function grantMatches(pattern: string, app: string, stream: string): boolean {
  const id = identityOf(app, stream);
  return id !== undefined && patternCovers(pattern, id);
}

function identityOf(app: string, stream: string): StreamIdentity | undefined {
  try {
    return canonicalStream(app, normalizeStreamName(stream));
  } catch {
    return undefined;
  }
}

function patternCovers(pattern: string, id: StreamIdentity): boolean {
  const p = foldNameCase(normalizeStreamName(pattern));
  const slash = p.indexOf('/');
  if (slash === -1) return globMatch(p, id.stream);
  return globMatch(p.slice(0, slash), id.app) && globMatch(p.slice(slash + 1), id.stream);
}

/**
 * Pure ACL decision: may `user` (the stored record for `question.userName`, or undefined when
 * not found) do `action` on `app`/`stream` from `ip`? Order: no user name → `no_user`; not
 * found → `unknown_user`; disabled → `user_disabled`; a name that is not a canonical stream
 * (empty, no stream after the app, a bad segment or character) → `invalid_stream`; IP ranges
 * set and none matches → `ip_not_allowed`; a grant of that action matches → `grant_matched`;
 * else `no_matching_grant`.
 */
export function decideAcl(user: Pick<User, 'enabled' | 'grants' | 'ipRanges'> | undefined, question: AclQuestion): AclDecision {
  if (question.userName === undefined || question.userName === '') return { allowed: false, reason: 'no_user' };
  if (!user) return { allowed: false, reason: 'unknown_user' };
  if (!user.enabled) return { allowed: false, reason: 'user_disabled' };
  const id = identityOf(question.app, question.stream);
  if (id === undefined) return { allowed: false, reason: 'invalid_stream' };
  if (user.ipRanges.length > 0) {
    const inside = user.ipRanges.some((text) => {
      const range = parseIpRange(text);
      return range !== undefined && ipInRange(question.ip, range);
    });
    if (!inside) return { allowed: false, reason: 'ip_not_allowed' };
  }
  const list = question.action === 'publish' ? user.grants.publish : user.grants.play;
  const matched = list.find((pattern) => patternCovers(pattern, id));
  return matched === undefined ? { allowed: false, reason: 'no_matching_grant' } : { allowed: true, reason: 'grant_matched', matched };
}
