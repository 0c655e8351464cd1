import { describe, expect, it } from 'vitest';
import { buildReceiverReport, buildSenderReport, parseRtcp } from '#ingest/protocols/rtp/rtcp.js';
import { parseRtpPacket, serializeRtpPacket, type RtpPacket } from '#ingest/protocols/rtp/rtp-packet.js';
import { hex } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';
import { itRoundTrips } from '#test/support/it-round-trips.js';

const cases: { name: string; bytes: Uint8Array; decoded: RtpPacket }[] = [
  {
    name: 'plain packet with marker',
    bytes: hex(`80 e0        # V=2, no padding/extension/CSRC; marker, PT 96
                1234         # sequence number
                00015f90     # timestamp 90000
                deadbeef     # SSRC
                6742`),
    decoded: { marker: true, payloadType: 96, sequenceNumber: 0x1234, timestamp: 90000, ssrc: 0xdeadbeef, csrcs: [], payload: hex('6742'), padding: 0 },
  },
  {
    name: 'CSRC, header extension and padding',
    bytes: hex(`b1 61        # V=2, padding, extension, 1 CSRC; PT 97
                0001 00000002 00000003
                00000004     # CSRC
                bede 0001    # extension profile, 1 word
                10ff0000     # extension data
                abcd         # payload
                000003       # padding, count 3`),
    decoded: {
      marker: false,
      payloadType: 97,
      sequenceNumber: 1,
      timestamp: 2,
      ssrc: 3,
      csrcs: [4],
      extension: { profile: 0xbede, data: hex('10ff0000') },
      payload: hex('abcd'),
      padding: 3,
    },
  },
];

describe('RTP packet', () => {
  itRoundTrips(cases, 'bytes', parseRtpPacket, serializeRtpPacket);

  it('refuses an extension length running past the packet', () => {
    const lying = cases[1].bytes.slice();
    lying[19] = 0x40; // 64 words
    expectCode(() => parseRtpPacket(lying), 'RTP_TRUNCATED');
  });

  it('refuses a CSRC count running past the packet', () => {
    expectCode(() => parseRtpPacket(hex('8f 60 0001 00000002 00000003 0000')), 'RTP_TRUNCATED');
  });

  it('refuses padding larger than the payload and zero padding', () => {
    expectCode(() => parseRtpPacket(hex('a0 60 0001 00000002 00000003 ab 09')), 'RTP_BAD_PADDING');
    expectCode(() => parseRtpPacket(hex('a0 60 0001 00000002 00000003 ab 00')), 'RTP_BAD_PADDING');
  });

  it('refuses other versions, short packets and packets over the size limit', () => {
    expectCode(() => parseRtpPacket(hex('40 60 0001 00000002 00000003')), 'RTP_BAD_VERSION');
    expectCode(() => parseRtpPacket(hex('80 60 0001')), 'RTP_TRUNCATED');
    expectCode(() => parseRtpPacket(new Uint8Array(2000).fill(0x80), 1500), 'RTP_PACKET_TOO_LARGE');
  });

  it('only ever raises ProtocolError on mutated packets', () => {
    fuzz(cases.map((c) => c.bytes), (b) => {
      parseRtpPacket(b);
    }, 500);
  });
});

describe('RTCP', () => {
  const sr = hex(`80 c8 0006   # V=2, RC 0, SR, length 6 words
                  00001234     # SSRC
                  e9a3b6d0 80000000  # NTP 2024-02-… + 0.5 s
                  0000abcd     # RTP timestamp
                  0000000a 000003e8  # 10 packets, 1000 octets`);

  it('builds a sender report and parses it back', () => {
    const ntpTimeMs = (0xe9a3b6d0 - 2208988800) * 1000 + 500;
    expect(buildSenderReport({ ssrc: 0x1234, ntpTimeMs, rtpTimestamp: 0xabcd, packetCount: 10, octetCount: 1000 })).toEqual(sr);
    expect(parseRtcp(sr)).toEqual([{ type: 'sr', ssrc: 0x1234, ntpTimeMs, rtpTimestamp: 0xabcd, packetCount: 10, octetCount: 1000, reports: [] }]);
  });

  it('parses a compound receiver report + SDES from a player', () => {
    const block = { ssrc: 0x1234, fractionLost: 25, cumulativeLost: -2, highestSequence: 70000, jitter: 12, lastSenderReport: 0xb6d08000, delaySinceLastSenderReport: 65536 };
    const rr = buildReceiverReport(0x9999, [block]);
    const sdes = hex('81 ca 0002 00009999 00000000');
    expect(parseRtcp(new Uint8Array([...rr, ...sdes]))).toEqual([{ type: 'rr', ssrc: 0x9999, reports: [block] }, { type: 'other', packetType: 202 }]);
  });

  it('refuses a length or report count that runs past the packet', () => {
    expectCode(() => parseRtcp(hex('80 c9 00ff 00009999')), 'RTCP_BAD_PACKET');
    expectCode(() => parseRtcp(hex('83 c9 0001 00009999')), 'RTCP_BAD_PACKET');
  });

  it('only ever raises ProtocolError on mutated reports', () => {
    fuzz([sr, buildReceiverReport(1, [{ ssrc: 2, fractionLost: 0, cumulativeLost: 0, highestSequence: 0, jitter: 0, lastSenderReport: 0, delaySinceLastSenderReport: 0 }])], (b) => {
      parseRtcp(b);
    }, 500);
  });
});
