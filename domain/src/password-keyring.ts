import { createHash } from 'node:crypto';
import { ConfigError } from './errors.js';

/** One AES-256 key that encrypts stored passwords, and its id. */
export interface PasswordKey {
  /** {@link passwordKeyId} of the bytes: stored beside each ciphertext. */
  readonly id: string;
  readonly bytes: Uint8Array;
}

/** The keys a deployment knows: new passwords use `current`; the others still decrypt. */
export interface PasswordKeyring {
  readonly current: PasswordKey;
  /** Every key by id, `current` included. */
  readonly keys: ReadonlyMap<string, PasswordKey>;
}

/** Most keys one ring holds (current plus previous ones awaiting re-encryption). */
export const MAX_PASSWORD_KEYS = 8;
/** The secret's text is a bare key or a small JSON ring; anything longer is not ours. */
const MAX_KEYRING_CHARS = 4096;

/**
 * A key's id: 8 base64url characters of SHA-256 over a label and the key. Derived, so it is the
 * same whether the key is written alone or in a ring, and needs no naming by the operator; 48
 * bits of a hash say nothing usable about a 256-bit key.
 */
export function passwordKeyId(bytes: Uint8Array): string {
  return createHash('sha256').update('streamgate password key id\0').update(bytes).digest('base64url').slice(0, 8);
}

function decodeKey(text: unknown, where: string): PasswordKey {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(text.trim())) {
    throw new ConfigError('password_key_length', `${where} must be base64 of 32 bytes`);
  }
  const bytes = Buffer.from(text.trim(), 'base64');
  if (bytes.byteLength !== 32) throw new ConfigError('password_key_length', `${where} must be base64 of 32 bytes`);
  return { id: passwordKeyId(bytes), bytes };
}

/**
 * Reads the password key secret: either one key (base64 of 32 bytes, what the stack generates)
 * or a ring `{"current": KEY, "previous": [KEY, …]}` while passwords move to a new key (see
 * docs/deploy-aws.md, "Rotation"). Throws ConfigError `password_key_length` / `password_keyring`.
 */
export function parsePasswordKeyring(text: string): PasswordKeyring {
  const trimmed = text.trim();
  if (trimmed.length > MAX_KEYRING_CHARS) throw new ConfigError('password_keyring', `password key secret is longer than ${MAX_KEYRING_CHARS} characters`);
  if (!trimmed.startsWith('{')) {
    const key = decodeKey(trimmed, 'the password key');
    return { current: key, keys: new Map([[key.id, key]]) };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (err) {
    throw new ConfigError('password_keyring', 'password key ring is not JSON', { cause: err });
  }
  const ring = parsed as { current?: unknown; previous?: unknown };
  const extra = Object.keys(ring).filter((k) => k !== 'current' && k !== 'previous');
  if (extra.length > 0) throw new ConfigError('password_keyring', `password key ring has unknown fields: ${extra.join(', ')}`);
  const previous = ring.previous ?? [];
  if (!Array.isArray(previous)) throw new ConfigError('password_keyring', 'password key ring "previous" must be a list of keys');
  if (previous.length + 1 > MAX_PASSWORD_KEYS) throw new ConfigError('password_keyring', `password key ring holds at most ${MAX_PASSWORD_KEYS} keys`);
  const current = decodeKey(ring.current, 'password key ring "current"');
  const keys = new Map([[current.id, current]]);
  previous.forEach((k, i) => {
    const key = decodeKey(k, `password key ring "previous"[${i}]`);
    keys.set(key.id, key);
  });
  return { current, keys };
}

/** Prefix of a stored password: `g1` (no key id, before key rings) or `g2` (with key id). */
export const STORED_PASSWORD_FORMATS = { legacy: 'g1', keyed: 'g2' } as const;

/** `g2:KEYID:PAYLOAD`: the id of the key that encrypted PAYLOAD stored beside it. */
export function formatStoredPassword(keyId: string, payload: string): string {
  return `${STORED_PASSWORD_FORMATS.keyed}:${keyId}:${payload}`;
}

/**
 * Splits a stored password into its key id (undefined for the legacy `g1:PAYLOAD`, written
 * before key ids) and payload; undefined when it is neither form.
 */
export function parseStoredPassword(stored: string): { keyId: string | undefined; payload: string } | undefined {
  const g2 = /^g2:([A-Za-z0-9_-]{8}):([A-Za-z0-9+/=]+)$/.exec(stored);
  if (g2 !== null) return { keyId: g2[1], payload: g2[2] };
  const g1 = /^g1:([A-Za-z0-9+/=]+)$/.exec(stored);
  if (g1 !== null) return { keyId: undefined, payload: g1[1] };
  return undefined;
}
