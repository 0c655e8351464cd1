import { describe, expect, it } from 'vitest';
import { SrtByteBudget } from '#ingest/protocols/srt/srt-byte-budget.js';
import { SrtConnection, type SrtConnectionOptions } from '#ingest/protocols/srt/srt-connection.js';
import { generateStreamKeys, SrtPayloadCipher } from '#ingest/protocols/srt/srt-key-material.js';
import { decodeLossList, decodeSrtPacket, encodeLossList, encodeSrtPacket, SRT_CONTROL, SRT_KEY, type SrtPacket } from '#ingest/protocols/srt/srt-packet.js';
import { SrtReceiver } from '#ingest/protocols/srt/srt-receiver.js';
import { SrtSender } from '#ingest/protocols/srt/srt-sender.js';
import { seededRandom } from '#test/support/feeding.js';

const ISN = 0x7ffffff0; // wraps during the tests

function receiver(overrides: Partial<ConstructorParameters<typeof SrtReceiver>[0]> = {}): SrtReceiver {
  return new SrtReceiver({ initialSeq: ISN, latencyMs: 120, windowPackets: 64, maxBytes: 1 << 20, ...overrides });
}

const payload = (i: number): Uint8Array => Uint8Array.of(i & 0xff, i >> 8);

type Transmit = (bytes: Uint8Array, from: SrtConnection, to: SrtConnection, now: number) => void;

/**
 * Connections `a` and `b` joined by `transmit` (which loses, delays or hands over each packet):
 * `step(now)` ticks both and carries what each sends; `received` is what `b` delivers, as payload() numbers.
 */
function linked(a: SrtConnection, b: SrtConnection, transmit: Transmit): { received: number[]; step(now: number): void } {
  const received: number[] = [];
  const carry = (from: SrtConnection, to: SrtConnection, now: number): void => {
    const out = from.take();
    if (from === b) for (const p of out.payloads) received.push(p[0]! | (p[1]! << 8));
    for (const bytes of out.packets) transmit(bytes, from, to, now);
  };
  return {
    received,
    step(now) {
      a.tick(now);
      b.tick(now);
      carry(a, b, now);
      carry(b, a, now);
    },
  };
}

describe('SrtReceiver', () => {
  it('delivers in order, NAKs a gap at once and fills it from the retransmission', () => {
    const r = receiver();
    expect(r.receive(ISN, 0, payload(0), 0).deliver).toHaveLength(1);
    const gap = r.receive(ISN + 3, 3000, payload(3), 3);
    expect(gap.deliver).toHaveLength(0);
    expect(gap.nak).toEqual([{ from: ISN + 1, to: ISN + 2 }]);
    expect(r.receive(ISN + 2, 2000, payload(2), 5).deliver).toHaveLength(0);
    const filled = r.receive(ISN + 1, 1000, payload(1), 6);
    expect(filled.deliver.map((p) => p[0])).toEqual([1, 2, 3]);
    expect(r.stats).toMatchObject({ lost: 2, recovered: 2, dropped: 0 });
    expect(r.ackSeq).toBe(ISN + 4);
  });

  it('gives a gap up when the packet after it is due (too-late drop) and repeats NAKs until then', () => {
    const r = receiver({ latencyMs: 100 });
    r.receive(ISN, 0, payload(0), 0);
    r.receive(ISN + 2, 20_000, payload(2), 20);
    expect(r.tick(50, 20).nak).toEqual([{ from: ISN + 1, to: ISN + 1 }]);
    expect(r.tick(60, 20).nak).toEqual([]);
    expect(r.tick(119, 20).deliver).toHaveLength(0);
    const late = r.tick(121, 20);
    expect(late.deliver.map((p) => p[0])).toEqual([2]);
    expect(r.stats.dropped).toBe(1);
    expect(r.missing).toBe(0);
  });

  it('holds at most its window and byte budget; later packets are counted as overflow', () => {
    const shared = new SrtByteBudget(10);
    const r = receiver({ windowPackets: 8, shared });
    r.receive(ISN + 1, 0, new Uint8Array(4), 0); // gap at ISN: held
    r.receive(ISN + 1, 0, new Uint8Array(4), 0); // a duplicate takes nothing from the budget
    r.receive(ISN + 2, 0, new Uint8Array(4), 0);
    r.receive(ISN + 3, 0, new Uint8Array(4), 0); // budget of 10 bytes exceeded
    r.receive(ISN + 9, 0, new Uint8Array(1), 0); // beyond the window
    expect(r.stats).toMatchObject({ overflow: 2, duplicates: 1 });
    expect(shared.used).toBe(8);
    r.release();
    expect(shared.used).toBe(0);
  });

  it('recovers everything from random loss and reordering when retransmissions come', () => {
    const random = seededRandom(5);
    const r = receiver({ windowPackets: 256 });
    const got: number[] = [];
    const missing = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const seq = (ISN + i) % 0x80000000;
      if (random() < 0.2) missing.add(i);
      else got.push(...r.receive(seq, i * 1000, payload(i), i).deliver.map((p) => p[0]! | (p[1]! << 8)));
      if (i % 10 === 9) {
        for (const m of [...missing]) {
          missing.delete(m);
          got.push(...r.receive((ISN + m) % 0x80000000, m * 1000, payload(m), i).deliver.map((p) => p[0]! | (p[1]! << 8)));
        }
      }
    }
    expect(got).toEqual(Array.from({ length: 2000 }, (_, i) => i & 0xffff));
  });
});

describe('SrtSender', () => {
  const sender = (): SrtSender =>
    new SrtSender({ initialSeq: ISN, windowPackets: 100, maxQueuedPackets: 50, dropAfterMs: 1000, bytesPerSecond: 1e9, burstBytes: 1e9 });

  it('retransmits what a NAK names, once per NAK, and forgets acknowledged packets', () => {
    const s = sender();
    for (let i = 0; i < 10; i++) s.queue(payload(i), i);
    expect(s.pump(0)).toHaveLength(10);
    s.ack(ISN + 4);
    expect(s.nak([{ from: ISN + 2, to: ISN + 5 }, { from: ISN + 5, to: ISN + 5 }])).toEqual([{ from: ISN + 2, to: ISN + 3 }]);
    const again = s.pump(1);
    expect(again.map((p) => [p.seq, p.retransmitted])).toEqual([
      [ISN + 4, true],
      [ISN + 5, true],
    ]);
  });

  it('sends an unacknowledged tail again once the sender has been quiet for the RTO (no later packet told the peer of the loss)', () => {
    const s = sender();
    for (let i = 0; i < 5; i++) s.queue(payload(i), i);
    expect(s.pump(0, 50)).toHaveLength(5);
    // The peer got the first three; the last two were lost and nothing came after them.
    s.ack(ISN + 3);
    expect(s.pump(49, 50)).toEqual([]);
    expect(s.pump(50, 50).map((p) => [p.seq, p.retransmitted])).toEqual([
      [(ISN + 3) % 0x80000000, true],
      [(ISN + 4) % 0x80000000, true],
    ]);
    // Once per RTO, and not while new packets keep going out (the peer sees the gap and NAKs).
    expect(s.pump(60, 50)).toEqual([]);
    s.queue(payload(5), 5);
    expect(s.pump(101, 50).map((p) => p.retransmitted)).toEqual([false]);
    expect(s.pump(120, 50)).toEqual([]);
  });

  it('bounds the work of a huge loss list by what is in flight', () => {
    const s = sender();
    for (let i = 0; i < 50; i++) s.queue(payload(i), i);
    s.pump(0);
    const huge = Array.from({ length: 512 }, () => ({ from: ISN, to: (ISN + 0x3fffffff) % 0x80000000 }));
    const started = performance.now();
    s.nak(huge);
    expect(performance.now() - started).toBeLessThan(50);
    expect(s.pump(1)).toHaveLength(50);
  });

  it('refuses messages past its queue bound and gives up packets too old to play', () => {
    const s = sender();
    for (let i = 0; i < 60; i++) s.queue(payload(i), i);
    expect(s.stats.refused).toBe(10);
    s.pump(0);
    s.pump(2000);
    expect(s.stats.dropped).toBe(50);
    expect(s.inFlight).toBe(0);
  });
});

describe('SrtConnection', () => {
  const options = (start: number, overrides: Partial<SrtConnectionOptions> = {}): SrtConnectionOptions => ({
    socketId: 1,
    peerSocketId: 2,
    initialSeq: ISN,
    recvLatencyMs: 120,
    sendLatencyMs: 120,
    peerFlowWindow: 8192,
    windowPackets: 1024,
    maxReceiveBytes: 1 << 22,
    peerIdleTimeoutMs: 5000,
    sendBytesPerSecond: 1e9,
    start,
    ...overrides,
  });

  it('two connections deliver every message across a link that drops 10% of packets both ways and reorders (300 ms latency)', () => {
    const random = seededRandom(11);
    const a = new SrtConnection(options(0, { recvLatencyMs: 300, sendLatencyMs: 300 }));
    const b = new SrtConnection(options(0, { socketId: 2, peerSocketId: 1, recvLatencyMs: 300, sendLatencyMs: 300 }));
    const inFlight: { to: SrtConnection; bytes: Uint8Array; at: number }[] = [];
    const { received, step } = linked(a, b, (bytes, _from, to, now) => {
      if (random() >= 0.1) inFlight.push({ to, bytes, at: now + 5 + random() * 10 });
    });
    let sent = 0;
    for (let now = 0; now < 4000; now++) {
      if (now % 4 === 0 && sent < 800) a.send(payload(sent++), now);
      for (let i = inFlight.length - 1; i >= 0; i--) {
        if (inFlight[i]!.at > now) continue;
        const { to, bytes } = inFlight.splice(i, 1)[0]!;
        to.handle(decodeSrtPacket(bytes), now);
      }
      step(now);
    }
    expect(received).toEqual(Array.from({ length: 800 }, (_, i) => i));
    expect(b.stats.receiver.dropped).toBe(0);
    expect(a.stats.sender.retransmitted).toBeGreaterThan(0);
  });

  it('delivers the tail of a burst whose last packets were lost, with no packet after them (late retransmission)', () => {
    const a = new SrtConnection(options(0));
    const b = new SrtConnection(options(0, { socketId: 2, peerSocketId: 1 }));
    let dataSeen = 0;
    const { received, step } = linked(a, b, (bytes, from, to, now) => {
      const p = decodeSrtPacket(bytes);
      // The first sends of packets 8 and 9 (the end of the burst) are lost.
      if (from === a && p.kind === 'data' && !p.retransmitted && ++dataSeen > 8) return;
      to.handle(p, now);
    });
    for (let i = 0; i < 10; i++) a.send(payload(i), 0);
    for (let now = 0; now < 1000; now += 5) {
      step(now);
    }
    expect(received).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(a.stats.sender.retransmitted).toBeGreaterThanOrEqual(2);
  });

  it('answers a NAK for packets it no longer holds with a DROPREQ and survives malformed control packets', () => {
    const a = new SrtConnection(options(0));
    const nak = (ranges: { from: number; to: number }[]): SrtPacket => ({ kind: 'control', type: SRT_CONTROL.nak, subtype: 0, typeInfo: 0, timestamp: 0, socketId: 1, cif: encodeLossList(ranges) });
    a.handle(nak([{ from: ISN - 10, to: ISN - 5 }]), 1);
    const out = a.take().packets.map((b) => decodeSrtPacket(b));
    expect(out.some((p) => p.kind === 'control' && p.type === SRT_CONTROL.dropreq)).toBe(true);
    a.handle(decodeSrtPacket(encodeSrtPacket({ kind: 'control', type: SRT_CONTROL.nak, subtype: 0, typeInfo: 0, timestamp: 0, socketId: 1, cif: Uint8Array.of(0x80, 0, 0, 1) })), 2);
    a.handle({ kind: 'control', type: SRT_CONTROL.ack, subtype: 0, typeInfo: 1, timestamp: 0, socketId: 1, cif: new Uint8Array(1) }, 3);
    expect(a.stats.badControl).toBe(2);
    expect(decodeLossList(encodeLossList([{ from: 1, to: 2 }]))).toEqual([{ from: 1, to: 2 }]);
  });

  it('replaces its sending key every refresh period, announcing the next key before the switch (again when the announce is lost), and the peer decrypts every packet', () => {
    const passphrase = 'a passphrase of some length';
    const keys = generateStreamKeys(16);
    const secure = { cipher: new SrtPayloadCipher(keys), passphrase };
    const a = new SrtConnection(options(0, { ...secure, keyRefresh: { refreshPackets: 100, preAnnouncePackets: 20 } }));
    const b = new SrtConnection(options(0, { socketId: 2, peerSocketId: 1, ...secure }));
    const flags: number[] = [];
    let announces = 0;
    const { received, step } = linked(a, b, (bytes, from, to, now) => {
      const p = decodeSrtPacket(bytes);
      if (p.kind === 'data' && flags.at(-1) !== p.keyFlags) flags.push(p.keyFlags);
      // The first announce of each new key is lost: the sender repeats it until the peer answers.
      if (from === a && p.kind === 'control' && p.type === SRT_CONTROL.user && p.subtype === 3 && ++announces % 2 === 1) return;
      to.handle(p, now);
    });
    for (let now = 0; now < 4000; now++) {
      if (now % 4 === 0 && now / 4 < 900) a.send(payload(now / 4), now);
      step(now);
    }
    expect(received).toEqual(Array.from({ length: 900 }, (_, i) => i));
    expect(b.undecryptable).toBe(0);
    // About one switch per 100 packets plus the wait for each lost announce's repeat (1.5 RTT).
    expect(a.keySwitches).toBeGreaterThanOrEqual(5);
    expect(flags).toEqual(Array.from({ length: a.keySwitches + 1 }, (_, i) => (i % 2 === 0 ? SRT_KEY.even : SRT_KEY.odd)));
    expect(announces).toBeGreaterThanOrEqual(8); // each of the 4 announces sent twice at least
  });

  it('closes on peer silence and on SHUTDOWN', () => {
    const a = new SrtConnection(options(0));
    a.tick(4000);
    expect(a.closed).toBeUndefined();
    a.tick(5001);
    expect(a.closed).toBe('peer-idle-timeout');
    const b = new SrtConnection(options(0));
    b.handle({ kind: 'control', type: SRT_CONTROL.shutdown, subtype: 0, typeInfo: 0, timestamp: 0, socketId: 1, cif: new Uint8Array(4) }, 1);
    expect(b.closed).toBe('peer-shutdown');
  });
});
