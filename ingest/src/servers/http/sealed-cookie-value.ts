import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const VALUE = /^[A-Za-z0-9_-]+$/;

/**
 * A cookie value only the ingest can write and read: a few strings and an expiry, sealed with
 * AES-256-GCM under a key derived from `secret` and `label` (so two kinds of cookie never open
 * each other's values), base64url. Every task given the same secret opens what another sealed;
 * without a secret the key is random per process. An altered, foreign, truncated, oversized or
 * expired value opens to undefined, never an exception.
 */
export class SealedCookieValue {
  private readonly key: Buffer;

  constructor(label: string, secret?: Uint8Array) {
    this.key = secret === undefined ? randomBytes(32) : createHmac('sha256', secret).update(label).digest();
  }

  /** `fields` sealed with an expiry of `expirySeconds` (Unix seconds). */
  seal(fields: readonly string[], expirySeconds: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const plain = Buffer.from(JSON.stringify([expirySeconds, ...fields]), 'utf8');
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The `count` fields sealed in `value` when it is ours, intact, at most `maxLength` long and not expired at `nowMs`. */
  open(value: string, nowMs: number, count: number, maxLength: number): string[] | undefined {
    if (value.length > maxLength || !VALUE.test(value)) return undefined;
    const bytes = Buffer.from(value, 'base64url');
    if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      const parsed: unknown = JSON.parse(plain);
      if (!Array.isArray(parsed) || parsed.length !== count + 1) return undefined;
      const [expiry, ...fields] = parsed as unknown[];
      if (typeof expiry !== 'number' || !fields.every((f): f is string => typeof f === 'string')) return undefined;
      if (nowMs >= expiry * 1000) return undefined;
      return fields;
    } catch {
      // An altered, foreign or truncated value fails the GCM tag.
      return undefined;
    }
  }
}

/**
 * The Set-Cookie field value storing `value` under `name` for `lifetimeSeconds` (or, with `clear`,
 * removing it): `HttpOnly` (no script reads it), `SameSite=Strict` (no other site sends it), and
 * `Secure` when the page was reached over HTTPS, so the browser never sends it over plain HTTP,
 * where anyone on the path could copy and replay it (RFC 6265 §4.1.2.5).
 */
export function sealedSetCookie(name: string, value: string, lifetimeSeconds: number, options: { readonly clear?: boolean; readonly secure?: boolean } = {}): string {
  const clear = options.clear === true;
  const secure = options.secure === true ? '; Secure' : '';
  return `${name}=${clear ? '' : value}; Path=/; HttpOnly${secure}; SameSite=Strict; Max-Age=${clear ? 0 : Math.ceil(lifetimeSeconds)}`;
}

/** The value of cookie `name` in a Cookie field (RFC 6265 §4.2.1: `name=value; name2=value2`). */
export function cookieValue(field: string | undefined, name: string): string | undefined {
  if (field === undefined) return undefined;
  for (const pair of field.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
