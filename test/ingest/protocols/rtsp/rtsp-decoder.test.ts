import { describe, expect, it } from 'vitest';
import { RtspDecoder } from '#ingest/protocols/rtsp/rtsp-decoder.js';
import { encodeInterleavedFrame, encodeRtspRequest, encodeRtspResponse, getCSeq, getHeader, type RtspUnit } from '#ingest/protocols/rtsp/rtsp-message.js';
import { feedings, ONE_RANDOM_SPLIT } from '#test/support/feeding.js';
import { fuzz } from '#test/support/fuzz.js';
import { expectCode } from '#test/support/expect-code.js';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

const cases: { name: string; bytes: Uint8Array; decoded: RtspUnit[] }[] = [
  {
    name: 'OPTIONS request',
    bytes: text('OPTIONS rtsp://127.0.0.1:5554/flvplayback RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf59.27.100\r\n\r\n'),
    decoded: [{ type: 'request', method: 'OPTIONS', uri: 'rtsp://127.0.0.1:5554/flvplayback', headers: [['CSeq', '1'], ['User-Agent', 'Lavf59.27.100']], body: new Uint8Array(0) }],
  },
  {
    name: 'ANNOUNCE with an SDP body',
    bytes: text('ANNOUNCE rtsp://h/live/x RTSP/1.0\r\nContent-Type: application/sdp\r\nCSeq: 2\r\nContent-Length: 13\r\n\r\nv=0\r\ns=test\r\n'),
    decoded: [
      {
        type: 'request',
        method: 'ANNOUNCE',
        uri: 'rtsp://h/live/x',
        headers: [['Content-Type', 'application/sdp'], ['CSeq', '2'], ['Content-Length', '13']],
        body: text('v=0\r\ns=test\r\n'),
      },
    ],
  },
  {
    name: 'response, then an interleaved RTP packet on channel 0',
    bytes: new Uint8Array([
      ...text('RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 12345678;timeout=60\r\n\r\n'),
      ...[0x24, 0x00, 0x00, 0x04, 0x80, 0x60, 0x00, 0x01], // '$', channel 0, length 4, payload
    ]),
    decoded: [
      { type: 'response', status: 200, reason: 'OK', headers: [['CSeq', '3'], ['Session', '12345678;timeout=60']], body: new Uint8Array(0) },
      { type: 'interleaved', channel: 0, payload: Uint8Array.of(0x80, 0x60, 0x00, 0x01) },
    ],
  },
];

function decodeAll(chunks: Uint8Array[], d = new RtspDecoder()): RtspUnit[] {
  return chunks.flatMap((c) => d.push(c));
}

function encode(u: RtspUnit): Uint8Array {
  if (u.type === 'interleaved') return encodeInterleavedFrame(u.channel, u.payload);
  return u.type === 'request' ? encodeRtspRequest(u) : encodeRtspResponse(u);
}

describe('RtspDecoder', () => {
  for (const c of cases) {
    for (const way of feedings(c.bytes, ONE_RANDOM_SPLIT)) {
      it(`decodes ${c.name} fed ${way.name}`, () => {
        expect(decodeAll(way.parts)).toEqual(c.decoded);
      });
    }
    it(`encodes ${c.name}`, () => {
      expect(new Uint8Array(c.decoded.flatMap((u) => [...encode(u)]))).toEqual(c.bytes);
    });
  }

  it('reads headers case-insensitively and CSeq as a number', () => {
    const [req] = decodeAll([text('SETUP rtsp://h/a/trackID=0 RTSP/1.0\r\ncseq: 7\r\ntransport: RTP/AVP/TCP;interleaved=0-1\r\n\r\n')]);
    expect(req.type === 'request' && getHeader(req, 'Transport')).toBe('RTP/AVP/TCP;interleaved=0-1');
    expect(req.type === 'request' && getCSeq(req)).toBe(7);
  });

  it('skips CRLF keep-alives between messages', () => {
    expect(decodeAll([new Uint8Array([13, 10, 13, 10, ...cases[0].bytes])])).toEqual(cases[0].decoded);
  });

  it('refuses an endless header line with "Headers section too long"', () => {
    const d = new RtspDecoder({ maxHeaderLineLength: 100 });
    d.push(text('OPTIONS * RTSP/1.0\r\nX: '));
    const err = expectCode(() => d.push(text('a'.repeat(200))), 'RTSP_HEADER_TOO_LONG');
    expect(err.message).toContain('Headers section too long');
  });

  it('refuses an endless head of short lines', () => {
    const d = new RtspDecoder({ maxHeadBytes: 1000, maxHeaderCount: 1000 });
    expectCode(() => d.push(text('OPTIONS * RTSP/1.0\r\n' + 'X: y\r\n'.repeat(300))), 'RTSP_HEADER_TOO_LONG');
  });

  it('refuses more headers than the limit', () => {
    const d = new RtspDecoder({ maxHeaderCount: 4 });
    expectCode(() => d.push(text('OPTIONS * RTSP/1.0\r\n' + 'X: y\r\n'.repeat(5) + '\r\n')), 'RTSP_TOO_MANY_HEADERS');
  });

  it('refuses a lying Content-Length above the limit before waiting for the body', () => {
    const err = expectCode(() => new RtspDecoder().push(text('ANNOUNCE rtsp://h/a RTSP/1.0\r\nCSeq: 1\r\nContent-Length: 999999999\r\n\r\n')), 'RTSP_BODY_TOO_LARGE');
    expect(err.message).toContain('999999999');
    expectCode(() => new RtspDecoder().push(text('ANNOUNCE rtsp://h/a RTSP/1.0\r\nContent-Length: -1\r\n\r\n')), 'RTSP_BAD_CONTENT_LENGTH');
  });

  it('waits for the body a Content-Length announces', () => {
    const d = new RtspDecoder();
    expect(d.push(text('ANNOUNCE rtsp://h/a RTSP/1.0\r\nContent-Length: 5\r\n\r\nv=0'))).toEqual([]);
    expect(d.push(text('\r\n'))).toHaveLength(1);
  });

  it('refuses an interleaved length above the limit and waits for a shorter one', () => {
    expectCode(() => new RtspDecoder({ maxInterleavedSize: 1000 }).push(Uint8Array.of(0x24, 1, 0xff, 0xff)), 'RTSP_INTERLEAVED_TOO_LARGE');
    const d = new RtspDecoder();
    expect(d.push(Uint8Array.of(0x24, 1, 0x01, 0x00, 1, 2, 3))).toEqual([]);
  });

  it('refuses bytes that are not RTSP', () => {
    expectCode(() => new RtspDecoder().push(text('\x16\x03\x01 hello\r\n\r\n')), 'RTSP_BAD_START_LINE');
    expectCode(() => new RtspDecoder().push(text('OPTIONS * RTSP/1.0\r\nno colon here\r\n\r\n')), 'RTSP_BAD_HEADER');
  });

  it('keeps no view of what it is fed: each case decodes the same when every piece is overwritten once pushed (one reused read buffer)', () => {
    for (const c of cases) {
      for (const way of feedings(c.bytes, ONE_RANDOM_SPLIT)) {
        const d = new RtspDecoder();
        const read = new Uint8Array(c.bytes.length);
        const units: RtspUnit[] = [];
        for (const piece of way.parts) {
          read.set(piece);
          const got = d.push(read.subarray(0, piece.length));
          // What is kept past the read (requests queued behind an answer) must not change with the buffer.
          units.push(...got.map((u) => (u.type === 'interleaved' ? { ...u, payload: u.payload.slice() } : u)));
          read.fill(0x55);
        }
        expect(units, `${c.name} fed ${way.name}`).toEqual(c.decoded);
      }
    }
  });

  it('only ever raises ProtocolError on mutated input', () => {
    fuzz(cases.map((c) => c.bytes), (b) => {
      new RtspDecoder({ maxBodySize: 100 }).push(b);
    }, 500);
  });
});
