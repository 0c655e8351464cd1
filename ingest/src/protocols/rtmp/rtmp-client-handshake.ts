import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../protocol-error.js';
import {
  findDigest,
  HANDSHAKE_PACKET_SIZE,
  imprintDigest,
  PLAYER_KEY,
  responseSignature,
  SERVER_KEY,
} from './rtmp-handshake.js';

/** What the client handshake produced for one input: bytes to send, done, bytes after S2. */
export interface ClientHandshakeStep {
  readonly send: Uint8Array[];
  readonly done: boolean;
  readonly rest: Uint8Array;
}

/** The version FFmpeg claims in C1 (9.0.124.2): servers that check for a digest look for one then. */
const CLIENT_VERSION = 0x09007c02;

/**
 * The client side of the RTMP handshake, sans-I/O: `start()` gives C0+C1 (a Flash Player digest
 * in scheme 0, as FFmpeg sends, which servers without digest support simply echo), `push` takes
 * S0+S1+S2 and gives C2: the digest answer when S1 carries a valid server digest, the echo of S1
 * otherwise (the plain handshake). S2 is not checked: servers differ in what they put there.
 */
export class RtmpClientHandshake {
  private pending: Buffer = Buffer.alloc(0);
  private phase: 'start' | 's0s1' | 's2' | 'done' = 'start';
  private readonly random: (size: number) => Uint8Array;

  constructor(opts: { random?: (size: number) => Uint8Array } = {}) {
    this.random = opts.random ?? ((n) => randomBytes(n));
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** C0 + C1. */
  start(): Uint8Array {
    const out = Buffer.alloc(1 + HANDSHAKE_PACKET_SIZE);
    out[0] = 3;
    const c1 = out.subarray(1);
    c1.set(this.random(HANDSHAKE_PACKET_SIZE));
    c1.writeUInt32BE(0, 0);
    c1.writeUInt32BE(CLIENT_VERSION, 4);
    imprintDigest(c1, 0, PLAYER_KEY.subarray(0, 30));
    this.phase = 's0s1';
    return out;
  }

  push(bytes: Uint8Array): ClientHandshakeStep {
    if (this.phase === 'done') return { send: [], done: true, rest: bytes };
    if (this.phase === 'start') throw new ProtocolError('RTMP_OUT_OF_ORDER', 'handshake input before start()');
    this.pending = this.pending.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.pending, bytes]);
    const send: Uint8Array[] = [];
    if (this.phase === 's0s1') {
      if (this.pending.length >= 1 && this.pending[0] !== 3) {
        throw new ProtocolError('RTMP_HANDSHAKE_VERSION', `server answered handshake version ${this.pending[0]}`);
      }
      if (this.pending.length < 1 + HANDSHAKE_PACKET_SIZE) return { send, done: false, rest: new Uint8Array(0) };
      const s1 = this.pending.subarray(1, 1 + HANDSHAKE_PACKET_SIZE);
      send.push(this.answer(s1));
      this.pending = this.pending.subarray(1 + HANDSHAKE_PACKET_SIZE);
      this.phase = 's2';
    }
    if (this.pending.length < HANDSHAKE_PACKET_SIZE) return { send, done: false, rest: new Uint8Array(0) };
    const rest = Uint8Array.from(this.pending.subarray(HANDSHAKE_PACKET_SIZE));
    this.pending = Buffer.alloc(0);
    this.phase = 'done';
    return { send, done: true, rest };
  }

  private answer(s1: Uint8Array): Uint8Array {
    const serverVersion = Buffer.from(s1.subarray(4, 8)).readUInt32BE(0);
    const found = serverVersion === 0 ? undefined : findDigest(s1, SERVER_KEY.subarray(0, 36));
    if (found === undefined) return Uint8Array.from(s1);
    const c2 = Buffer.from(this.random(HANDSHAKE_PACKET_SIZE));
    c2.set(responseSignature(c2, found.digest, PLAYER_KEY), HANDSHAKE_PACKET_SIZE - 32);
    return c2;
  }
}
