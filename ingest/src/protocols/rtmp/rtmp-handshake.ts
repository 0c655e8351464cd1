import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ProtocolError } from '../protocol-error.js';

/** Size of C1/S1/C2/S2. */
export const HANDSHAKE_PACKET_SIZE = 1536;

const KEY_TAIL = Buffer.from('f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae', 'hex');
/** 'Genuine Adobe Flash Player 001' (+ the 32-byte tail for the full key). */
export const PLAYER_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Player 001', 'latin1'), KEY_TAIL]);
/** 'Genuine Adobe Flash Media Server 001' (+ the 32-byte tail for the full key). */
export const SERVER_KEY = Buffer.concat([Buffer.from('Genuine Adobe Flash Media Server 001', 'latin1'), KEY_TAIL]);
const PLAYER_KEY_OPEN = PLAYER_KEY.subarray(0, 30);
const SERVER_KEY_OPEN = SERVER_KEY.subarray(0, 36);

/** Digest position schemes: scheme 0 reads the offset at bytes 8..11, scheme 1 at 772..775. */
export type DigestScheme = 0 | 1;

/** Where the 32-byte digest sits in a 1536-byte packet for `scheme`. */
export function digestOffset(packet: Uint8Array, scheme: DigestScheme): number {
  const base = scheme === 0 ? 8 : 772;
  const sum = packet[base] + packet[base + 1] + packet[base + 2] + packet[base + 3];
  return (sum % 728) + base + 4;
}

/** HMAC-SHA256 of `packet` without the 32 bytes at `gap`. */
export function packetDigest(packet: Uint8Array, gap: number, key: Uint8Array): Buffer {
  return createHmac('sha256', key)
    .update(packet.subarray(0, gap))
    .update(packet.subarray(gap + 32))
    .digest();
}

/** Finds a valid client digest in C1 made with `key` (scheme 0 tried first, as FFmpeg writes). */
export function findDigest(
  packet: Uint8Array,
  key: Uint8Array = PLAYER_KEY_OPEN,
): { scheme: DigestScheme; offset: number; digest: Buffer } | undefined {
  for (const scheme of [0, 1] as const) {
    const offset = digestOffset(packet, scheme);
    const expected = packetDigest(packet, offset, key);
    if (timingSafeEqual(expected, packet.subarray(offset, offset + 32))) {
      return { scheme, offset, digest: expected };
    }
  }
  return undefined;
}

/** Writes a digest made with `key` into `packet` (in place) at the `scheme` position. */
export function imprintDigest(packet: Uint8Array, scheme: DigestScheme, key: Uint8Array): Buffer {
  const offset = digestOffset(packet, scheme);
  const digest = packetDigest(packet, offset, key);
  packet.set(digest, offset);
  return digest;
}

/** The S2/C2 signature over the first 1504 bytes, keyed on the peer's digest. */
export function responseSignature(packet: Uint8Array, peerDigest: Uint8Array, fullKey: Uint8Array): Buffer {
  const tempKey = createHmac('sha256', fullKey).update(peerDigest).digest();
  return createHmac('sha256', tempKey).update(packet.subarray(0, HANDSHAKE_PACKET_SIZE - 32)).digest();
}

/** Options of the server handshake; `random` is for reproducible tests. */
export interface RtmpServerHandshakeOptions {
  random?: (size: number) => Uint8Array;
  /** Server uptime put in S1's time field. */
  now?: () => number;
}

/** What one `push` produced: bytes to send, whether C2 arrived, and any bytes after C2. */
export interface HandshakeStep {
  readonly send: Uint8Array[];
  readonly done: boolean;
  readonly rest: Uint8Array;
}

/** The defaults of RtmpServerHandshakeOptions, shared by every handshake (not two closures each). */
const randomBytesOf = (n: number): Uint8Array => randomBytes(n);
const zeroClock = (): number => 0;

/**
 * The server side of the RTMP handshake, sans-I/O. Waits for C0+C1, answers S0+S1+S2 at once
 * (digest handshake when C1 carries a valid Flash Player digest in either scheme, else the plain
 * echo of C1), then waits for C2 (not validated: FFmpeg and librtmp send different things).
 */
export class RtmpServerHandshake {
  private pending: Buffer = Buffer.alloc(0);
  private phase: 'c0c1' | 'c2' | 'done' = 'c0c1';
  private readonly random: (size: number) => Uint8Array;
  private readonly now: () => number;
  /** Which handshake the client got, once C1 was seen. */
  kind: 'plain' | 'digest' | undefined;

  constructor(opts: RtmpServerHandshakeOptions = {}) {
    this.random = opts.random ?? randomBytesOf;
    this.now = opts.now ?? zeroClock;
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  push(bytes: Uint8Array): HandshakeStep {
    if (this.phase === 'done') return { send: [], done: true, rest: bytes };
    this.pending = this.pending.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.pending, bytes]);
    const send: Uint8Array[] = [];
    if (this.phase === 'c0c1') {
      if (this.pending.length >= 1) checkVersion(this.pending[0]);
      if (this.pending.length < 1 + HANDSHAKE_PACKET_SIZE) return { send, done: false, rest: new Uint8Array(0) };
      const c1 = this.pending.subarray(1, 1 + HANDSHAKE_PACKET_SIZE);
      send.push(this.answer(c1));
      this.pending = this.pending.subarray(1 + HANDSHAKE_PACKET_SIZE);
      this.phase = 'c2';
    }
    if (this.pending.length < HANDSHAKE_PACKET_SIZE) return { send, done: false, rest: new Uint8Array(0) };
    const rest = this.pending.subarray(HANDSHAKE_PACKET_SIZE);
    this.pending = Buffer.alloc(0);
    this.phase = 'done';
    return { send, done: true, rest };
  }

  private answer(c1: Uint8Array): Buffer {
    const out = Buffer.alloc(1 + 2 * HANDSHAKE_PACKET_SIZE);
    out[0] = 3;
    const s1 = out.subarray(1, 1 + HANDSHAKE_PACKET_SIZE);
    const s2 = out.subarray(1 + HANDSHAKE_PACKET_SIZE);
    s1.set(this.random(HANDSHAKE_PACKET_SIZE));
    s1.writeUInt32BE(this.now() >>> 0, 0);
    // A zero version means "plain handshake" to clients; only claim a version when we sign.
    const clientVersion = Buffer.from(c1.subarray(4, 8)).readUInt32BE(0);
    const found = clientVersion === 0 ? undefined : findDigest(c1);
    if (found === undefined) {
      this.kind = 'plain';
      s1.writeUInt32BE(0, 4);
      s2.set(c1);
      return out;
    }
    this.kind = 'digest';
    s1.writeUInt32BE(0x04050001, 4);
    imprintDigest(s1, found.scheme, SERVER_KEY_OPEN);
    s2.set(this.random(HANDSHAKE_PACKET_SIZE));
    s2.set(responseSignature(s2, found.digest, SERVER_KEY), HANDSHAKE_PACKET_SIZE - 32);
    return out;
  }
}

function checkVersion(version: number): void {
  if (version === 3) return;
  // 'G' (GET) / 'P' (POST, PUT): someone speaks HTTP to the RTMP port.
  if (version === 0x47 || version === 0x50) {
    throw new ProtocolError('RTMP_HTTP_ON_RTMP_PORT', 'HTTP request on the RTMP port');
  }
  throw new ProtocolError('RTMP_HANDSHAKE_VERSION', `Handshake type not implemented: ${version}`);
}
