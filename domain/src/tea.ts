import { TeaFormatError } from './errors.js';
import { xxteaDecryptBlock, xxteaEncryptBlock } from './xxtea-block.js';

/**
 * Wowza-compatible "TEA" string codec (AUTH-SPEC §1.2–1.4): Corrected Block TEA over the
 * UTF-8 bytes, zero-padded to whole little-endian words (at least two), lowercase hex out.
 * The key is the first 16 bytes of UTF-8(secret), zero-padded. Secrets shorter than 16
 * characters work here but are rejected by configuration (§1.3).
 */

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const HEX_RE = /^[0-9a-fA-F]*$/;

/** Key words from a secret: first 16 bytes of its UTF-8, zero-padded, read as 4 LE words. */
export function teaKey(secret: string): Uint32Array {
  const kb = new Uint8Array(16);
  kb.set(utf8Encoder.encode(secret).subarray(0, 16));
  return bytesToWords(kb);
}

function bytesToWords(bytes: Uint8Array): Uint32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const words = new Uint32Array(bytes.byteLength / 4);
  for (let i = 0; i < words.length; i++) words[i] = view.getUint32(i * 4, true);
  return words;
}

function wordsToBytes(words: Uint32Array): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i], true);
  return bytes;
}

/**
 * Encrypts `plain` under `secret` and returns lowercase hex (8 digits per word, "" for "").
 * Throws TeaFormatError `tea_plaintext_nul` if `plain` holds a NUL: decryption strips
 * trailing NULs, so such a text would not survive the round trip.
 */
export function teaEncrypt(plain: string, secret: string): string {
  if (plain.length === 0) return '';
  if (plain.includes('\0')) throw new TeaFormatError('tea_plaintext_nul', 'TEA plaintext must not contain NUL');
  const text = utf8Encoder.encode(plain);
  // §1.2: zero-pad to a multiple of 4 bytes and to at least 2 words.
  const padded = new Uint8Array(Math.max(8, Math.ceil(text.length / 4) * 4));
  padded.set(text);
  const out = wordsToBytes(xxteaEncryptBlock(bytesToWords(padded), teaKey(secret)));
  let hex = '';
  for (const b of out) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/**
 * Decrypts lowercase or uppercase hex produced by {@link teaEncrypt}. Accepts only
 * `[0-9a-fA-F]` with a length that is a multiple of 8 and ≥ 16 ("" decrypts to ""),
 * strips trailing NUL bytes and decodes strict UTF-8 (§1.3). A wrong secret yields garbage
 * text or `tea_bad_utf8`, never a silent match.
 * Throws TeaFormatError with code `tea_bad_hex`, `tea_bad_length` or `tea_bad_utf8`.
 */
export function teaDecrypt(hex: string, secret: string): string {
  if (hex.length === 0) return '';
  if (!HEX_RE.test(hex)) throw new TeaFormatError('tea_bad_hex', 'TEA ciphertext is not hex');
  if (hex.length % 8 !== 0 || hex.length < 16) {
    throw new TeaFormatError(
      'tea_bad_length',
      `TEA ciphertext length ${hex.length} is not a multiple of 8 hex digits of at least 16`,
    );
  }
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  const plain = wordsToBytes(xxteaDecryptBlock(bytesToWords(bytes), teaKey(secret)));
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;
  try {
    return utf8Decoder.decode(plain.subarray(0, end));
  } catch (err) {
    throw new TeaFormatError('tea_bad_utf8', 'TEA plaintext is not valid UTF-8', { cause: err });
  }
}
