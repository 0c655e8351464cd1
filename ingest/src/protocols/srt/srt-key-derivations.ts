import { createHash } from 'node:crypto';
import { deriveKek } from './srt-key-material.js';

/** Bounds of {@link SrtKeyDerivations}. */
export interface SrtKeyDerivationLimits {
  /** Derivations one source address may start at once, then `perAddressPerSecond`. */
  readonly perAddressBurst: number;
  readonly perAddressPerSecond: number;
  /** Derivations of all addresses together, burst and rate. */
  readonly totalBurst: number;
  readonly totalPerSecond: number;
  /** Key-encrypting keys kept (a caller repeating its conclusion, or a key refresh, reuses its salt). */
  readonly cacheEntries: number;
  /** Source addresses whose budget is remembered (past it the fullest are forgotten). */
  readonly trackedAddresses: number;
}

/**
 * Each derivation is PBKDF2-HMAC-SHA1 with 2048 rounds per 20 bytes of key: measured 0.4-2 ms
 * for AES-128 and 4.5-6.5 ms for AES-256 on the shared, loaded 2-core test machine, so 32 a
 * second cost at most ~20 % of one core there.
 */
export const SRT_KEY_DERIVATION_LIMITS: SrtKeyDerivationLimits = {
  perAddressBurst: 8,
  perAddressPerSecond: 4,
  totalBurst: 32,
  totalPerSecond: 32,
  cacheEntries: 256,
  trackedAddresses: 4096,
};

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The key-encrypting keys of SRT callers (PBKDF2 of the passphrase over the salt each caller
 * picks), bounded so a flood of conclusions carrying key material cannot eat the CPU: a caller's
 * salt seen before is answered from a small LRU cache; a new derivation takes a token from its
 * source address's bucket and from the listener-wide one, and without both it is not done
 * (`undefined`: the caller's conclusion goes unanswered and libsrt repeats it). Sans-I/O: the
 * time is passed in.
 */
export class SrtKeyDerivations {
  private readonly cache = new Map<string, Buffer>();
  private readonly buckets = new Map<string, Bucket>();
  private readonly total: Bucket;
  /** Derivations done, answers from the cache, and derivations refused by the budget. */
  readonly stats = { derived: 0, cached: 0, throttled: 0 };

  constructor(
    private readonly limits: SrtKeyDerivationLimits = SRT_KEY_DERIVATION_LIMITS,
    private readonly derive: (passphrase: string, salt: Uint8Array, keyLength: number) => Buffer = deriveKek,
  ) {
    this.total = { tokens: limits.totalBurst, at: 0 };
  }

  /** The key-encrypting key for a caller at `address`, or undefined when the budget is spent. */
  kek(passphrase: string, salt: Uint8Array, keyLength: number, address: string, nowMs: number): Buffer | undefined {
    // The passphrase (a user's password, when users key their own streams) is kept only as a digest.
    const key = `${keyLength}|${Buffer.from(salt.subarray(8, 16)).toString('hex')}|${createHash('sha256').update(passphrase).digest('base64')}`;
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      this.stats.cached++;
      return hit;
    }
    const own = this.bucket(address, nowMs);
    refill(this.total, nowMs, this.limits.totalBurst, this.limits.totalPerSecond);
    if (own.tokens < 1 || this.total.tokens < 1) {
      this.stats.throttled++;
      return undefined;
    }
    own.tokens--;
    this.total.tokens--;
    const kek = this.derive(passphrase, salt, keyLength);
    this.stats.derived++;
    this.cache.set(key, kek);
    if (this.cache.size > this.limits.cacheEntries) this.cache.delete(this.cache.keys().next().value!);
    return kek;
  }

  private bucket(address: string, nowMs: number): Bucket {
    let b = this.buckets.get(address);
    if (b === undefined) {
      if (this.buckets.size >= this.limits.trackedAddresses) this.forgetFull(nowMs);
      b = { tokens: this.limits.perAddressBurst, at: nowMs };
      this.buckets.set(address, b);
    }
    refill(b, nowMs, this.limits.perAddressBurst, this.limits.perAddressPerSecond);
    return b;
  }

  /** Drops the buckets that have refilled (they hold nothing to remember), else the oldest half. */
  private forgetFull(nowMs: number): void {
    for (const [address, b] of this.buckets) {
      refill(b, nowMs, this.limits.perAddressBurst, this.limits.perAddressPerSecond);
      if (b.tokens >= this.limits.perAddressBurst) this.buckets.delete(address);
    }
    if (this.buckets.size < this.limits.trackedAddresses) return;
    let n = this.buckets.size / 2;
    for (const address of this.buckets.keys()) {
      if (n-- <= 0) break;
      this.buckets.delete(address);
    }
  }
}

function refill(b: Bucket, nowMs: number, burst: number, perSecond: number): void {
  if (nowMs > b.at) b.tokens = Math.min(burst, b.tokens + ((nowMs - b.at) / 1000) * perSecond);
  b.at = nowMs;
}
