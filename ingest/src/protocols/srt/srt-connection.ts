import { ProtocolError } from '../protocol-error.js';
import { randomBytes } from 'node:crypto';
import { decodeKeyMaterial, encodeKeyMaterial, SRT_KM_STATE, SrtPayloadCipher, unwrapStreamKeys, wrapStreamKeys, type SrtStreamKeys } from './srt-key-material.js';
import {
  decodeAck,
  decodeDropRequest,
  decodeLossList,
  encodeAck,
  encodeDropRequest,
  encodeLossList,
  encodeSrtPacket,
  SRT_CONTROL,
  SRT_KEY,
  SRT_POSITION,
  type SrtLossRange,
  type SrtPacket,
} from './srt-packet.js';
import { SrtReceiver, type SrtReceiverStats } from './srt-receiver.js';
import { SrtSender, type SrtSenderStats } from './srt-sender.js';
import { LIMITS } from '../limits.js';
import type { SrtByteBudget } from './srt-byte-budget.js';

/** What the handshake settled for one connection. */
export interface SrtConnectionOptions {
  /** Our socket id (the peer's packets carry it) and the peer's. */
  readonly socketId: number;
  readonly peerSocketId: number;
  /** The caller's ISN: both directions start there (HSv5). */
  readonly initialSeq: number;
  /** TSBPD delay of our receiving, and of the peer's (ms). */
  readonly recvLatencyMs: number;
  readonly sendLatencyMs: number;
  /** The peer's flow window (packets). */
  readonly peerFlowWindow: number;
  /** Our window: packets held per direction. */
  readonly windowPackets: number;
  /** Payload bytes our receiving may hold (this peer's share of the budget). */
  readonly maxReceiveBytes: number;
  /** The listener-wide budget of held bytes. */
  readonly sharedBudget?: SrtByteBudget;
  /** Payload encryption, when a passphrase was agreed. */
  readonly cipher?: SrtPayloadCipher;
  /** The passphrase, for keys the peer announces later (in-band KMREQ). */
  readonly passphrase?: string;
  /** The key-encrypting key of a salt the peer announces later; undefined when the derivation budget is spent (the refresh is refused). */
  readonly kek?: (salt: Uint8Array, keyLength: number) => Uint8Array | undefined;
  /**
   * When our sending is encrypted: packets sent with one stream key before the next replaces it,
   * and how many before (and after) the switch both keys are announced (libsrt's
   * SRTO_KMREFRESHRATE and SRTO_KMPREANNOUNCE; default {@link SRT_KEY_REFRESH}).
   */
  readonly keyRefresh?: SrtKeyRefresh;
  /** Close when nothing came for this long (libsrt's default peer idle timeout is 5 s). */
  readonly peerIdleTimeoutMs: number;
  /** Pacing of our sending. */
  readonly sendBytesPerSecond: number;
  /** Our clock at the handshake (ms): packet timestamps count from here. */
  readonly start: number;
}

/** How often the sender's stream key is replaced (counted in data packets sent first time). */
export interface SrtKeyRefresh {
  readonly refreshPackets: number;
  /** At most half of refreshPackets. */
  readonly preAnnouncePackets: number;
}

/**
 * libsrt's defaults (HaiCrypt): a new key every 2^24 packets, announced 2^12 packets before it
 * is used and the old one retired 2^12 packets after. AES-CTR's counter is the packet sequence
 * number (31 bits): one key over a sequence wrap would repeat its keystream.
 */
export const SRT_KEY_REFRESH: SrtKeyRefresh = { refreshPackets: 1 << 24, preAnnouncePackets: 1 << 12 };

/** An announced key material (KMREQ) sent again until the peer answers (libsrt: 10 tries, every 1.5 RTT). */
interface PendingKeyAnnounce {
  readonly cif: Uint8Array;
  sentAt: number;
  tries: number;
}
const KM_MAX_TRIES = 10;

/** Why a connection ended on its own. */
export type SrtCloseReason = 'peer-shutdown' | 'peer-idle-timeout';

const ACK_INTERVAL_MS = 10; // SRT's SYN interval
const KEEPALIVE_MS = 1000;
const MIN_NAK_INTERVAL_MS = 20;
const MAX_NAK_WORDS = 350; // one NAK stays under a 1500-byte datagram
const ACK_HISTORY = 64;

/**
 * One established live SRT connection (sans-I/O): packets in through {@link handle}, time through
 * {@link tick}, messages out through {@link send}; what to put on the wire and what arrived in
 * order are collected until {@link take}. Both halves run at once (a publisher only sends, a
 * player only receives, but ACK/NAK flow both ways).
 */
export class SrtConnection {
  private readonly receiver: SrtReceiver;
  private readonly sender: SrtSender;
  private cipher: SrtPayloadCipher | undefined;
  private outbox: Uint8Array[] = [];
  private delivered: Uint8Array[] = [];
  private lastReceived: number;
  private lastSent: number;
  private lastAckAt = -Infinity;
  private lastAckSeq = -1;
  private ackNumber = 1;
  private readonly ackTimes = new Map<number, number>();
  private rttMs = 100;
  private rttVarMs = 50;
  private gotData = false;
  private bytesRecvWindow = 0;
  private packetsRecvWindow = 0;
  private rateWindowStart: number;
  private packetsPerSecond = 0;
  private bytesPerSecond = 0;
  /** Set once the connection ended on its own. */
  closed: SrtCloseReason | undefined;
  /** Data packets that could not be decrypted (wrong or missing key) or were encrypted unexpectedly. */
  undecryptable = 0;
  /** Control packets refused as malformed (each is dropped; the connection goes on). */
  badControl = 0;
  /** Stream keys our sending has switched to since the handshake. */
  keySwitches = 0;
  /** The key flags of our data packets (even or odd). */
  private sendKey: number;
  /** Data packets sent first time with the current send key. */
  private keyPackets = 0;
  /** Where the send key's refresh is: the next key announced, or the old one still announced after the switch. */
  private keyPhase: 'steady' | 'announced' | 'switched' = 'steady';
  private keyAnnounce: PendingKeyAnnounce | undefined;
  /** The peer answered the announce of the next key: it can decrypt with it. */
  private nextKeyHeld = false;

  constructor(private readonly options: SrtConnectionOptions) {
    this.cipher = options.cipher;
    this.sendKey = options.cipher?.sendKey ?? SRT_KEY.none;
    this.receiver = new SrtReceiver({
      initialSeq: options.initialSeq,
      latencyMs: options.recvLatencyMs,
      windowPackets: options.windowPackets,
      maxBytes: options.maxReceiveBytes,
      ...(options.sharedBudget ? { shared: options.sharedBudget } : {}),
    });
    this.sender = new SrtSender({
      initialSeq: options.initialSeq,
      windowPackets: Math.max(32, Math.min(options.windowPackets, options.peerFlowWindow)),
      maxQueuedPackets: options.windowPackets,
      // libsrt's sender gives up a packet at latency × 1.25 + 1 s (SND_DROP_DELAY); so do we.
      dropAfterMs: options.sendLatencyMs * 1.25 + 1000,
      bytesPerSecond: options.sendBytesPerSecond,
      burstBytes: Math.max(64 * 1024, options.sendBytesPerSecond / 50),
    });
    this.lastReceived = options.start;
    this.lastSent = options.start;
    this.rateWindowStart = options.start;
  }

  /** Receive and send counters. */
  get stats(): { receiver: SrtReceiverStats; sender: SrtSenderStats; rttMs: number; undecryptable: number; badControl: number; keySwitches: number } {
    return { receiver: this.receiver.stats, sender: this.sender.stats, rttMs: this.rttMs, undecryptable: this.undecryptable, badControl: this.badControl, keySwitches: this.keySwitches };
  }

  /** Payload bytes held for this peer (receive side). */
  get bytesHeld(): number {
    return this.receiver.bytesHeld;
  }

  /** Messages waiting to be sent (the player's backpressure signal). */
  get queuedPackets(): number {
    return this.sender.queuedPackets;
  }

  /** Packets to put on the wire and payloads that arrived in order since the last call. */
  take(): { packets: Uint8Array[]; payloads: Uint8Array[] } {
    const out = { packets: this.outbox, payloads: this.delivered };
    this.outbox = [];
    this.delivered = [];
    return out;
  }

  /** One packet from the peer (its destination socket id was ours). */
  handle(p: SrtPacket, now: number): void {
    this.lastReceived = now;
    if (p.kind === 'data') {
      this.onData(p.seq, p.keyFlags, p.timestamp, p.payload, now);
      return;
    }
    try {
      this.onControl(p.type, p.subtype, p.typeInfo, p.cif, now);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.badControl++;
    }
  }

  /** Queues one message (≤ the negotiated payload size); false when the send queue is full. */
  send(payload: Uint8Array, now: number): boolean {
    const ok = this.sender.queue(payload, this.timestamp(now));
    this.pump(now);
    return ok;
  }

  /** Time passes: idle check, too-late drop, NAK repeats, ACK, pacing, keepalive. */
  tick(now: number): void {
    if (this.closed) return;
    if (now - this.lastReceived > this.options.peerIdleTimeoutMs) {
      this.closed = 'peer-idle-timeout';
      return;
    }
    // Repeat NAKs twice per RTT (libsrt's NAK report acceleration), but at least four times within
    // the latency: before the RTT is measured the 100 ms guess would leave one try per window.
    const nakInterval = Math.max(MIN_NAK_INTERVAL_MS, Math.min((this.rttMs + 4 * this.rttVarMs) / 2, this.options.recvLatencyMs / 4));
    const r = this.receiver.tick(now, nakInterval);
    this.delivered.push(...r.deliver);
    if (r.nak.length > 0) this.sendNak(r.nak, now);
    if (now - this.rateWindowStart >= 1000) {
      const seconds = (now - this.rateWindowStart) / 1000;
      this.packetsPerSecond = Math.round(this.packetsRecvWindow / seconds);
      this.bytesPerSecond = Math.round(this.bytesRecvWindow / seconds);
      this.packetsRecvWindow = 0;
      this.bytesRecvWindow = 0;
      this.rateWindowStart = now;
    }
    if (this.gotData && now - this.lastAckAt >= ACK_INTERVAL_MS) this.sendAck(now);
    this.pump(now);
    const km = this.keyAnnounce;
    if (km !== undefined && now - km.sentAt >= Math.max(ACK_INTERVAL_MS, (this.rttMs * 3) / 2)) {
      if (km.tries < KM_MAX_TRIES) this.announceKeys(km.cif, now, km.tries + 1);
      else {
        // Unanswered: keep the current key and announce a fresh next one with the next packet.
        this.keyAnnounce = undefined;
        if (this.keyPhase === 'announced') this.keyPhase = 'steady';
      }
    }
    if (now - this.lastSent >= KEEPALIVE_MS) this.control(SRT_CONTROL.keepalive, 0, 0, new Uint8Array(4), now);
  }

  /** Frees what the receiver holds (the connection is gone). */
  release(): void {
    this.receiver.release();
  }

  /** Ends the connection from our side: a SHUTDOWN for the peer. */
  shutdown(now: number): void {
    this.control(SRT_CONTROL.shutdown, 0, 0, new Uint8Array(4), now);
  }

  private onData(seq: number, keyFlags: number, timestamp: number, payload: Uint8Array, now: number): void {
    let clear = payload;
    if (keyFlags !== SRT_KEY.none || this.cipher !== undefined) {
      if (this.cipher === undefined || !this.cipher.has(keyFlags)) {
        this.undecryptable++;
        return;
      }
      clear = this.cipher.crypt(seq, keyFlags, payload);
    }
    this.gotData = true;
    this.packetsRecvWindow++;
    this.bytesRecvWindow += payload.length;
    const r = this.receiver.receive(seq, timestamp, clear, now);
    this.delivered.push(...r.deliver);
    if (r.nak.length > 0) this.sendNak(r.nak, now);
  }

  private onControl(type: number, subtype: number, typeInfo: number, cif: Uint8Array, now: number): void {
    switch (type) {
      case SRT_CONTROL.ack: {
        const ack = decodeAck(cif);
        this.sender.ack(ack.lastAcked);
        // A light ACK (4 bytes) is not acknowledged (SRT draft §3.2.4).
        if (cif.length >= 16) this.control(SRT_CONTROL.ackack, 0, typeInfo, new Uint8Array(4), now);
        this.pump(now);
        return;
      }
      case SRT_CONTROL.ackack: {
        const sentAt = this.ackTimes.get(typeInfo);
        if (sentAt === undefined) return;
        this.ackTimes.delete(typeInfo);
        const sample = now - sentAt;
        this.rttVarMs = 0.75 * this.rttVarMs + 0.25 * Math.abs(this.rttMs - sample);
        this.rttMs = 0.875 * this.rttMs + 0.125 * sample;
        return;
      }
      case SRT_CONTROL.nak: {
        const gone = this.sender.nak(decodeLossList(cif, LIMITS.srtMaxLossRanges));
        for (const g of gone.slice(0, 4)) this.control(SRT_CONTROL.dropreq, 0, 0, encodeDropRequest(g.from, g.to), now);
        this.pump(now);
        return;
      }
      case SRT_CONTROL.dropreq: {
        const r = decodeDropRequest(cif);
        this.delivered.push(...this.receiver.dropRequest(r.from, r.to));
        return;
      }
      case SRT_CONTROL.shutdown:
        this.closed = 'peer-shutdown';
        return;
      case SRT_CONTROL.user:
        // In-band key refresh (HSv5 sends KMREQ as a user control packet, subtype 3), and the
        // peer's answer to ours (KMRSP, subtype 4: the key material echoed, or a state word).
        if (subtype === 3) this.onKeyRefresh(cif, now);
        else if (subtype === 4) this.onKeyAnswer(cif);
        return;
      default:
        // keepalive, handshake repeats (the listener answers those), congestion warnings, peer errors
        return;
    }
  }

  private onKeyRefresh(cif: Uint8Array, now: number): void {
    if (this.options.passphrase === undefined || this.cipher === undefined) {
      this.control(SRT_CONTROL.user, 4, 0, stateWord(SRT_KM_STATE.noSecret), now);
      return;
    }
    let keys: SrtStreamKeys;
    try {
      const km = decodeKeyMaterial(cif);
      let kek: Uint8Array | undefined;
      if (this.options.kek !== undefined) {
        kek = this.options.kek(km.salt, km.keyLength);
        if (kek === undefined) throw new ProtocolError('SRT_KEY_DERIVATION_THROTTLED', 'key refresh refused: key derivations of this address used up');
      }
      keys = unwrapStreamKeys(this.options.passphrase, km, kek);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.control(SRT_CONTROL.user, 4, 0, stateWord(SRT_KM_STATE.badSecret), now);
      return;
    }
    this.cipher = this.cipher.withKeys(keys);
    this.control(SRT_CONTROL.user, 4, 0, encodeKeyMaterial(decodeKeyMaterial(cif)), now);
  }

  private pump(now: number): void {
    // A tail loss is repaired after one retransmission timeout: RTT + 4 RTTVar plus the ACK period.
    const rtoMs = this.rttMs + 4 * this.rttVarMs + ACK_INTERVAL_MS;
    for (const o of this.sender.pump(now, rtoMs)) {
      if (this.cipher !== undefined && !o.retransmitted) this.countKeyUse(now);
      const keyFlags = this.cipher ? this.sendKey : SRT_KEY.none;
      const payload = this.cipher ? this.cipher.crypt(o.seq, keyFlags, o.payload) : o.payload;
      this.outbox.push(
        encodeSrtPacket({
          kind: 'data',
          seq: o.seq,
          position: SRT_POSITION.solo,
          inOrder: false,
          keyFlags,
          retransmitted: o.retransmitted,
          messageNumber: o.messageNumber,
          timestamp: o.timestampUs,
          socketId: this.options.peerSocketId,
          payload,
        }),
      );
      this.lastSent = now;
    }
  }

  /**
   * One more data packet under the send key: at refresh − pre-announce a fresh key for the other
   * slot is announced with the current one (same salt, as HaiCrypt does), at refresh the sending
   * switches to it once the peer answered the announce, and pre-announce packets later the old key
   * is retired (announced alone). Packets sent again after the switch are encrypted with the new key.
   */
  private countKeyUse(now: number): void {
    const passphrase = this.options.passphrase;
    const cipher = this.cipher;
    if (passphrase === undefined || cipher === undefined) return;
    const { refreshPackets, preAnnouncePackets } = this.options.keyRefresh ?? SRT_KEY_REFRESH;
    this.keyPackets++;
    const current = this.sendKey === SRT_KEY.even ? cipher.keys.even : cipher.keys.odd;
    if (current === undefined) return;
    if (this.keyPhase === 'steady' && this.keyPackets >= refreshPackets - preAnnouncePackets) {
      const next = randomBytes(current.length);
      const keys: SrtStreamKeys = this.sendKey === SRT_KEY.even ? { salt: cipher.keys.salt, even: current, odd: next } : { salt: cipher.keys.salt, even: next, odd: current };
      this.cipher = new SrtPayloadCipher(keys);
      this.keyPhase = 'announced';
      this.announceKeys(encodeKeyMaterial(wrapStreamKeys(passphrase, keys, current.length)), now, 1);
    } else if (this.keyPhase === 'announced' && this.keyPackets >= refreshPackets && this.nextKeyHeld) {
      // Only once the peer holds the next key: AES-CTR has no integrity check, so a packet under a
      // key the peer lacks (or holds an older one in that slot) would be played as garbage.
      this.nextKeyHeld = false;
      this.sendKey = this.sendKey === SRT_KEY.even ? SRT_KEY.odd : SRT_KEY.even;
      this.keyPackets = 0;
      this.keySwitches++;
      this.keyPhase = 'switched';
    } else if (this.keyPhase === 'switched' && this.keyPackets >= preAnnouncePackets) {
      const keys: SrtStreamKeys = this.sendKey === SRT_KEY.even ? { salt: cipher.keys.salt, even: current } : { salt: cipher.keys.salt, odd: current };
      this.cipher = new SrtPayloadCipher(keys);
      this.keyPhase = 'steady';
      this.announceKeys(encodeKeyMaterial(wrapStreamKeys(passphrase, keys, current.length)), now, 1);
    }
  }

  /** The peer's KMRSP: our announce echoed means it holds the keys; a state word (no or bad secret) does not. */
  private onKeyAnswer(cif: Uint8Array): void {
    const km = this.keyAnnounce;
    if (km === undefined || cif.length !== km.cif.length || !Buffer.from(cif).equals(km.cif)) return;
    this.keyAnnounce = undefined;
    if (this.keyPhase === 'announced') this.nextKeyHeld = true;
  }

  private announceKeys(cif: Uint8Array, now: number, tries: number): void {
    this.keyAnnounce = { cif, sentAt: now, tries };
    this.control(SRT_CONTROL.user, 3, 0, cif, now);
  }

  private sendAck(now: number): void {
    const seq = this.receiver.ackSeq;
    // An unchanged ACK is repeated only every 100 ms (it keeps the sender's view fresh).
    if (seq === this.lastAckSeq && now - this.lastAckAt < 100) return;
    this.lastAckAt = now;
    this.lastAckSeq = seq;
    const n = this.ackNumber;
    this.ackNumber = this.ackNumber >= 0x7fffffff ? 1 : this.ackNumber + 1;
    this.ackTimes.set(n, now);
    if (this.ackTimes.size > ACK_HISTORY) this.ackTimes.delete(this.ackTimes.keys().next().value!);
    const cif = encodeAck({
      lastAcked: seq,
      rttUs: Math.round(this.rttMs * 1000),
      rttVarUs: Math.round(this.rttVarMs * 1000),
      bufferAvailable: Math.max(2, this.receiver.available),
      packetsPerSecond: this.packetsPerSecond,
      linkCapacity: Math.max(this.packetsPerSecond * 2, 1000),
      bytesPerSecond: this.bytesPerSecond,
    });
    this.control(SRT_CONTROL.ack, 0, n, cif, now);
  }

  private sendNak(ranges: readonly SrtLossRange[], now: number): void {
    let batch: SrtLossRange[] = [];
    let words = 0;
    for (const r of ranges) {
      const w = r.from === r.to ? 1 : 2;
      if (words + w > MAX_NAK_WORDS) {
        this.control(SRT_CONTROL.nak, 0, 0, encodeLossList(batch), now);
        batch = [];
        words = 0;
      }
      batch.push(r);
      words += w;
    }
    if (batch.length > 0) this.control(SRT_CONTROL.nak, 0, 0, encodeLossList(batch), now);
  }

  private control(type: number, subtype: number, typeInfo: number, cif: Uint8Array, now: number): void {
    this.outbox.push(encodeSrtPacket({ kind: 'control', type, subtype, typeInfo, timestamp: this.timestamp(now), socketId: this.options.peerSocketId, cif }));
    this.lastSent = now;
  }

  private timestamp(now: number): number {
    return Math.round((now - this.options.start) * 1000) % 0x100000000;
  }
}

function stateWord(state: number): Uint8Array {
  return Uint8Array.of(0, 0, 0, state);
}
