import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ConfigError, PasswordCipherError } from '../../../domain/src/errors.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Version tag of the stored format, so a future scheme (KMS envelope) can coexist. */
const FORMAT = 'g1';

/**
 * Encrypts passwords at rest with AES-256-GCM under a 32-byte key, the user name as AAD (a
 * ciphertext copied onto another user fails to decrypt). Stored form:
 * `g1:` + base64(iv ‖ ciphertext ‖ tag). The plaintext never leaves this class except to the
 * token function.
 */
export class PasswordCipher {
  readonly #key: Buffer;

  constructor(key: Uint8Array) {
    if (key.byteLength !== 32) throw new ConfigError('password_key_length', `password key must be 32 bytes, got ${key.byteLength}`);
    this.#key = Buffer.from(key);
  }

  /** Encrypts `password` for `userName`. A fresh random IV per call. */
  encrypt(userName: string, password: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(userName, 'utf8'));
    const ct = Buffer.concat([cipher.update(password, 'utf8'), cipher.final()]);
    return `${FORMAT}:${Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64')}`;
  }

  /** Decrypts a stored value; throws PasswordCipherError `password_undecryptable` on any failure. */
  decrypt(userName: string, stored: string): string {
    try {
      if (!stored.startsWith(`${FORMAT}:`)) throw new Error(`unknown stored password format`);
      const raw = Buffer.from(stored.slice(FORMAT.length + 1), 'base64');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new Error('stored password too short');
      const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(userName, 'utf8'));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (err) {
      throw new PasswordCipherError('password_undecryptable', `stored password of ${userName} cannot be decrypted`, { cause: err });
    }
  }
}
