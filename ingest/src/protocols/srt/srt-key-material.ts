import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from 'node:crypto';
import { ProtocolError } from '../protocol-error.js';
import { SRT_KEY } from './srt-packet.js';

/** KMREQ/KMRSP content (SRT draft §3.2.2): the stream keys wrapped with the passphrase's key. */
export interface SrtKeyMaterial {
  /** KK: 1 even key, 2 odd key, 3 both (even first). */
  readonly keyFlags: number;
  /** Key-encrypting key index (0: the passphrase). */
  readonly keki: number;
  /** 2: AES-CTR (the only one libsrt uses in live mode without GCM). */
  readonly cipher: number;
  readonly auth: number;
  /** Stream encapsulation: 2 = MPEG-TS/SRT. */
  readonly se: number;
  /** 16 bytes. */
  readonly salt: Uint8Array;
  /** Stream key length in bytes: 16, 24 or 32. */
  readonly keyLength: number;
  /** RFC 3394 wrap of the key(s): keyLength × keys + 8 bytes. */
  readonly wrapped: Uint8Array;
}

/** KMRSP states when there is no key material to echo (libsrt `SRT_KM_STATE`). */
export const SRT_KM_STATE = { unsecured: 0, securing: 1, secured: 2, noSecret: 3, badSecret: 4 } as const;

const KM_SIGN = 0x2029; // "HAI" as a PnP vendor id
const KM_CIPHER_CTR = 2;
const PBKDF2_ITERATIONS = 2048;
const WRAP_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');

/**
 * Decodes a key-material block: version 1, packet type 2 (KM), the HaiCrypt sign, a 16-byte salt,
 * a key length of 16/24/32 and a wrap that matches the key count. Raises `SRT_BAD_KEY_MATERIAL`.
 */
export function decodeKeyMaterial(data: Uint8Array): SrtKeyMaterial {
  const fail = (why: string): never => {
    throw new ProtocolError('SRT_BAD_KEY_MATERIAL', `bad key material: ${why}`);
  };
  if (data.length < 16) fail(`${data.length} < 16 bytes`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data[0] !== 0x12) fail(`version/type byte 0x${data[0]!.toString(16)}`);
  if (v.getUint16(1) !== KM_SIGN) fail('sign');
  const keyFlags = data[3]! & 3;
  if (keyFlags === 0) fail('no key');
  const saltLength = data[14]! * 4;
  const keyLength = data[15]! * 4;
  if (saltLength !== 16) fail(`salt of ${saltLength} bytes`);
  if (keyLength !== 16 && keyLength !== 24 && keyLength !== 32) fail(`key of ${keyLength} bytes`);
  const keys = keyFlags === 3 ? 2 : 1;
  const wrapLength = keyLength * keys + 8;
  if (data.length < 16 + saltLength + wrapLength) fail(`${data.length} bytes, expected ${16 + saltLength + wrapLength}`);
  return {
    keyFlags,
    keki: v.getUint32(4),
    cipher: data[8]!,
    auth: data[9]!,
    se: data[10]!,
    salt: data.slice(16, 32),
    keyLength,
    wrapped: data.slice(32, 32 + wrapLength),
  };
}

/** Encodes a key-material block. */
export function encodeKeyMaterial(km: SrtKeyMaterial): Uint8Array {
  const out = new Uint8Array(32 + km.wrapped.length);
  const v = new DataView(out.buffer);
  out[0] = 0x12;
  v.setUint16(1, KM_SIGN);
  out[3] = km.keyFlags & 3;
  v.setUint32(4, km.keki);
  out[8] = km.cipher;
  out[9] = km.auth;
  out[10] = km.se;
  out[14] = 4;
  out[15] = km.keyLength / 4;
  out.set(km.salt, 16);
  out.set(km.wrapped, 32);
  return out;
}

/** The key-encrypting key: PBKDF2-HMAC-SHA1 over the salt's last 8 bytes, 2048 rounds (HaiCrypt). */
export function deriveKek(passphrase: string, salt: Uint8Array, keyLength: number): Buffer {
  return pbkdf2Sync(passphrase, salt.subarray(8, 16), PBKDF2_ITERATIONS, keyLength, 'sha1');
}

function wrapCipher(keyLength: number): string {
  return `id-aes${keyLength * 8}-wrap`;
}

/** The stream keys a caller announced. */
export interface SrtStreamKeys {
  readonly salt: Uint8Array;
  readonly even?: Uint8Array;
  readonly odd?: Uint8Array;
}

/**
 * Unwraps the stream keys of `km` with `passphrase` (or with its key-encrypting key, when the
 * caller derived it already: see SrtKeyDerivations). Raises `SRT_BAD_SECRET` when the RFC 3394
 * integrity check fails (a different passphrase) and `SRT_BAD_KEY_MATERIAL` for a cipher other
 * than AES-CTR.
 */
export function unwrapStreamKeys(passphrase: string, km: SrtKeyMaterial, derivedKek?: Uint8Array): SrtStreamKeys {
  if (km.cipher !== KM_CIPHER_CTR) throw new ProtocolError('SRT_BAD_KEY_MATERIAL', `bad key material: cipher ${km.cipher} (only AES-CTR)`);
  const kek = derivedKek ?? deriveKek(passphrase, km.salt, km.keyLength);
  let keys: Buffer;
  try {
    const d = createDecipheriv(wrapCipher(km.keyLength), kek, WRAP_IV);
    keys = Buffer.concat([d.update(km.wrapped), d.final()]);
  } catch (err) {
    throw new ProtocolError('SRT_BAD_SECRET', 'the key material does not unwrap with this passphrase', { cause: err });
  }
  const n = km.keyLength;
  if (km.keyFlags === 3) return { salt: km.salt, even: keys.subarray(0, n), odd: keys.subarray(n, 2 * n) };
  return km.keyFlags === SRT_KEY.even ? { salt: km.salt, even: keys } : { salt: km.salt, odd: keys };
}

/** Builds key material for `keys` under `passphrase` (what a caller sends; used by tests and clients). */
export function wrapStreamKeys(passphrase: string, keys: SrtStreamKeys, keyLength: number): SrtKeyMaterial {
  const kek = deriveKek(passphrase, keys.salt, keyLength);
  const plain = Buffer.concat([...(keys.even ? [keys.even] : []), ...(keys.odd ? [keys.odd] : [])]);
  const c = createCipheriv(wrapCipher(keyLength), kek, WRAP_IV);
  const wrapped = Buffer.concat([c.update(plain), c.final()]);
  const keyFlags = (keys.even ? SRT_KEY.even : 0) | (keys.odd ? SRT_KEY.odd : 0);
  return { keyFlags, keki: 0, cipher: KM_CIPHER_CTR, auth: 0, se: 2, salt: keys.salt, keyLength, wrapped };
}

/** Fresh random stream keys of `keyLength` bytes (even key only). */
export function generateStreamKeys(keyLength: number): SrtStreamKeys {
  return { salt: randomBytes(16), even: randomBytes(keyLength) };
}

/**
 * AES-CTR payload encryption as HaiCrypt does it: the counter block is the salt's first 14 bytes
 * XOR the packet sequence number at bytes 10-13, with a zero 16-bit block counter. Encrypting and
 * decrypting are the same operation.
 */
export class SrtPayloadCipher {
  constructor(readonly keys: SrtStreamKeys) {}

  /** Whether a key for `keyFlags` (1 even, 2 odd) is known. */
  has(keyFlags: number): boolean {
    return (keyFlags === SRT_KEY.even ? this.keys.even : keyFlags === SRT_KEY.odd ? this.keys.odd : undefined) !== undefined;
  }

  /** A cipher that also knows `keys` (a key refresh: the announced key replaces its slot). */
  withKeys(keys: SrtStreamKeys): SrtPayloadCipher {
    return new SrtPayloadCipher({ salt: keys.salt, even: keys.even ?? this.keys.even, odd: keys.odd ?? this.keys.odd });
  }

  /** The key flags outgoing packets use. */
  get sendKey(): number {
    return this.keys.even ? SRT_KEY.even : SRT_KEY.odd;
  }

  /** `payload` en- or decrypted for packet `seq` with the key `keyFlags`; raises `SRT_NO_KEY` for an unknown key. */
  crypt(seq: number, keyFlags: number, payload: Uint8Array): Uint8Array {
    const key = keyFlags === SRT_KEY.even ? this.keys.even : keyFlags === SRT_KEY.odd ? this.keys.odd : undefined;
    if (key === undefined) throw new ProtocolError('SRT_NO_KEY', `no stream key for key flags ${keyFlags}`);
    const iv = Buffer.alloc(16);
    iv.set(this.keys.salt.subarray(0, 14));
    iv.writeUInt32BE((iv.readUInt32BE(10) ^ seq) >>> 0, 10);
    const c = createCipheriv(`aes-${key.length * 8}-ctr`, key, iv);
    return new Uint8Array(Buffer.concat([c.update(payload), c.final()]));
  }
}
