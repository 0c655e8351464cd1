import { describe, expect, it } from 'vitest';
import { RtpSourceLatch } from '#ingest/protocols/rtp/rtp-source-latch.js';

const rtp = (ssrc: number): Uint8Array => {
  const b = Buffer.alloc(12);
  b[0] = 0x80;
  b.writeUInt32BE(ssrc, 8);
  return b;
};
const sr = (ssrc: number): Uint8Array => {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt32BE(ssrc, 4);
  return b;
};

describe('RtpSourceLatch', () => {
  it('takes only the client_port ports and (for RTP) the first SSRC of the publisher\'s address', () => {
    const l = new RtpSourceLatch({ address: '10.0.0.1', clientPort: [4000, 4001] });
    expect(l.check('rtp', '10.0.0.2', 4000, rtp(1))).toBe('address');
    expect(l.check('rtp', '10.0.0.1', 4002, rtp(1))).toBe('port');
    expect(l.check('rtcp', '10.0.0.1', 4000, sr(1))).toBe('port');
    expect(l.check('rtp', '10.0.0.1', 4000, rtp(7))).toBeUndefined();
    expect(l.check('rtp', '10.0.0.1', 4000, rtp(8))).toBe('ssrc');
    // RTCP: address and port only (a sender's RTCP may report under its own SSRC)
    expect(l.check('rtcp', '10.0.0.1', 4001, sr(8))).toBeUndefined();
    expect(l.check('rtcp', '10.0.0.2', 4001, sr(7))).toBe('address');
  });

  it('without client_port latches each port from its first datagram; a Transport ssrc is the only one taken', () => {
    const l = new RtpSourceLatch({ address: '10.0.0.1', ssrc: 0xabc });
    expect(l.check('rtp', '10.0.0.1', 5000, rtp(1))).toBe('ssrc');
    expect(l.check('rtp', '10.0.0.1', 5002, rtp(0xabc))).toBeUndefined();
    expect(l.check('rtp', '10.0.0.1', 5000, rtp(0xabc))).toBe('port');
    expect(l.check('rtcp', '10.0.0.1', 6001, sr(0xabc))).toBeUndefined();
    expect(l.check('rtcp', '10.0.0.1', 5003, sr(0xabc))).toBe('port');
  });

  it('leaves datagrams too short for an SSRC to the parser (it refuses them), without latching an SSRC', () => {
    const l = new RtpSourceLatch({ address: '10.0.0.1', clientPort: [4000, 4001] });
    expect(l.check('rtp', '10.0.0.1', 4000, Uint8Array.of(0x80, 96))).toBeUndefined();
    expect(l.check('rtp', '10.0.0.1', 4000, rtp(5))).toBeUndefined();
    expect(l.check('rtp', '10.0.0.1', 4000, rtp(6))).toBe('ssrc');
  });
});
