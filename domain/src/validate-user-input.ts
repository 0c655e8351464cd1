import { isCommonPassword } from './common-passwords.js';
import { ValidationError } from './errors.js';
import { parseIpRange } from './ip-range.js';
import { USER_LIMITS, type UserGrants } from './user.js';

/**
 * Validators for operator input. Each throws ValidationError naming the field (a JSON path) with
 * a stable code; each returns the value to store (grant patterns lose any `?query`, IP ranges
 * are written canonically).
 */

const NAME_RE = /^[A-Za-z0-9._-]+$/;
// Pattern segment: the name characters plus `*`; a pattern is STREAM or APP/STREAM, where STREAM
// may have several segments like a canonical stream (`live/studio/cam1`).
const PATTERN_RE = /^[A-Za-z0-9._*-]+(\/[A-Za-z0-9._*-]+)*$/;

/** A user name: `[A-Za-z0-9._-]`, 1–64 characters. */
export function validateUserName(name: unknown, field = 'name'): string {
  if (typeof name !== 'string') throw new ValidationError(field, 'invalid_type', `${field} must be a string`);
  if (name.length < USER_LIMITS.nameMin || name.length > USER_LIMITS.nameMax) {
    throw new ValidationError(field, 'invalid_length', `${field} must be ${USER_LIMITS.nameMin}–${USER_LIMITS.nameMax} characters, got ${name.length}`);
  }
  if (!NAME_RE.test(name)) throw new ValidationError(field, 'invalid_characters', `${field} may only contain letters, digits, '.', '_' and '-'`);
  return name;
}

/**
 * A password: printable ASCII or other non-control characters, no NUL (TEA would lose it),
 * no leading/trailing whitespace (Wowza's Java provider trims), `minLength`–64 characters, not
 * one of the most common passwords and not the user's own name (any case).
 */
export function validatePassword(password: unknown, minLength: number = USER_LIMITS.passwordMinDefault, field = 'password', userName?: string): string {
  if (typeof password !== 'string') throw new ValidationError(field, 'invalid_type', `${field} must be a string`);
  if (password.length < minLength || password.length > USER_LIMITS.passwordMax) {
    throw new ValidationError(field, 'invalid_length', `${field} must be ${minLength}–${USER_LIMITS.passwordMax} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(password)) throw new ValidationError(field, 'invalid_characters', `${field} must not contain control characters`);
  if (password.trim() !== password) throw new ValidationError(field, 'invalid_characters', `${field} must not start or end with whitespace`);
  if (isCommonPassword(password)) throw new ValidationError(field, 'common_password', `${field} is one of the most common passwords; choose another`);
  if (userName !== undefined && password.toLowerCase() === userName.toLowerCase()) {
    throw new ValidationError(field, 'password_is_name', `${field} must not be the user name`);
  }
  return password;
}

/**
 * A grant pattern `STREAM` or `APP/STREAM` with `*` wildcards; any `?query` is dropped. Matched
 * against the canonical stream identity (see decideAcl): the part before the first `/` against
 * the app, the rest (which may contain `/`) against the stream.
 */
export function validateGrantPattern(pattern: unknown, field: string): string {
  if (typeof pattern !== 'string') throw new ValidationError(field, 'invalid_type', `${field} must be a string`);
  const q = pattern.indexOf('?');
  const p = q === -1 ? pattern : pattern.slice(0, q);
  if (p.length === 0 || p.length > USER_LIMITS.patternMax) {
    throw new ValidationError(field, 'invalid_length', `${field} must be 1–${USER_LIMITS.patternMax} characters`);
  }
  if (!PATTERN_RE.test(p)) {
    throw new ValidationError(field, 'invalid_pattern', `${field} must be STREAM or APP/STREAM (segments separated by '/') of letters, digits, '.', '_', '-', '*'`);
  }
  return p;
}

/** A list of grant patterns (deduplicated case-insensitively, order kept). */
export function validateGrantList(list: unknown, field: string): string[] {
  if (!Array.isArray(list)) throw new ValidationError(field, 'invalid_type', `${field} must be an array of strings`);
  if (list.length > USER_LIMITS.patternsPerList) {
    throw new ValidationError(field, 'too_many', `${field} has ${list.length} entries, limit ${USER_LIMITS.patternsPerList}`);
  }
  const seen = new Set<string>();
  const out: string[] = [];
  list.forEach((item, i) => {
    const p = validateGrantPattern(item, `${field}[${i}]`);
    if (!seen.has(p.toLowerCase())) {
      seen.add(p.toLowerCase());
      out.push(p);
    }
  });
  return out;
}

/** `{ publish?: string[], play?: string[] }` → full grants (missing lists are empty). */
export function validateGrants(grants: unknown, field = 'grants'): UserGrants {
  if (grants === undefined) return { publish: [], play: [] };
  if (typeof grants !== 'object' || grants === null || Array.isArray(grants)) {
    throw new ValidationError(field, 'invalid_type', `${field} must be an object with publish and play arrays`);
  }
  const g = grants as Record<string, unknown>;
  for (const key of Object.keys(g)) {
    if (key !== 'publish' && key !== 'play') throw new ValidationError(`${field}.${key}`, 'unknown_field', `unknown field ${field}.${key}`);
  }
  return {
    publish: g.publish === undefined ? [] : validateGrantList(g.publish, `${field}.publish`),
    play: g.play === undefined ? [] : validateGrantList(g.play, `${field}.play`),
  };
}

/** A list of CIDR ranges (v4/v6, or single addresses), returned canonical. */
export function validateIpRanges(list: unknown, field = 'ipRanges'): string[] {
  if (!Array.isArray(list)) throw new ValidationError(field, 'invalid_type', `${field} must be an array of CIDR strings`);
  if (list.length > USER_LIMITS.ipRangesMax) {
    throw new ValidationError(field, 'too_many', `${field} has ${list.length} entries, limit ${USER_LIMITS.ipRangesMax}`);
  }
  return list.map((item, i) => {
    const f = `${field}[${i}]`;
    if (typeof item !== 'string' || item.length > 64) throw new ValidationError(f, 'invalid_type', `${f} must be a CIDR string`);
    const range = parseIpRange(item);
    if (!range) throw new ValidationError(f, 'invalid_cidr', `${f} is not a valid CIDR range: ${item}`);
    return range.text;
  });
}

/** A boolean field. */
export function validateBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(field, 'invalid_type', `${field} must be true or false`);
  return value;
}
