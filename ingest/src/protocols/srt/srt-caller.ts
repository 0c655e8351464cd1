import { ProtocolError } from '../protocol-error.js';
import {
  decodeHandshake,
  decodeHsReq,
  encodeHsReq,
  encodeStreamIdBlock,
  SRT_FLAG,
  SRT_HS_EXT,
  SRT_HS_EXT_FLAG,
  SRT_HS_TYPE,
  SRT_MAGIC_CODE,
  type SrtHandshake,
} from './srt-handshake.js';
import { decodeKeyMaterial, encodeKeyMaterial, generateStreamKeys, type SrtStreamKeys, wrapStreamKeys } from './srt-key-material.js';
import { SRT_VERSION } from './srt-listener.js';
import { srtHandshakePacket } from './srt-handshake-packet.js';
import { SRT_CONTROL, type SrtControlPacket } from './srt-packet.js';

/** What the caller asks for. */
export interface SrtCallerOptions {
  /** Our socket id (the listener's packets will carry it). */
  readonly socketId: number;
  /** Our initial sequence number (both directions start there, HSv5). */
  readonly initialSeq: number;
  /** Stream id sent in the SID extension ('' sends none). */
  readonly streamId: string;
  /** Encrypt with this passphrase (10-79 characters), or not at all. */
  readonly passphrase?: string;
  /** Stream key length in bytes (16, 24, 32); default 16 (libsrt's pbkeylen default). */
  readonly keyLength?: 16 | 24 | 32;
  /** Stream keys to offer (default: fresh random ones). */
  readonly keys?: SrtStreamKeys;
  /** Our TSBPD latency (ms), both directions; the larger of ours and the listener's wins. */
  readonly latencyMs: number;
  readonly mtu: number;
  readonly windowPackets: number;
}

/** What an accepted conclusion settled, for the connection. */
export interface SrtCallerEstablished {
  readonly peerSocketId: number;
  readonly recvLatencyMs: number;
  readonly sendLatencyMs: number;
  readonly mtu: number;
  readonly flowWindow: number;
  /** The stream keys both sides use (encrypted connections). */
  readonly keys?: SrtStreamKeys;
}

/** What to do after one handshake packet from the listener. */
export type SrtCallerStep =
  | { readonly kind: 'send'; readonly packet: Uint8Array }
  | { readonly kind: 'established'; readonly connection: SrtCallerEstablished }
  | { readonly kind: 'ignore' };

/**
 * The caller half of the HSv5 handshake (SRT draft §4.3.1.1), sans-I/O: {@link start} gives the
 * induction (version 4, as libsrt sends it); the listener's induction answer (version 5, the SRT
 * magic, a SYN cookie) is answered with the conclusion (HSREQ with our latency, KMREQ with the
 * stream keys wrapped by the passphrase, the stream id); the conclusion answer (HSRSP, KMRSP)
 * establishes the connection. A rejection (type 1000 + reason) raises ProtocolError
 * `SRT_REJECTED` naming the reason; a KMRSP that is only a state (the listener has no or another
 * passphrase) raises `SRT_BAD_SECRET`. {@link request} repeats the last request: the server
 * resends it until an answer comes or its handshake deadline passes (UDP loses packets).
 */
export class SrtCaller {
  private current: Uint8Array;
  private phase: 'induction' | 'conclusion' | 'done' = 'induction';
  private readonly keys: SrtStreamKeys | undefined;
  private readonly keyLength: number;

  constructor(private readonly options: SrtCallerOptions) {
    this.keyLength = options.keyLength ?? 16;
    this.keys = options.passphrase === undefined ? undefined : (options.keys ?? generateStreamKeys(this.keyLength));
    const induction: SrtHandshake = {
      version: 4,
      encryption: 0,
      extension: 2, // UDT_DGRAM
      initialSeq: options.initialSeq,
      mtu: options.mtu,
      flowWindow: options.windowPackets,
      type: SRT_HS_TYPE.induction,
      socketId: options.socketId,
      cookie: 0,
      peerIp: new Uint8Array(16),
      extensions: [],
    };
    this.current = srtHandshakePacket(induction, 0, 0);
  }

  /** The request to send now (the induction first, then the conclusion); resend it until answered. */
  request(): Uint8Array {
    return this.current;
  }

  /** Our initial sequence number (the connection's, both directions). */
  get initialSeq(): number {
    return this.options.initialSeq;
  }

  /** True once the connection is established. */
  get established(): boolean {
    return this.phase === 'done';
  }

  /** One handshake packet addressed to us. Raises ProtocolError for a rejection or a malformed answer. */
  handle(p: SrtControlPacket, now: number): SrtCallerStep {
    if (p.type !== SRT_CONTROL.handshake || this.phase === 'done') return { kind: 'ignore' };
    const hs = decodeHandshake(p.cif);
    if (hs.type >= 1000 && hs.type < 0xfffffff0) {
      throw new ProtocolError('SRT_REJECTED', `the listener rejected the connection: reason ${hs.type - 1000}`);
    }
    if (this.phase === 'induction') {
      if (hs.type !== SRT_HS_TYPE.induction) return { kind: 'ignore' };
      if (hs.version !== 5 || hs.extension !== SRT_MAGIC_CODE) throw new ProtocolError('SRT_HANDSHAKE_VERSION', `listener speaks HSv${hs.version} without the SRT magic (HSv5 only)`);
      this.current = srtHandshakePacket(this.conclusion(hs.cookie), 0, now);
      this.phase = 'conclusion';
      return { kind: 'send', packet: this.current };
    }
    if (hs.type !== SRT_HS_TYPE.conclusion) return { kind: 'ignore' };
    return { kind: 'established', connection: this.settle(hs) };
  }

  private conclusion(cookie: number): SrtHandshake {
    const o = this.options;
    const flags = SRT_FLAG.tsbpdSnd | SRT_FLAG.tsbpdRcv | SRT_FLAG.crypt | SRT_FLAG.tlpktDrop | SRT_FLAG.periodicNak | SRT_FLAG.rexmitFlag;
    const extensions: { type: number; data: Uint8Array }[] = [{ type: SRT_HS_EXT.hsreq, data: encodeHsReq({ srtVersion: SRT_VERSION, flags, recvLatencyMs: o.latencyMs, sendLatencyMs: o.latencyMs }) }];
    if (this.keys !== undefined) extensions.push({ type: SRT_HS_EXT.kmreq, data: encodeKeyMaterial(wrapStreamKeys(o.passphrase!, this.keys, this.keyLength)) });
    if (o.streamId !== '') extensions.push({ type: SRT_HS_EXT.sid, data: encodeStreamIdBlock(o.streamId) });
    return {
      version: 5,
      encryption: this.keys !== undefined ? this.keyLength / 8 : 0,
      extension: SRT_HS_EXT_FLAG.hsreq | (this.keys !== undefined ? SRT_HS_EXT_FLAG.kmreq : 0) | (o.streamId !== '' ? SRT_HS_EXT_FLAG.config : 0),
      initialSeq: o.initialSeq,
      mtu: o.mtu,
      flowWindow: o.windowPackets,
      type: SRT_HS_TYPE.conclusion,
      socketId: o.socketId,
      cookie,
      peerIp: new Uint8Array(16),
      extensions,
    };
  }

  private settle(hs: SrtHandshake): SrtCallerEstablished {
    const rsp = hs.extensions.find((e) => e.type === SRT_HS_EXT.hsrsp);
    if (rsp === undefined) throw new ProtocolError('SRT_BAD_HANDSHAKE', 'conclusion answer without HSRSP');
    const hsrsp = decodeHsReq(rsp.data);
    if (this.keys !== undefined) {
      const km = hs.extensions.find((e) => e.type === SRT_HS_EXT.kmrsp);
      // A KMRSP of one word is a state (no secret, bad secret): the listener cannot decrypt us.
      if (km === undefined || km.data.length <= 4) throw new ProtocolError('SRT_BAD_SECRET', 'the listener did not take our key material (no or another passphrase)');
      decodeKeyMaterial(km.data);
    }
    this.phase = 'done';
    return {
      peerSocketId: hs.socketId,
      // HSRSP: the listener's receiving latency is our sending one, and the reverse.
      recvLatencyMs: Math.max(this.options.latencyMs, hsrsp.sendLatencyMs),
      sendLatencyMs: Math.max(this.options.latencyMs, hsrsp.recvLatencyMs),
      mtu: Math.min(this.options.mtu, hs.mtu),
      flowWindow: Math.max(32, Math.min(this.options.windowPackets, hs.flowWindow)),
      ...(this.keys !== undefined ? { keys: this.keys } : {}),
    };
  }
}
