import { ProtocolError } from '../protocol-error.js';
import {
  decodeHandshake,
  decodeHsReq,
  decodeStreamIdBlock,
  encodeHsReq,
  encodePeerIp,
  SRT_FLAG,
  SRT_HS_EXT,
  SRT_HS_EXT_FLAG,
  SRT_HS_TYPE,
  SRT_MAGIC_CODE,
  SRT_REJECT,
  srtRejectionType,
  type SrtHandshake,
  type SrtHsReq,
} from './srt-handshake.js';
import { decodeKeyMaterial, unwrapStreamKeys, type SrtKeyMaterial, type SrtStreamKeys } from './srt-key-material.js';
import type { SrtKeyDerivations } from './srt-key-derivations.js';
import { srtHandshakePacket } from './srt-handshake-packet.js';
import type { SrtControlPacket } from './srt-packet.js';
import { srtSynCookie, verifySrtSynCookie } from './srt-syn-cookie.js';

/** The listener's side of every handshake. */
export interface SrtListenerOptions {
  /** Key of the SYN cookies (random per process). */
  readonly secret: Uint8Array;
  /** Required passphrase (AES), or none: unencrypted only. */
  readonly passphrase?: string;
  /** Our TSBPD latency (ms), both directions; the larger of ours and the caller's wins. */
  readonly latencyMs: number;
  /** Largest MTU we accept (bytes, UDP payload + 28). */
  readonly mtu: number;
  /** Our flow window (packets). */
  readonly windowPackets: number;
  /** Bounded, cached key derivations (without it every conclusion with key material runs PBKDF2). */
  readonly keyDerivations?: SrtKeyDerivations;
  /**
   * Whether a stream id's key material is the user's own (a user named without a password: the
   * password is the passphrase). Such a conclusion is handed on with the key material still
   * wrapped ({@link SrtConclusion.km}); the server unwraps it once the user's password is known.
   */
  readonly userKeyed?: (streamId: string) => boolean;
}

/** The library version we announce in HSRSP (what we implement: libsrt 1.5 live mode). */
export const SRT_VERSION = 0x010501;

/** A valid conclusion, waiting for the server's decision (auth, hub). */
export interface SrtConclusion {
  readonly peerSocketId: number;
  readonly initialSeq: number;
  readonly mtu: number;
  readonly flowWindow: number;
  /** The caller's stream id ('' when it sent none). */
  readonly streamId: string;
  readonly hsreq: SrtHsReq;
  /** Stream keys (with a passphrase) and the KMREQ block the KMRSP echoes. */
  readonly keys?: SrtStreamKeys;
  readonly kmBlock?: Uint8Array;
  readonly keyLength?: number;
  /** Key material still wrapped with the user's password (see SrtListenerOptions.userKeyed). */
  readonly km?: SrtKeyMaterial;
  readonly request: SrtHandshake;
}

/** What to do with one handshake packet addressed to the listener. */
export type SrtHandshakeResult =
  | { readonly kind: 'reply'; readonly packet: Uint8Array }
  | { readonly kind: 'reject'; readonly packet: Uint8Array; readonly reason: number; readonly code: string }
  | { readonly kind: 'conclusion'; readonly conclusion: SrtConclusion }
  | { readonly kind: 'ignore'; readonly code: string };

/** The caller's address as the handshake's peer-IP field and cookie see it. */
export interface SrtPeerAddress {
  readonly address: string;
  readonly port: number;
}

/**
 * The stateless listener half of the HSv5 handshake (SRT draft §4.3.1): an induction gets the
 * SYN cookie and the SRT magic; a conclusion with a valid cookie is checked (version, live mode,
 * no packet filter or group, the stream id, encryption against our passphrase: none on one side
 * only is `SRT_REJ_UNSECURE`, a key that does not unwrap `SRT_REJ_BADSECRET`) and handed to the
 * server as a {@link SrtConclusion}. Malformed packets raise ProtocolError; nothing is kept.
 */
export function handleSrtHandshake(p: SrtControlPacket, peer: SrtPeerAddress, now: number, options: SrtListenerOptions): SrtHandshakeResult {
  const hs = decodeHandshake(p.cif);
  if (hs.type === SRT_HS_TYPE.induction) {
    const answer: SrtHandshake = {
      ...hs,
      version: 5,
      encryption: 0,
      extension: SRT_MAGIC_CODE,
      cookie: srtSynCookie(options.secret, peer.address, peer.port, now),
      peerIp: encodePeerIp(peer.address),
      extensions: [],
    };
    return { kind: 'reply', packet: srtHandshakePacket(answer, hs.socketId, now) };
  }
  if (hs.type !== SRT_HS_TYPE.conclusion) return { kind: 'ignore', code: 'SRT_UNEXPECTED_HANDSHAKE' };
  if (!verifySrtSynCookie(options.secret, peer.address, peer.port, hs.cookie, now)) {
    return reject(hs, SRT_REJECT.rogue, 'SRT_BAD_COOKIE', now);
  }
  if (hs.version !== 5) return reject(hs, SRT_REJECT.version, 'SRT_HANDSHAKE_VERSION', now);
  let hsreq: SrtHsReq | undefined;
  let streamId = '';
  let kmBlock: Uint8Array | undefined;
  for (const e of hs.extensions) {
    switch (e.type) {
      case SRT_HS_EXT.hsreq:
        hsreq = decodeHsReq(e.data);
        break;
      case SRT_HS_EXT.kmreq:
        kmBlock = e.data;
        break;
      case SRT_HS_EXT.sid:
        streamId = decodeStreamIdBlock(e.data);
        break;
      case SRT_HS_EXT.congestion: {
        const cc = decodeStreamIdBlock(e.data);
        if (cc !== 'live') return reject(hs, SRT_REJECT.congestion, 'SRT_NOT_LIVE', now);
        break;
      }
      case SRT_HS_EXT.filter:
        return reject(hs, SRT_REJECT.filter, 'SRT_PACKET_FILTER', now);
      case SRT_HS_EXT.group:
        return reject(hs, SRT_REJECT.group, 'SRT_GROUP', now);
      default:
        break;
    }
  }
  if (hsreq === undefined) throw new ProtocolError('SRT_BAD_HANDSHAKE', 'HSv5 conclusion without HSREQ');
  if ((hsreq.flags & SRT_FLAG.stream) !== 0) return reject(hs, SRT_REJECT.messageApi, 'SRT_NOT_LIVE', now);
  if (hs.mtu < 76) throw new ProtocolError('SRT_BAD_HANDSHAKE', `MTU ${hs.mtu} < 76`);
  if (hs.flowWindow < 32) throw new ProtocolError('SRT_BAD_HANDSHAKE', `flow window ${hs.flowWindow} < 32`);
  const base = { peerSocketId: hs.socketId, initialSeq: hs.initialSeq, mtu: Math.min(hs.mtu, options.mtu), flowWindow: hs.flowWindow, streamId, hsreq, request: hs };
  if (kmBlock !== undefined && options.userKeyed?.(streamId) === true) {
    const km = decodeKeyMaterial(kmBlock);
    return { kind: 'conclusion', conclusion: { ...base, km, kmBlock, keyLength: km.keyLength } };
  }
  if (options.passphrase === undefined) {
    if (kmBlock !== undefined) return reject(hs, SRT_REJECT.unsecure, 'SRT_UNEXPECTED_ENCRYPTION', now);
    return { kind: 'conclusion', conclusion: base };
  }
  if (kmBlock === undefined) return reject(hs, SRT_REJECT.unsecure, 'SRT_ENCRYPTION_REQUIRED', now);
  const km = decodeKeyMaterial(kmBlock);
  // PBKDF2 is the one costly step of a handshake: bounded per address and in all, cached per salt.
  const kek = options.keyDerivations?.kek(options.passphrase, km.salt, km.keyLength, peer.address, now);
  if (options.keyDerivations !== undefined && kek === undefined) return { kind: 'ignore', code: 'SRT_KEY_DERIVATION_THROTTLED' };
  let keys: SrtStreamKeys;
  try {
    keys = unwrapStreamKeys(options.passphrase, km, kek);
  } catch (err) {
    if (err instanceof ProtocolError && err.code === 'SRT_BAD_SECRET') return reject(hs, SRT_REJECT.badSecret, 'SRT_BAD_SECRET', now);
    throw err;
  }
  return { kind: 'conclusion', conclusion: { ...base, keys, kmBlock, keyLength: km.keyLength } };
}

/** What an accepted conclusion settled, for the connection. */
export interface SrtAccepted {
  readonly packet: Uint8Array;
  readonly recvLatencyMs: number;
  readonly sendLatencyMs: number;
  readonly mtu: number;
  readonly flowWindow: number;
}

/**
 * The conclusion answer that opens the connection: HSRSP with the latencies (each direction the
 * larger of the two sides', SRT draft §4.4), our flags, and the KMRSP (the caller's key material
 * echoed) when encrypted.
 */
export function acceptSrtConclusion(c: SrtConclusion, socketId: number, peer: SrtPeerAddress, now: number, options: SrtListenerOptions): SrtAccepted {
  const recvLatencyMs = Math.max(options.latencyMs, c.hsreq.sendLatencyMs);
  const sendLatencyMs = Math.max(options.latencyMs, c.hsreq.recvLatencyMs);
  const flowWindow = Math.min(c.flowWindow, options.windowPackets);
  const flags = SRT_FLAG.tsbpdSnd | SRT_FLAG.tsbpdRcv | SRT_FLAG.crypt | SRT_FLAG.tlpktDrop | SRT_FLAG.periodicNak | SRT_FLAG.rexmitFlag;
  const extensions: { type: number; data: Uint8Array }[] = [{ type: SRT_HS_EXT.hsrsp, data: encodeHsReq({ srtVersion: SRT_VERSION, flags, recvLatencyMs, sendLatencyMs }) }];
  if (c.kmBlock !== undefined) extensions.push({ type: SRT_HS_EXT.kmrsp, data: c.kmBlock });
  const answer: SrtHandshake = {
    ...c.request,
    encryption: c.keyLength !== undefined ? c.keyLength / 8 : 0,
    extension: SRT_HS_EXT_FLAG.hsreq | (c.kmBlock !== undefined ? SRT_HS_EXT_FLAG.kmreq : 0),
    mtu: c.mtu,
    flowWindow,
    socketId,
    cookie: 0,
    peerIp: encodePeerIp(peer.address),
    extensions,
  };
  return { packet: srtHandshakePacket(answer, c.peerSocketId, now), recvLatencyMs, sendLatencyMs, mtu: c.mtu, flowWindow };
}

/**
 * A refusal: the caller's handshake sent back with type `1000 + reason` (libsrt shows the reason,
 * e.g. `SRT_REJX_FORBIDDEN` for 1403).
 */
export function rejectSrtConclusion(c: SrtConclusion, reason: number, now: number): Uint8Array {
  return rejectionPacket(c.request, reason, now);
}

function reject(hs: SrtHandshake, reason: number, code: string, now: number): SrtHandshakeResult {
  return { kind: 'reject', packet: rejectionPacket(hs, reason, now), reason, code };
}

function rejectionPacket(hs: SrtHandshake, reason: number, now: number): Uint8Array {
  return srtHandshakePacket({ ...hs, type: srtRejectionType(reason), extensions: [] }, hs.socketId, now);
}
