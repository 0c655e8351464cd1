/**
 * Corrected Block TEA (XXTEA) over whole 32-bit words, the cipher behind Wowza's "TEA"
 * (AUTH-SPEC §1.2). Operates in place on `v` (n ≥ 2 words) with a 4-word key.
 */
const DELTA = 0x9e3779b9;

function mx(sum: number, y: number, z: number, p: number, e: number, k: Uint32Array): number {
  return ((((z >>> 5) ^ (y << 2)) + ((y >>> 3) ^ (z << 4))) ^ ((sum ^ y) + (k[(p & 3) ^ e] ^ z))) >>> 0;
}

/** Number of full cycles for an n-word block: 6 + floor(52 / n) (AUTH-SPEC §1.2). */
export function xxteaCycles(n: number): number {
  return 6 + Math.floor(52 / n);
}

/** Encrypts `v` in place (n ≥ 2 words, else unchanged) under the 4-word key `k`; returns `v`. */
export function xxteaEncryptBlock(v: Uint32Array, k: Uint32Array): Uint32Array {
  const n = v.length;
  if (n < 2) return v;
  let q = xxteaCycles(n);
  let sum = 0;
  let z = v[n - 1];
  while (q-- > 0) {
    sum = (sum + DELTA) >>> 0;
    const e = (sum >>> 2) & 3;
    for (let p = 0; p < n; p++) {
      const y = v[(p + 1) % n];
      v[p] = (v[p] + mx(sum, y, z, p, e, k)) >>> 0;
      z = v[p];
    }
  }
  return v;
}

/** Decrypts `v` in place (n ≥ 2 words, else unchanged) under the 4-word key `k`; returns `v`. */
export function xxteaDecryptBlock(v: Uint32Array, k: Uint32Array): Uint32Array {
  const n = v.length;
  if (n < 2) return v;
  const q = xxteaCycles(n);
  let sum = Math.imul(q, DELTA) >>> 0;
  let y = v[0];
  while (sum !== 0) {
    const e = (sum >>> 2) & 3;
    for (let p = n - 1; p >= 0; p--) {
      const z = v[p > 0 ? p - 1 : n - 1];
      v[p] = (v[p] - mx(sum, y, z, p, e, k)) >>> 0;
      y = v[p];
    }
    sum = (sum - DELTA) >>> 0;
  }
  return v;
}
