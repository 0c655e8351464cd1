import { describe, expect, it } from 'vitest';
import { decodeHandshake, decodeHsReq, decodeStreamIdBlock, SRT_HS_EXT, SRT_HS_TYPE, SRT_REJECT } from '#ingest/protocols/srt/srt-handshake.js';
import { generateStreamKeys, SrtPayloadCipher } from '#ingest/protocols/srt/srt-key-material.js';
import { SrtCaller, type SrtCallerOptions } from '#ingest/protocols/srt/srt-caller.js';
import { acceptSrtConclusion, handleSrtHandshake, rejectSrtConclusion, type SrtListenerOptions } from '#ingest/protocols/srt/srt-listener.js';
import { decodeSrtPacket, SRT_KEY, type SrtControlPacket } from '#ingest/protocols/srt/srt-packet.js';
import { expectCode } from '#test/support/expect-code.js';

const PEER = { address: '127.0.0.1', port: 40000 };
const NOW = 1_000_000;
const LISTENER: SrtListenerOptions = { secret: new Uint8Array(32).fill(7), latencyMs: 200, mtu: 1500, windowPackets: 8192 };
const CALLER: SrtCallerOptions = { socketId: 0x1234, initialSeq: 5000, streamId: 'publish:live/cam1', latencyMs: 120, mtu: 1500, windowPackets: 8192 };

function control(bytes: Uint8Array): SrtControlPacket {
  const p = decodeSrtPacket(bytes);
  if (p.kind !== 'control') throw new Error('not a control packet');
  return p;
}

/** Runs the caller against our listener up to the listener's conclusion (what it would hand the server). */
function toConclusion(caller: SrtCaller, listener: SrtListenerOptions) {
  const induction = handleSrtHandshake(control(caller.request()), PEER, NOW, listener);
  if (induction.kind !== 'reply') throw new Error(`induction: ${induction.kind}`);
  const step = caller.handle(control(induction.packet), NOW);
  if (step.kind !== 'send') throw new Error(`after induction: ${step.kind}`);
  return handleSrtHandshake(control(step.packet), PEER, NOW, listener);
}

describe('SRT caller handshake against the listener side', () => {
  it('starts with a version 4 induction as libsrt does (UDT_DGRAM, no cookie, to socket 0)', () => {
    const p = control(new SrtCaller(CALLER).request());
    expect(p.socketId).toBe(0);
    expect(decodeHandshake(p.cif)).toMatchObject({ version: 4, extension: 2, type: SRT_HS_TYPE.induction, socketId: 0x1234, cookie: 0, initialSeq: 5000 });
  });

  it('an unencrypted caller is established with the stream id, the larger latency each way and the listener socket id', () => {
    const caller = new SrtCaller(CALLER);
    const r = toConclusion(caller, LISTENER);
    if (r.kind !== 'conclusion') throw new Error(r.kind);
    expect(r.conclusion).toMatchObject({ streamId: 'publish:live/cam1', peerSocketId: 0x1234, initialSeq: 5000 });
    expect(r.conclusion.keys).toBeUndefined();
    const accepted = acceptSrtConclusion(r.conclusion, 0x99, PEER, NOW, LISTENER);
    const step = caller.handle(control(accepted.packet), NOW);
    expect(step).toEqual({ kind: 'established', connection: { peerSocketId: 0x99, recvLatencyMs: 200, sendLatencyMs: 200, mtu: 1500, flowWindow: 8192 } });
    expect(caller.established).toBe(true);
    expect(caller.handle(control(accepted.packet), NOW)).toEqual({ kind: 'ignore' });
  });

  it('the conclusion carries HSREQ (libsrt 1.5 live flags, our latency), the stream id and the SYN cookie', () => {
    const caller = new SrtCaller(CALLER);
    const induction = handleSrtHandshake(control(caller.request()), PEER, NOW, LISTENER);
    if (induction.kind !== 'reply') throw new Error(induction.kind);
    const cookie = decodeHandshake(control(induction.packet).cif).cookie;
    const step = caller.handle(control(induction.packet), NOW);
    if (step.kind !== 'send') throw new Error(step.kind);
    expect(caller.request()).toBe(step.packet);
    const hs = decodeHandshake(control(step.packet).cif);
    expect(hs).toMatchObject({ version: 5, encryption: 0, extension: 5, type: SRT_HS_TYPE.conclusion, cookie });
    expect(decodeHsReq(hs.extensions.find((e) => e.type === SRT_HS_EXT.hsreq)!.data)).toEqual({ srtVersion: 0x010501, flags: 0x3f, recvLatencyMs: 120, sendLatencyMs: 120 });
    expect(decodeStreamIdBlock(hs.extensions.find((e) => e.type === SRT_HS_EXT.sid)!.data)).toBe('publish:live/cam1');
  });

  it('with the same passphrase the listener unwraps the stream keys the caller offered, and both ciphers agree', () => {
    const keys = generateStreamKeys(32);
    const caller = new SrtCaller({ ...CALLER, passphrase: 'secretpass123', keyLength: 32, keys });
    const listener = { ...LISTENER, passphrase: 'secretpass123' };
    const r = toConclusion(caller, listener);
    if (r.kind !== 'conclusion') throw new Error(r.kind);
    expect(Buffer.from(r.conclusion.keys!.even!)).toEqual(Buffer.from(keys.even!));
    const step = caller.handle(control(acceptSrtConclusion(r.conclusion, 0x99, PEER, NOW, listener).packet), NOW);
    if (step.kind !== 'established') throw new Error(step.kind);
    const clear = Uint8Array.of(0x47, 1, 2, 3);
    const sent = new SrtPayloadCipher(step.connection.keys!).crypt(77, SRT_KEY.even, clear);
    expect(new SrtPayloadCipher(r.conclusion.keys!).crypt(77, SRT_KEY.even, sent)).toEqual(clear);
  });

  it('a wrong passphrase is rejected by the listener (BADSECRET) and the caller raises SRT_REJECTED', () => {
    const caller = new SrtCaller({ ...CALLER, passphrase: 'another-pass-1' });
    const r = toConclusion(caller, { ...LISTENER, passphrase: 'secretpass123' });
    if (r.kind !== 'reject') throw new Error(r.kind);
    expect(r.reason).toBe(SRT_REJECT.badSecret);
    expect(expectCode(() => caller.handle(control(r.packet), NOW), 'SRT_REJECTED').message).toContain(`reason ${SRT_REJECT.badSecret}`);
  });

  it('an unencrypted caller to a listener that requires a passphrase is rejected (UNSECURE)', () => {
    const caller = new SrtCaller(CALLER);
    const r = toConclusion(caller, { ...LISTENER, passphrase: 'secretpass123' });
    if (r.kind !== 'reject') throw new Error(r.kind);
    expect(r.reason).toBe(SRT_REJECT.unsecure);
    expectCode(() => caller.handle(control(r.packet), NOW), 'SRT_REJECTED');
  });

  it("the server's refusal of a valid conclusion (1403 forbidden) reaches the caller as SRT_REJECTED with the reason", () => {
    const caller = new SrtCaller(CALLER);
    const r = toConclusion(caller, LISTENER);
    if (r.kind !== 'conclusion') throw new Error(r.kind);
    expect(expectCode(() => caller.handle(control(rejectSrtConclusion(r.conclusion, SRT_REJECT.forbidden, NOW)), NOW), 'SRT_REJECTED').message).toContain('reason 1403');
  });

  it('a conclusion answer without HSRSP, or an induction answer without the SRT magic, is a coded error', () => {
    const caller = new SrtCaller(CALLER);
    const r = toConclusion(caller, LISTENER);
    if (r.kind !== 'conclusion') throw new Error(r.kind);
    const accepted = control(acceptSrtConclusion(r.conclusion, 0x99, PEER, NOW, LISTENER).packet);
    const bare = { ...accepted, cif: accepted.cif.subarray(0, 48) };
    expectCode(() => caller.handle(bare, NOW), 'SRT_BAD_HANDSHAKE');
    const old = new SrtCaller(CALLER);
    const answer = handleSrtHandshake(control(old.request()), PEER, NOW, LISTENER);
    if (answer.kind !== 'reply') throw new Error(answer.kind);
    const induction = control(answer.packet);
    const cif = Buffer.from(induction.cif);
    cif.writeUInt16BE(0, 6); // extension field: no magic (an HSv4 listener)
    expectCode(() => old.handle({ ...induction, cif }, NOW), 'SRT_HANDSHAKE_VERSION');
  });
});
