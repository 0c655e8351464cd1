import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, PasswordCipherError } from '#domain/errors.js';
import {
  formatStoredPassword,
  type PasswordKey,
  type PasswordKeyring,
  parseStoredPassword,
  passwordKeyId,
} from '#domain/password-keyring.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;

function ringOf(key: Uint8Array | PasswordKeyring): PasswordKeyring {
  if (!(key instanceof Uint8Array)) return key;
  if (key.byteLength !== 32) throw new ConfigError('password_key_length', `password key must be 32 bytes, got ${key.byteLength}`);
  const one = { id: passwordKeyId(key), bytes: Buffer.from(key) };
  return { current: one, keys: new Map([[one.id, one]]) };
}

/**
 * Encrypts passwords at rest with AES-256-GCM, the user name as AAD (a ciphertext copied onto
 * another user fails to decrypt). Stored form: `g2:KEYID:` + base64(iv ‖ ciphertext ‖ tag), the
 * id of the ring's current key beside each ciphertext, so a new key can be added and old
 * passwords still read until `re-encrypt` has moved them. `g1:` values (no key id, written before
 * key rings) decrypt with whichever key of the ring authenticates them. The plaintext never
 * leaves this class except to the token function.
 */
export class PasswordCipher {
  readonly #ring: PasswordKeyring;

  constructor(key: Uint8Array | PasswordKeyring) {
    this.#ring = ringOf(key);
  }

  /** Id of the key new passwords are encrypted with. */
  get currentKeyId(): string {
    return this.#ring.current.id;
  }

  /** Encrypts `password` for `userName` under the current key. A fresh random IV per call. */
  encrypt(userName: string, password: string): string {
    const key = this.#ring.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
    cipher.setAAD(Buffer.from(userName, 'utf8'));
    const ct = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]);
    return formatStoredPassword(key.id, Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64'));
  }

  /** True when `stored` is not under the current key (legacy `g1` or an older key id). */
  needsReEncrypt(stored: string): boolean {
    return parseStoredPassword(stored)?.keyId !== this.#ring.current.id;
  }

  /**
   * Decrypts a stored value; throws PasswordCipherError `password_key_unknown` when its key id is
   * not in the ring (removed too early) and `password_undecryptable` on any other failure.
   */
  decrypt(userName: string, stored: string): string {
    const parsed = parseStoredPassword(stored);
    if (parsed === undefined) throw new PasswordCipherError('password_undecryptable', `stored password of ${userName} is in no known format`);
    if (parsed.keyId !== undefined) {
      const key = this.#ring.keys.get(parsed.keyId);
      if (key === undefined) {
        throw new PasswordCipherError('password_key_unknown', `stored password of ${userName} is under key ${parsed.keyId}, which the key ring no longer holds`);
      }
      return this.#open(userName, key, parsed.payload);
    }
    let last: unknown;
    for (const key of this.#ring.keys.values()) {
      try {
        return this.#open(userName, key, parsed.payload);
      } catch (err) {
        last = err instanceof PasswordCipherError ? err.cause : err;
      }
    }
    throw new PasswordCipherError('password_undecryptable', `stored password of ${userName} cannot be decrypted`, { cause: last });
  }

  #open(userName: string, key: PasswordKey, payload: string): string {
    try {
      const raw = Buffer.from(payload, 'base64');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('stored password too short');
      const decipher = createDecipheriv('aes-256-gcm', key.bytes, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(userName, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new PasswordCipherError('password_undecryptable', `stored password of ${userName} cannot be decrypted`, { cause: err });
    }
  }
}
