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
 * True when grant `pattern` covers `app`/`stream`. `STREAM` patterns apply in any app;
 * `APP/STREAM` ones only in that app. Both sides compare lowercased; the stream is normalised
 * (`?query` dropped) first, as the seed's Wowza module does.
 */
export function grantMatches(pattern: string, app: string, stream: string): boolean {
  const p = normalizeStreamName(pattern);
  const s = normalizeStreamName(stream);
  const slash = p.indexOf('/');
  if (slash === -1) return globMatch(p, s);
  return globMatch(p.slice(0, slash), app.toLowerCase()) && globMatch(p.slice(slash + 1), s);
}

/**
 * Pure ACL decision: may `user` (the stored record for `question.userName`, or undefined when
 * not found) do `action` on `app`/`stream` from `ip`? Order: no user name → `no_user`; not
 * found → `unknown_user`; disabled → `user_disabled`; empty stream → `invalid_stream`; IP ranges
 * set and none matches → `ip_not_allowed`; a grant of that action matches → `grant_matched`;
 * else `no_matching_grant`.
 */
export function decideAcl(user: Pick<User, 'enabled' | 'grants' | 'ipRanges'> | undefined, question: AclQuestion): AclDecision {
  if (question.userName === undefined || question.userName === '') return { allowed: false, reason: 'no_user' };
  if (!user) return { allowed: false, reason: 'unknown_user' };
  if (!user.enabled) return { allowed: false, reason: 'user_disabled' };
  if (normalizeStreamName(question.stream).length === 0) return { allowed: false, reason: 'invalid_stream' };
  if (user.ipRanges.length > 0) {
    const inside = user.ipRanges.some((text) => {
      const range = parseIpRange(text);
      return range !== undefined && ipInRange(question.ip, range);
    });
    if (!inside) return { allowed: false, reason: 'ip_not_allowed' };
  }
  const list = question.action === 'publish' ? user.grants.publish : user.grants.play;
  const matched = list.find((pattern) => grantMatches(pattern, question.app, question.stream));
  return matched === undefined ? { allowed: false, reason: 'no_matching_grant' } : { allowed: true, reason: 'grant_matched', matched };
}
