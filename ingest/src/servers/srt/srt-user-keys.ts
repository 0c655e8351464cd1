import { createHash, timingSafeEqual } from 'node:crypto';
import type { Credentials } from '#ingest/auth/authorizer.js';
import type { SrtKeyDerivations } from '#ingest/protocols/srt/srt-key-derivations.js';
import { unwrapStreamKeys, type SrtKeyMaterial, type SrtStreamKeys } from '#ingest/protocols/srt/srt-key-material.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * A caller that names a user without a password (`publish:live/cam1:alice`) and encrypts with
 * the user's password as its SRT passphrase: the password never crosses the network, and the key
 * material proves it. As credentials ({@link credentials}) the authorizer hands `verify` the
 * user's password (from the token service): it derives the key-encrypting key (PBKDF2, under the
 * listener's per-address and total derivation bounds) and unwraps the caller's stream keys; AES key
 * wrap's integrity check fails for any other password. Once it has, the stream keys and the
 * passphrase (for later key refreshes) are here, and a re-check (the ACL's TTL) compares digests
 * in constant time instead of deriving again.
 */
export class SrtUserKeys {
  private verified: { readonly keys: SrtStreamKeys; readonly passphrase: string; readonly digest: Buffer } | undefined;

  constructor(
    private readonly km: SrtKeyMaterial,
    private readonly derivations: SrtKeyDerivations,
    private readonly address: string,
  ) {}

  /** The credentials to authorize: user `user`, proven by the key material. */
  credentials(user: string): Credentials {
    return { kind: 'proof', user, method: 'srt-passphrase', verify: (password) => this.verify(password) };
  }

  /** The stream keys and passphrase once a password unwrapped them. */
  get keys(): { readonly keys: SrtStreamKeys; readonly passphrase: string } | undefined {
    return this.verified;
  }

  private verify(password: string): boolean {
    if (this.verified !== undefined) {
      const d = digest(password);
      return timingSafeEqual(d, this.verified.digest);
    }
    const kek = this.derivations.kek(password, this.km.salt, this.km.keyLength, this.address, Date.now());
    // Derivations of this address used up: not proven (a flood of guesses costs no more PBKDF2).
    if (kek === undefined) return false;
    try {
      const keys = unwrapStreamKeys(password, this.km, kek);
      this.verified = { keys, passphrase: password, digest: digest(password) };
      return true;
    } catch {
      // SRT_BAD_SECRET: wrapped with another password.
      return false;
    }
  }
}
