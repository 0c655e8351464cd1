import { describe, expect, it } from 'vitest';
import {
  decodeHandshake,
  decodeHsReq,
  decodeStreamIdBlock,
  encodeHandshake,
  encodeStreamIdBlock,
  SRT_HS_EXT,
  SRT_HS_TYPE,
  SRT_MAGIC_CODE,
  SRT_REJECT,
} from '#ingest/protocols/srt/srt-handshake.js';
import { decodeKeyMaterial, encodeKeyMaterial, generateStreamKeys, SrtPayloadCipher, unwrapStreamKeys, wrapStreamKeys } from '#ingest/protocols/srt/srt-key-material.js';
import { acceptSrtConclusion, handleSrtHandshake, rejectSrtConclusion, type SrtListenerOptions } from '#ingest/protocols/srt/srt-listener.js';
import { decodeSrtPacket, type SrtControlPacket } from '#ingest/protocols/srt/srt-packet.js';
import { srtSynCookie } from '#ingest/protocols/srt/srt-syn-cookie.js';
import { hexBuffer } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

/**
 * Captured from Debian's ffmpeg 5.1 with libsrt 1.5.1 calling a listener:
 * `ffmpeg … -f mpegts 'srt://127.0.0.1:P?streamid=publish:live/cam1:alice:pw&passphrase=secretpass123&pbkeylen=16'`.
 */
const INDUCTION = hexBuffer(`80000000 00000000 00000793 00000000   # handshake, ts 1939, to socket 0
  00000004 0000 0002                  # version 4, encryption 0, extension 2 (UDT DGRAM)
  06e806a5 000005dc 00002000          # ISN, MTU 1500, flow window 8192
  00000001 3fe02986 00000000          # type induction, caller socket id, cookie 0
  0100007f 00000000 00000000 00000000 # peer IP 127.0.0.1 (host order)`);

const CONCLUSION = hexBuffer(`80000000 00000000 00007abf 00000000
  00000005 0002 0007                  # version 5, AES-128, HSREQ|KMREQ|CONFIG
  06e806a5 000005dc 00002000
  ffffffff 3fe02986 ac9e2d43          # conclusion, caller socket, cookie
  0100007f 00000000 00000000 00000000
  0001 0003 00010501 000000bf 00780000            # HSREQ: libsrt 1.5.1, flags, latency rcv 120 / snd 0
  0005 0007 6c627570 3a687369 6576696c 6d61632f 6c613a31 3a656369 00007770   # SID, words byte-reversed
  0003 000e 12202901 00000000 02000200 00000404   # KMREQ: v1 KM, even key, AES-CTR, SE 2, salt 16, key 16
  72ce294d a78a3b03 8f6c6914 146e1df1             # salt
  74cca8fd 0f1015c9 e0a24355 82ca0c23 4762d136 a2b974f2  # wrapped key (16 + 8)`);

const PEER = { address: '127.0.0.1', port: 40000 };
const NOW = 1_000_000;
const OPTIONS: SrtListenerOptions = { secret: new Uint8Array(32).fill(9), passphrase: 'secretpass123', latencyMs: 120, mtu: 1500, windowPackets: 8192 };

function control(bytes: Uint8Array): SrtControlPacket {
  const p = decodeSrtPacket(bytes);
  if (p.kind !== 'control') throw new Error('not control');
  return p;
}

/** The captured conclusion with the cookie our listener would have minted for PEER. */
function conclusionWithCookie(bytes: Uint8Array = CONCLUSION, options = OPTIONS): Buffer {
  const b = Buffer.from(bytes);
  b.writeUInt32BE(srtSynCookie(options.secret, PEER.address, PEER.port, NOW), 16 + 28);
  return b;
}

describe('SRT handshake codec', () => {
  it('decodes the captured libsrt induction and encodes it back', () => {
    const hs = decodeHandshake(control(INDUCTION).cif);
    expect(hs).toMatchObject({ version: 4, encryption: 0, extension: 2, initialSeq: 0x06e806a5, mtu: 1500, flowWindow: 8192, type: SRT_HS_TYPE.induction, socketId: 0x3fe02986, cookie: 0 });
    expect(hs.extensions).toEqual([]);
    expect(Buffer.from(encodeHandshake(hs))).toEqual(control(INDUCTION).cif);
  });

  it('decodes the captured conclusion: HSREQ, stream id and key material', () => {
    const hs = decodeHandshake(control(CONCLUSION).cif);
    expect(hs.extensions.map((e) => e.type)).toEqual([SRT_HS_EXT.hsreq, SRT_HS_EXT.sid, SRT_HS_EXT.kmreq]);
    expect(decodeHsReq(hs.extensions[0]!.data)).toEqual({ srtVersion: 0x010501, flags: 0xbf, recvLatencyMs: 120, sendLatencyMs: 0 });
    expect(decodeStreamIdBlock(hs.extensions[1]!.data)).toBe('publish:live/cam1:alice:pw');
    const km = decodeKeyMaterial(hs.extensions[2]!.data);
    expect(km).toMatchObject({ keyFlags: 1, cipher: 2, se: 2, keyLength: 16 });
    expect(Buffer.from(encodeKeyMaterial(km))).toEqual(Buffer.from(hs.extensions[2]!.data));
    expect(Buffer.from(encodeHandshake(hs))).toEqual(control(CONCLUSION).cif);
  });

  it('unwraps libsrt key material with the passphrase (PBKDF2 + RFC 3394) and refuses another one', () => {
    const km = decodeKeyMaterial(decodeHandshake(control(CONCLUSION).cif).extensions[2]!.data);
    expect(unwrapStreamKeys('secretpass123', km).even).toHaveLength(16);
    expectCode(() => unwrapStreamKeys('wrongpass123', km), 'SRT_BAD_SECRET');
  });

  it('round-trips stream ids of any length through the word-reversed block', () => {
    for (const id of ['', 'a', 'ab', 'abc', 'abcd', '#!::r=live/cam1,m=publish,u=alice,s=pässwörd']) {
      expect(decodeStreamIdBlock(encodeStreamIdBlock(id))).toBe(id);
    }
    expectCode(() => decodeStreamIdBlock(new Uint8Array(516)), 'SRT_LIMIT_EXCEEDED');
  });

  it('refuses extension blocks that overrun the packet, and too many of them', () => {
    const cif = Buffer.from(control(CONCLUSION).cif);
    cif.writeUInt16BE(0x00ff, 48 + 2); // HSREQ claims 255 words
    expectCode(() => decodeHandshake(cif), 'SRT_BAD_HANDSHAKE');
    const many = Buffer.concat([cif.subarray(0, 48), Buffer.alloc(4 * 17)]);
    expectCode(() => decodeHandshake(many), 'SRT_LIMIT_EXCEEDED');
    expectCode(() => decodeHandshake(cif.subarray(0, 47)), 'SRT_BAD_HANDSHAKE');
  });

  it('encrypts and decrypts payloads with AES-CTR keyed per sequence number', () => {
    const cipher = new SrtPayloadCipher(generateStreamKeys(32));
    const payload = Buffer.from('x'.repeat(1316));
    const sealed = cipher.crypt(77, 1, payload);
    expect(Buffer.from(sealed)).not.toEqual(payload);
    expect(Buffer.from(cipher.crypt(77, 1, sealed))).toEqual(payload);
    expect(Buffer.from(cipher.crypt(78, 1, sealed))).not.toEqual(payload);
    expectCode(() => cipher.crypt(1, 2, payload), 'SRT_NO_KEY');
  });
});

describe('SRT listener handshake', () => {
  it('answers an induction statelessly with version 5, the SRT magic and a cookie', () => {
    const r = handleSrtHandshake(control(INDUCTION), PEER, NOW, OPTIONS);
    expect(r.kind).toBe('reply');
    const answer = control((r as { packet: Uint8Array }).packet);
    expect(answer.socketId).toBe(0x3fe02986);
    const hs = decodeHandshake(answer.cif);
    expect(hs).toMatchObject({ version: 5, extension: SRT_MAGIC_CODE, type: SRT_HS_TYPE.induction, cookie: srtSynCookie(OPTIONS.secret, PEER.address, PEER.port, NOW) });
  });

  it('hands a conclusion with a valid cookie over with its stream id and unwrapped keys', () => {
    const r = handleSrtHandshake(control(conclusionWithCookie()), PEER, NOW, OPTIONS);
    expect(r.kind).toBe('conclusion');
    if (r.kind !== 'conclusion') return;
    expect(r.conclusion).toMatchObject({ peerSocketId: 0x3fe02986, initialSeq: 0x06e806a5, streamId: 'publish:live/cam1:alice:pw', keyLength: 16 });
    expect(r.conclusion.keys?.even).toHaveLength(16);
  });

  it('accepts with HSRSP (larger latency per direction) and the key material echoed', () => {
    const r = handleSrtHandshake(control(conclusionWithCookie()), PEER, NOW, { ...OPTIONS, latencyMs: 200 });
    if (r.kind !== 'conclusion') throw new Error(r.kind);
    const accepted = acceptSrtConclusion(r.conclusion, 0x1234, PEER, NOW, { ...OPTIONS, latencyMs: 200 });
    expect(accepted).toMatchObject({ recvLatencyMs: 200, sendLatencyMs: 200 });
    const answer = control(accepted.packet);
    expect(answer.socketId).toBe(0x3fe02986);
    const hs = decodeHandshake(answer.cif);
    expect(hs).toMatchObject({ version: 5, type: SRT_HS_TYPE.conclusion, socketId: 0x1234, encryption: 2, extension: 3 });
    expect(hs.extensions.map((e) => e.type)).toEqual([SRT_HS_EXT.hsrsp, SRT_HS_EXT.kmrsp]);
    expect(decodeHsReq(hs.extensions[0]!.data)).toMatchObject({ recvLatencyMs: 200, sendLatencyMs: 200 });
  });

  it('refuses with the rejection as handshake type 1000 + reason', () => {
    const r = handleSrtHandshake(control(conclusionWithCookie()), PEER, NOW, OPTIONS);
    if (r.kind !== 'conclusion') throw new Error(r.kind);
    for (const reason of [SRT_REJECT.unauthorized, SRT_REJECT.forbidden, SRT_REJECT.notFound]) {
      const hs = decodeHandshake(control(rejectSrtConclusion(r.conclusion, reason, NOW)).cif);
      expect(hs.type).toBe(1000 + reason);
    }
  });

  it('refuses a wrong passphrase (BADSECRET), encryption on one side only (UNSECURE) and a foreign cookie (ROGUE)', () => {
    const reasonOf = (bytes: Uint8Array, options: SrtListenerOptions): number | string => {
      const r = handleSrtHandshake(control(bytes), PEER, NOW, options);
      return r.kind === 'reject' ? r.reason : r.kind;
    };
    expect(reasonOf(conclusionWithCookie(), { ...OPTIONS, passphrase: 'otherpassphrase' })).toBe(SRT_REJECT.badSecret);
    const { passphrase: _, ...clear } = OPTIONS;
    expect(reasonOf(conclusionWithCookie(), clear)).toBe(SRT_REJECT.unsecure);
    expect(reasonOf(CONCLUSION, OPTIONS)).toBe(SRT_REJECT.rogue);
  });

  it('refuses a caller without key material when a passphrase is set', () => {
    const hs = decodeHandshake(control(conclusionWithCookie()).cif);
    const stripped = { ...hs, extensions: hs.extensions.filter((e) => e.type !== SRT_HS_EXT.kmreq) };
    const cif = encodeHandshake(stripped);
    const bytes = Buffer.concat([CONCLUSION.subarray(0, 16), cif]);
    const r = handleSrtHandshake(control(bytes), PEER, NOW, OPTIONS);
    expect(r.kind === 'reject' && r.reason).toBe(SRT_REJECT.unsecure);
  });

  it('accepts key material it wrapped itself for any key length', () => {
    for (const keyLength of [16, 24, 32]) {
      const keys = generateStreamKeys(keyLength);
      const km = wrapStreamKeys('secretpass123', keys, keyLength);
      expect(Buffer.from(unwrapStreamKeys('secretpass123', decodeKeyMaterial(encodeKeyMaterial(km))).even!)).toEqual(Buffer.from(keys.even!));
    }
  });

  it('only ever raises its own error on mutated inductions and conclusions', () => {
    const refused = fuzz([INDUCTION, conclusionWithCookie()], (bytes) => {
      const p = decodeSrtPacket(bytes);
      if (p.kind === 'control') handleSrtHandshake(p, PEER, NOW, OPTIONS);
    }, 200);
    expect(refused).toBeGreaterThan(0);
  });
});
