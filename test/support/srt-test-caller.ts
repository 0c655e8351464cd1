import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { decodeHandshake, encodeHandshake, encodeHsReq, encodeStreamIdBlock, SRT_HS_EXT, SRT_HS_TYPE, type SrtHandshake } from '#ingest/protocols/srt/srt-handshake.js';
import { decodeSrtPacket, encodeSrtPacket, SRT_CONTROL } from '#ingest/protocols/srt/srt-packet.js';

/** An induction as libsrt sends it (caller socket id `socketId`). */
export function inductionPacket(socketId: number): Uint8Array {
  const hs: SrtHandshake = {
    version: 4,
    encryption: 0,
    extension: 2,
    initialSeq: 1000,
    mtu: 1500,
    flowWindow: 8192,
    type: SRT_HS_TYPE.induction,
    socketId,
    cookie: 0,
    peerIp: new Uint8Array(16),
    extensions: [],
  };
  return encodeSrtPacket({ kind: 'control', type: SRT_CONTROL.handshake, subtype: 0, typeInfo: 0, timestamp: 0, socketId: 0, cif: encodeHandshake(hs) });
}

/**
 * A minimal SRT caller for tests: induction, then a conclusion with `streamId`; resolves with the
 * listener's answer to the conclusion (its handshake type: conclusion, or 1000 + a reject reason).
 * With `keyMaterial` the conclusion carries it as KMREQ (encryption).
 */
export function srtCallerHandshake(port: number, streamId: string, timeoutMs = 5000, keyMaterial?: Uint8Array): Promise<SrtHandshake> {
  const socket = createSocket('udp4');
  const socketId = randomInt(1, 0x7fffffff);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no handshake answer'));
    }, timeoutMs);
    socket.on('message', (msg) => {
      const p = decodeSrtPacket(new Uint8Array(msg));
      if (p.kind !== 'control' || p.type !== SRT_CONTROL.handshake) return;
      const hs = decodeHandshake(p.cif);
      if (hs.type === SRT_HS_TYPE.induction) {
        const conclusion: SrtHandshake = {
          ...hs,
          version: 5,
          encryption: 0,
          extension: keyMaterial ? 7 : 5,
          type: SRT_HS_TYPE.conclusion,
          socketId,
          extensions: [
            { type: SRT_HS_EXT.hsreq, data: encodeHsReq({ srtVersion: 0x010501, flags: 0xbf, recvLatencyMs: 120, sendLatencyMs: 120 }) },
            ...(keyMaterial ? [{ type: SRT_HS_EXT.kmreq, data: keyMaterial }] : []),
            { type: SRT_HS_EXT.sid, data: encodeStreamIdBlock(streamId) },
          ],
        };
        socket.send(encodeSrtPacket({ kind: 'control', type: SRT_CONTROL.handshake, subtype: 0, typeInfo: 0, timestamp: 0, socketId: 0, cif: encodeHandshake(conclusion) }), port, '127.0.0.1');
        return;
      }
      clearTimeout(timer);
      // Our side of an accepted connection ends at once.
      if (hs.type === SRT_HS_TYPE.conclusion) {
        socket.send(encodeSrtPacket({ kind: 'control', type: SRT_CONTROL.shutdown, subtype: 0, typeInfo: 0, timestamp: 0, socketId: hs.socketId, cif: new Uint8Array(4) }), port, '127.0.0.1', () => socket.close());
      } else socket.close();
      resolve(hs);
    });
    socket.bind(0, '127.0.0.1', () => socket.send(inductionPacket(socketId), port, '127.0.0.1'));
  });
}
